"""Registry faults as scenario switches (issue 4, "Registry faults"; KUBERNETES.md §3, §6).

A registry unreachable from one node, Docker Hub's rate limit and a slow link, each set in
scenario YAML the way an instructor writes it, and each followed through the kubelet's events,
error classification and back-off.
"""

from __future__ import annotations

import textwrap

import pytest

from sandbox.engine import load_manifests, load_scenario, simulate
from sandbox.engine.runtime import go_duration_ns, truncate_ms
from sandbox.engine.trace import Event, Trace
from sandbox.engine.world import Scenario

APP = "registry.company.com/app:v1"
APP_BYTES = 20_000_000


def scenario(*, node_3: str = "", company: str = "", hub: str = "bandwidth: 50MB/s",
             horizon: str = "5m", profile: str = "newest") -> Scenario:
    """node-1 and node-2 reach everything; node-3 gets `node_3`'s extra fields."""
    text = f"""\
name: registry faults
horizon: {horizon}
profile: {profile}
nodes:
  - name: node-1
  - name: node-2
  - name: node-3
{textwrap.indent(node_3, "    ")}
registries:
  - host: registry.company.com
    latency: 0s
{textwrap.indent(company, "    ")}
    repositories:
      app:
        images: {{build-1: {{layers: [{{id: app-base, size: 15MB}}, {{id: app-1, size: 5MB}}]}}}}
        tags: {{v1: build-1}}
  - host: docker.io
{textwrap.indent(hub, "    ")}
"""
    return load_scenario(text)


def pod(name: str, node: str, image: str = APP, extra: str = "") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  nodeName: {node}\n"
            f"{extra}  containers:\n    - {{name: app, image: \"{image}\"}}\n---\n")


def run(manifest: str, world: Scenario) -> Trace:
    return simulate(load_manifests(manifest), world)


def events(trace: Trace, name: str) -> list[Event]:
    return [e for e in trace.events if e.pod == f"default/{name}"]


def assert_err_image_pull_then_back_off(trace: Trace, name: str) -> str:
    """The §3/§6 sequence for a failing pull; returns the first pull error."""
    seen = events(trace, name)
    reasons = [e.reason for e in seen]
    assert reasons[:3] == ["Pulling", "Failed", "Failed"]
    first_failed = seen[1].message
    assert first_failed.startswith('Failed to pull image "')
    assert seen[2].message == "Error: ErrImagePull"
    assert "BackOff" in reasons and "Error: ImagePullBackOff" in [e.message for e in seen]
    backoffs = [e.message for e in seen if e.reason == "BackOff"]
    assert all(m.startswith('Back-off pulling image "') for m in backoffs)
    # The retries wait out growing windows: 10 s, then 20 s, then 40 s ... (§6).
    pulls = [p for p in trace.pulls if p.pod == f"default/{name}"]
    assert len(pulls) >= 3 and all(p.outcome == "failed" for p in pulls)
    gaps = [b.requested - a.finished for a, b in zip(pulls, pulls[1:], strict=False)]
    for gap, window in zip(gaps, [10, 20, 40, 80], strict=False):
        assert gap >= window
    (status,) = [p for p in trace.pods if p.name == name]
    assert status.phase == "Pending" and status.status in ("ErrImagePull", "ImagePullBackOff")
    container = status.containers[0]
    assert container.reason in ("ErrImagePull", "ImagePullBackOff")
    return first_failed.split(": ", 1)[1]


# --- unreachable -------------------------------------------------------------------------------


def test_a_registry_unreachable_from_one_node_fails_only_the_pods_on_that_node() -> None:
    world = scenario(node_3="unreachable: [registry.company.com]")
    trace = run(pod("reaches", "node-1") + pod("cut-off", "node-3"), world)
    assert [p.status for p in trace.pods if p.name == "reaches"] == ["Running"]
    error = assert_err_image_pull_then_back_off(trace, "cut-off")
    assert error.startswith("rpc error: code = DeadlineExceeded desc = failed to pull and "
                            f'unpack image "{APP}": failed to resolve reference "{APP}": '
                            'failed to do request: Head "https://registry.company.com/v2/app/'
                            'manifests/v1": dial tcp ')
    assert error.endswith(":443: i/o timeout")
    # The text does not start with RegistryUnavailable, so the kubelet calls it ErrImagePull.
    assert {p.containers[0].reason for p in trace.pods if p.name == "cut-off"} <= {
        "ErrImagePull", "ImagePullBackOff"}
    failed = [p for p in trace.pulls if p.pod == "default/cut-off"]
    assert all(p.node == "node-3" and p.bytes == 0 for p in failed)
    assert [e.response for e in failed[0].exchanges] == ["i/o timeout"]


def test_an_unreachable_registry_does_not_matter_when_the_image_is_cached() -> None:
    world = load_scenario("""\
name: cached behind a cut link
nodes:
  - name: node-1
    unreachable: [registry.company.com]
    images: ["registry.company.com/app:v1"]
registries:
  - host: registry.company.com
    repositories:
      app:
        images: {build-1: {layers: [{id: app-base, size: 15MB}]}}
        tags: {v1: build-1}
""")
    manifest = pod("cached", "node-1").replace('image: "', 'imagePullPolicy: IfNotPresent, '
                                                            'image: "')
    trace = run(manifest, world)
    assert trace.pods[0].status == "Running" and trace.pulls == ()
    always = run(pod("always", "node-1").replace('image: "', 'imagePullPolicy: Always, image: "'),
                 world)
    assert always.pods[0].status in ("ErrImagePull", "ImagePullBackOff")


# --- rate limiting -------------------------------------------------------------------------------


def test_docker_hub_rate_limiting_answers_toomanyrequests_and_backs_off() -> None:
    world = scenario(hub="rateLimited: true")
    trace = run(pod("limited", "node-1", image="nginx:1.25"), world)
    error = assert_err_image_pull_then_back_off(trace, "limited")
    assert error.startswith('failed to pull and unpack image "docker.io/library/nginx:1.25": '
                            "failed to copy: httpReadSeeker: failed open: unexpected status "
                            "from GET request to https://registry-1.docker.io/v2/library/"
                            "nginx/manifests/sha256:")
    assert error.endswith(": 429 Too Many Requests\ntoomanyrequests: You have reached your "
                          "unauthenticated pull rate limit. "
                          "https://www.docker.com/increase-rate-limit")
    # Resolving the tag (a HEAD) is free; the manifest GET is what counts against the limit.
    exchange = trace.pulls[0].exchanges
    assert [e.response for e in exchange][-1] == "429 Too Many Requests"
    assert any(e.request.startswith("HEAD ") and e.response.startswith("200 OK")
               for e in exchange)
    assert trace.pulls[0].bytes == 0


def test_the_rate_limit_wording_of_the_classic_profile() -> None:
    world = scenario(hub="rateLimited: true", profile="classic")
    trace = run(pod("limited", "node-1", image="nginx:1.25"), world)
    failed = [e.message for e in events(trace, "limited") if e.reason == "Failed"][0]
    assert failed.endswith(
        ": 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull "
        "rate limit. You may increase the limit by authenticating and upgrading: "
        "https://www.docker.com/increase-rate-limit")


def test_a_rate_limited_registry_does_not_stop_cached_images() -> None:
    world = load_scenario("""\
name: cached nginx
nodes:
  - name: node-1
    images: ["nginx:1.25"]
registries:
  - host: docker.io
    rateLimited: true
""")
    trace = run(pod("cached", "node-1", image="nginx:1.25"), world)
    assert trace.pods[0].status == "Running" and trace.pulls == ()


# --- a slow link ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bandwidth", [1_000_000, 2_000_000, 4_000_000])
def test_a_slow_link_makes_a_pull_take_proportionally_longer(bandwidth: int) -> None:
    fast = run(pod("p", "node-1"), scenario(company="bandwidth: 8MB/s"))
    slow = run(pod("p", "node-1"), scenario(company=f"bandwidth: {bandwidth}"))
    fast_pull, slow_pull = fast.pulls[0], slow.pulls[0]
    assert fast_pull.bytes == slow_pull.bytes == APP_BYTES
    extra = (slow_pull.finished - slow_pull.started) - (fast_pull.finished - fast_pull.started)
    assert extra == pytest.approx(APP_BYTES / bandwidth - APP_BYTES / 8_000_000, abs=0.01)
    # The Pulled event reports the longer pull.
    pulled = [e.message for e in events(slow, "p") if e.reason == "Pulled"][0]
    duration = go_duration_ns(truncate_ms(slow_pull.finished - slow_pull.started))
    assert pulled.startswith(f'Successfully pulled image "{APP}" in {duration} (')
    assert slow.pods[0].status == "Running"


def test_a_pull_still_running_at_the_horizon_leaves_the_pod_container_creating() -> None:
    world = scenario(company="bandwidth: 100kB/s", horizon="60s")  # 20 MB take 200 s
    trace = run(pod("p", "node-1"), world)
    assert all(e.time <= trace.horizon for e in trace.events)
    assert trace.pulls == ()  # the pull never finished
    assert [e.reason for e in events(trace, "p")] == ["Pulling"]
    status = trace.pods[0]
    assert (status.phase, status.status) == ("Pending", "ContainerCreating")
    assert status.containers[0].reason == "ContainerCreating"


def test_on_a_slow_link_serialized_pulls_wait_for_each_other() -> None:
    world = scenario(company="bandwidth: 2MB/s")
    manifest = pod("first", "node-1") + pod("second", "node-1")
    trace = run(manifest, world)
    first_pull, second_pull = sorted(trace.pulls, key=lambda p: p.started)
    assert second_pull.started >= first_pull.finished
    waited = [e.message for e in events(trace, "second") if e.reason == "Pulled"][0]
    total = go_duration_ns(truncate_ms(second_pull.finished - second_pull.requested))
    assert f"({total} including waiting)" in waited
