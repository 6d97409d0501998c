"""An image built for another architecture (RUNTIME.md §5, §10; kubelet `doBackOff`).

A single-platform image is pulled and started whatever its architecture (containerd checks the
platform only when it picks from an index); the process dies with `exec format error`, and the
kubelet restarts it after a crash-loop back-off of 10 s doubling to 300 s. A multi-arch index
without the node's platform still fails at pull.
"""

from __future__ import annotations

import pytest

from sandbox.engine import load_manifests, load_scenario, simulate
from sandbox.engine.kubectl import describe_pod, get_pods
from sandbox.engine.kubelet import CrashBackoff
from sandbox.engine.trace import Event, PodStatus, Trace
from sandbox.engine.world import Scenario

SINGLE_AMD64 = "registry.company.com/team/api:1.0"  # one amd64 manifest
MULTI_ARCH = "registry.company.com/team/api:2.0"  # an index with amd64 and arm64
AMD64_ONLY_INDEX = "registry.company.com/team/api:3.0"  # an index with amd64 only


def world(horizon: str = "5m") -> Scenario:
    return load_scenario(f"""\
name: mixed architectures
horizon: {horizon}
nodes:
  - name: node-amd
  - name: node-arm
    architecture: arm64
registries:
  - host: registry.company.com
    latency: 0s
    repositories:
      team/api:
        images:
          v1: {{architecture: amd64, layers: [{{id: base, size: 3MB}}, {{id: api-v1, size: 5MB}}]}}
          v2:
            platforms:
              - {{architecture: amd64, layers: [{{id: base, size: 3MB}}, {{id: v2a, size: 5MB}}]}}
              - {{architecture: arm64, layers: [{{id: arm, size: 3MB}}, {{id: v2r, size: 5MB}}]}}
          v3:
            platforms:
              - {{architecture: amd64, layers: [{{id: base, size: 3MB}}, {{id: v3a, size: 5MB}}]}}
        tags: {{"1.0": v1, "2.0": v2, "3.0": v3}}
""")


def pod(image: str, node: str = "node-arm", policy: str = "IfNotPresent") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: api}}\nspec:\n  nodeName: {node}\n"
            f"  containers:\n    - {{name: api, image: \"{image}\", "
            f"imagePullPolicy: {policy}}}\n")


def run(image: str, node: str = "node-arm", *, horizon: float | None = None,
        policy: str = "IfNotPresent") -> Trace:
    return simulate(load_manifests(pod(image, node, policy)), world(), horizon=horizon)


def the_pod(trace: Trace) -> PodStatus:
    (status,) = trace.pods
    return status


def events(trace: Trace, reason: str) -> list[Event]:
    return [e for e in trace.events if e.reason == reason]


def test_single_platform_image_of_another_architecture_is_pulled_and_started() -> None:
    trace = run(SINGLE_AMD64)
    assert [p.outcome for p in trace.pulls] == ["pulled"]
    assert events(trace, "Started"), "containerd does not check a single manifest's platform"
    assert any("exec format error" in s.text and "amd64" in s.text and "arm64" in s.text
               for s in trace.steps if s.flow == "run")


def test_wrong_architecture_crash_loops_with_back_off_windows_10_20_40() -> None:
    trace = run(SINGLE_AMD64)
    starts = [e.time for e in events(trace, "Started")]
    gaps = [round(b - a, 3) for a, b in zip(starts, starts[1:], strict=False)]
    # First restart as soon as the PLEG notices the exit (no back-off entry yet), then the
    # window measured from each exit: 10 s, 20 s, 40 s, 80 s (the next, 160 s, is past 5 m).
    assert gaps == [1.0, 10.0, 20.0, 40.0, 80.0]
    waiting = [s for s in trace.steps if s.outcome == "back-off"]
    assert [s.text.split("waits ")[1].split("s ")[0] for s in waiting] == [
        "10", "20", "40", "80", "160"]


def test_status_goes_error_then_crash_loop_back_off_with_restarts_growing() -> None:
    full = run(SINGLE_AMD64)
    starts = [e.time for e in events(full, "Started")]
    seen = []
    for start in starts[:4]:
        for offset in (0.5, 1.5):  # just after the exit; after the PLEG's next sync
            status = the_pod(run(SINGLE_AMD64, horizon=start + offset))
            seen.append((status.phase, status.status, status.ready, status.restarts))
    assert seen == [
        ("Running", "Error", "0/1", 0), ("Running", "Error", "0/1", 1),
        ("Running", "Error", "0/1", 1), ("Running", "CrashLoopBackOff", "0/1", 1),
        ("Running", "Error", "0/1", 2), ("Running", "CrashLoopBackOff", "0/1", 2),
        ("Running", "Error", "0/1", 3), ("Running", "CrashLoopBackOff", "0/1", 3),
    ]


def test_crash_loop_back_off_waiting_message_names_window_container_and_pod() -> None:
    trace = run(SINGLE_AMD64, horizon=20.0)
    (status,) = the_pod(trace).containers
    assert (status.state, status.reason) == ("waiting", "CrashLoopBackOff")
    uid = trace.events[-1].message.rsplit("(", 1)[1].rstrip(")")
    assert status.message == f"back-off 20s restarting failed container=api pod=api_default({uid})"


def test_each_restart_emits_pulled_created_started_then_back_off() -> None:
    trace = run(SINGLE_AMD64, horizon=15.0)
    kubelet = [(e.type, e.reason) for e in trace.events if e.source == "kubelet"]
    assert kubelet == [
        ("Normal", "Pulling"), ("Normal", "Pulled"), ("Normal", "Created"), ("Normal", "Started"),
        ("Normal", "Pulled"), ("Normal", "Created"), ("Normal", "Started"),
        ("Warning", "BackOff"),
        ("Normal", "Pulled"), ("Normal", "Created"), ("Normal", "Started"),
        ("Warning", "BackOff"),
    ]
    again = events(trace, "Pulled")[1]
    assert again.message.startswith(f'Container image "{SINGLE_AMD64}" already present on machine')
    backoff = events(trace, "BackOff")[0]
    assert backoff.field_path == "spec.containers{api}"
    assert backoff.message.startswith(
        "Back-off restarting failed container api in pod api_default(")


def test_always_policy_pulls_again_before_each_restart() -> None:
    trace = run(SINGLE_AMD64, horizon=15.0, policy="Always")
    assert len(events(trace, "Pulling")) == len(events(trace, "Started")) == 3


def test_describe_shows_last_state_terminated_with_reason_error() -> None:
    trace = run(SINGLE_AMD64, horizon=20.0)
    text = describe_pod(the_pod(trace), trace.events, 20.0)
    block = text.split("    State:")[1].split("    Ready:")[0]
    assert block.split("\n") == [
        "          Waiting",
        "      Reason:       CrashLoopBackOff",
        "    Last State:     Terminated",
        "      Reason:       Error",
        "      Exit Code:    255",
        # The instance exited at once: it started and finished in the same second (12 s).
        "      Started:      Thu, 01 Jan 2026 00:00:12 +0000",
        "      Finished:     Thu, 01 Jan 2026 00:00:12 +0000",
        "",
    ]
    assert "    Restart Count:  2\n" in text
    assert "    Container ID:   containerd://" in text


def test_describe_shows_a_terminated_state_with_its_exit_code() -> None:
    trace = run(SINGLE_AMD64, horizon=2.0)  # exited at once, before the PLEG noticed
    text = describe_pod(the_pod(trace), trace.events, 2.0)
    assert "    State:          Terminated\n      Reason:       Error\n" \
           "      Exit Code:    255\n" in text
    assert "Last State" not in text


def test_restarts_column_shows_age_of_the_last_termination() -> None:
    trace = run(SINGLE_AMD64, horizon=20.0)
    last = the_pod(trace).containers[0].last_finished
    assert last is not None
    row = get_pods(trace.pods, 20.0).splitlines()[1]
    assert row.split()[:5] == ["api", "0/1", "CrashLoopBackOff", "2",
                               f"({int(20.0 - int(last))}s"]


def test_index_without_the_nodes_platform_still_fails_at_pull() -> None:
    trace = run(AMD64_ONLY_INDEX)
    status = the_pod(trace)
    assert status.status in ("ErrImagePull", "ImagePullBackOff")
    assert status.restarts == 0
    assert not events(trace, "Started")
    assert all("no match for platform" in (p.error or "") for p in trace.pulls)
    assert [h.id for h in trace.hints if h.id == "wrong-architecture"] == ["wrong-architecture"]


@pytest.mark.parametrize(("image", "node"), [
    pytest.param(SINGLE_AMD64, "node-amd", id="single-platform-on-its-own-architecture"),
    pytest.param(MULTI_ARCH, "node-arm", id="index-entry-for-the-node"),
    pytest.param(MULTI_ARCH, "node-amd", id="index-entry-for-the-other-node"),
])
def test_matching_architecture_runs_without_restarts(image: str, node: str) -> None:
    trace = run(image, node)
    status = the_pod(trace)
    assert (status.phase, status.status, status.ready, status.restarts) == (
        "Running", "Running", "1/1", 0)
    assert len(events(trace, "Started")) == 1
    assert not events(trace, "BackOff")
    assert "wrong-architecture" not in [h.id for h in trace.hints]


def test_wrong_architecture_hint_says_publish_an_index_or_pin_the_pod() -> None:
    trace = run(SINGLE_AMD64, horizon=5.0)
    (hint,) = [h for h in trace.hints if h.id == "wrong-architecture"]
    assert (hint.pod, hint.container) == ("default/api", "api")
    assert "linux/arm64" in hint.message
    assert "multi-arch index" in hint.message and "kubernetes.io/arch" in hint.message


def test_restart_steps_use_flow_nodes_the_diagram_knows() -> None:
    from sandbox.engine.render import flow_diagram
    from sandbox.engine.trace import FLOW_NODES

    trace = run(SINGLE_AMD64, horizon=40.0)
    assert {s.flow for s in trace.steps} <= set(FLOW_NODES)
    assert flow_diagram(trace)


@pytest.mark.parametrize(("exits", "windows"), [
    pytest.param([0.0, 1.0, 12.0, 33.0], [10.0, 20.0, 40.0, 80.0], id="doubling"),
    pytest.param([0.0] + [float(i * 301) for i in range(1, 7)],
                 [10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0], id="capped-at-300s"),
    pytest.param([0.0, 1.0, 700.0], [10.0, 20.0, 10.0], id="reset-after-twice-the-maximum"),
])
def test_crash_back_off_grows_from_each_exit(exits: list[float], windows: list[float]) -> None:
    backoff = CrashBackoff()
    assert [backoff.next("pod_ns_uid_api_img", t) for t in exits] == windows


def test_crash_back_off_is_measured_from_the_finish_time() -> None:
    backoff = CrashBackoff()
    assert not backoff.in_backoff_since("k", 5.0, 6.0)  # no entry: restart at once
    backoff.next("k", 5.0)
    assert backoff.in_backoff_since("k", 6.0, 15.9)
    assert not backoff.in_backoff_since("k", 6.0, 16.0)
