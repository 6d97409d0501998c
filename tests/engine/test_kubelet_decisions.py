"""The kubelet's pull decisions, events and statuses (KUBERNETES.md §3–§6, RUNTIME.md)."""

from __future__ import annotations

import json
import re

import pytest

from sandbox.engine import load_manifests, simulate
from sandbox.engine.trace import Trace
from sandbox.engine.world import (
    Account,
    Image,
    KubeletConfig,
    Layer,
    Node,
    NodeImage,
    Registry,
    Repository,
    Scenario,
)

NGINX = Image("1.25", (Layer("debian-bookworm-slim", 29_000_000), Layer("nginx-1.25", 41_000_000)))
NGINX_OLD = Image("1.24", (Layer("debian-bookworm-slim", 29_000_000),
                           Layer("nginx-1.24", 40_000_000)))
WEBAPP_1 = Image("build-1", (Layer("debian-12", 48_000_000), Layer("app-1", 1_000_000)))
WEBAPP_2 = Image("build-2", (Layer("debian-12", 48_000_000), Layer("app-2", 1_000_000)))


def hub() -> Registry:
    nginx = Repository("library/nginx", {"1.25": NGINX, "1.24": NGINX_OLD},
                       {"1.25": "1.25", "1.24": "1.24", "latest": "1.25"})
    return Registry("docker.io", bandwidth=50_000_000,
                    repositories={"library/nginx": nginx})


def company(rate_limited: bool = False) -> Registry:
    webapp = Repository("webapp", {"build-1": WEBAPP_1, "build-2": WEBAPP_2},
                        {"v1": "build-1", "v2": "build-2"})
    return Registry("registry.company.com", private=True,
                    accounts=(Account("myuser", "mypass123"),), bandwidth=20_000_000,
                    repositories={"webapp": webapp}, rate_limited=rate_limited)


DEFAULT_KUBELET = KubeletConfig()


def world(*nodes: Node, kubelet: KubeletConfig = DEFAULT_KUBELET, **kw: object) -> Scenario:
    return Scenario("test", nodes=nodes or (Node("node-1"),), registries=(hub(), company()),
                    kubelet=kubelet, **kw)  # type: ignore[arg-type]


def pod(image: str, policy: str | None = None, *, name: str = "web", extra: str = "") -> str:
    line = f"\n      imagePullPolicy: {policy}" if policy else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n{extra}"
            f"  containers:\n    - name: web\n      image: {image}{line}\n")


def run(manifest: str, scenario: Scenario) -> Trace:
    return simulate(load_manifests(manifest), scenario)


def messages(trace: Trace, reason: str | None = None) -> list[str]:
    return [e.message for e in trace.events if reason is None or e.reason == reason]


def reasons(trace: Trace) -> list[str]:
    return [e.reason for e in trace.events]


NODE_WITH_NGINX = Node("node-1", images=(NodeImage("docker.io/library/nginx:1.25", NGINX),))


def test_if_not_present_uses_cached_image_without_pulling() -> None:
    trace = run(pod("nginx:1.25", "IfNotPresent"), world(NODE_WITH_NGINX))
    assert trace.pulls == ()
    assert messages(trace, "Pulled") == [
        'Container image "nginx:1.25" already present on machine and can be accessed by the pod']
    assert trace.pods[0].status == "Running"
    assert [s.flow for s in trace.steps if s.pod] == [
        "schedule", "start", "parse", "policy", "present", "verify", "cached", "run"]


def test_already_present_message_without_the_secret_pulled_images_gate() -> None:
    config = KubeletConfig(ensure_secret_pulled_images=False)
    trace = run(pod("nginx:1.25", "IfNotPresent"), world(NODE_WITH_NGINX, kubelet=config))
    assert messages(trace, "Pulled") == ['Container image "nginx:1.25" already present on machine']
    assert "verify" not in [s.flow for s in trace.steps]


def test_if_not_present_pulls_a_missing_image_with_duration_and_size() -> None:
    trace = run(pod("nginx:1.25", "IfNotPresent"), world(Node("node-1")))
    assert reasons(trace)[:3] == ["Scheduled", "Pulling", "Pulled"]
    assert messages(trace, "Pulling") == ['Pulling image "nginx:1.25"']
    pulled = messages(trace, "Pulled")[0]
    assert re.fullmatch(r'Successfully pulled image "nginx:1\.25" in [0-9.]+m?s '
                        r'\([0-9.]+m?s including waiting\)\. Image size: 70000000 bytes\.', pulled)
    assert trace.pulls[0].bytes == 70_000_000
    expected = f"docker.io/library/nginx@{NGINX.manifest_digest}"
    assert trace.pods[0].containers[0].image_id == expected


def test_always_pulls_even_when_present_but_downloads_no_layer() -> None:
    trace = run(pod("nginx:1.25", "Always"), world(NODE_WITH_NGINX))
    assert "Pulling" in reasons(trace) and "present" not in [s.flow for s in trace.steps]
    assert trace.pulls[0].bytes == 0
    assert {t.state for t in trace.pulls[0].layers} == {"present"}


def test_never_fails_with_err_image_never_pull_when_absent() -> None:
    trace = run(pod("nginx:1.25", "Never"), world(Node("node-1")))
    assert messages(trace, "ErrImageNeverPull")[0] == (
        'Container image "nginx:1.25" is not present with pull policy of Never')
    assert "Error: ErrImageNeverPull" in messages(trace, "Failed")
    container = trace.pods[0].containers[0]
    assert (container.state, container.reason) == ("waiting", "ErrImageNeverPull")
    assert trace.pods[0].status == "ErrImageNeverPull" and trace.pulls == ()


def test_never_uses_a_preloaded_image() -> None:
    trace = run(pod("nginx:1.25", "Never"), world(NODE_WITH_NGINX))
    assert trace.pods[0].status == "Running" and trace.pulls == ()


@pytest.mark.parametrize(
    ("image", "policy"),
    [("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
     (f"nginx:latest@{NGINX.manifest_digest}", "Always"),
     (f"nginx@{NGINX.manifest_digest}", "IfNotPresent")],
)
def test_unset_policy_is_defaulted_by_the_tag(image: str, policy: str) -> None:
    trace = run(pod(image), world(NODE_WITH_NGINX))
    container = trace.pods[0].containers[0]
    assert container.pull_policy == policy
    assert container.pull_policy_source != "written in the manifest"


def test_invalid_reference_is_invalid_image_name_without_pull_or_backoff() -> None:
    trace = run(pod("myapp@sha256:abc123"), world())
    assert reasons(trace)[:3] == ["Scheduled", "InspectFailed", "Failed"]
    assert set(reasons(trace)[3:]) <= {"InspectFailed", "Failed"}
    inspect = messages(trace, "InspectFailed")[0]
    assert inspect.startswith('Failed to apply default image tag "myapp@sha256:abc123": '
                              "couldn't parse image name \"myapp@sha256:abc123\": ")
    assert "Error: InvalidImageName" in messages(trace, "Failed")
    assert trace.pods[0].status == "InvalidImageName" and trace.pulls == ()
    assert "BackOff" not in reasons(trace)
    hint_steps = [s.text for s in trace.steps if s.flow == "parse"]
    assert "64 hex" in hint_steps[0]


def test_missing_docker_hub_repository_looks_private_and_backs_off() -> None:
    trace = run(pod("jakwehrgkaejw:kahsdfgkhj"), world())
    failed = messages(trace, "Failed")[0]
    assert failed == (
        'Failed to pull image "jakwehrgkaejw:kahsdfgkhj": failed to pull and unpack image '
        '"docker.io/library/jakwehrgkaejw:kahsdfgkhj": failed to resolve reference '
        '"docker.io/library/jakwehrgkaejw:kahsdfgkhj": pull access denied, repository does not '
        "exist or may require authorization: server message: insufficient_scope: "
        "authorization failed")
    assert "Error: ErrImagePull" in messages(trace, "Failed")
    assert "Error: ImagePullBackOff" in messages(trace, "Failed")
    assert messages(trace, "BackOff")[0] == 'Back-off pulling image "jakwehrgkaejw:kahsdfgkhj"'
    assert trace.pods[0].status in ("ErrImagePull", "ImagePullBackOff")
    assert trace.pods[0].phase == "Pending"


def test_backoff_windows_double_from_ten_seconds_and_errors_alternate() -> None:
    trace = run(pod("nginx:9.99"), world())
    failures = [p.finished for p in trace.pulls]
    assert len(failures) >= 4
    gaps = [b - a for a, b in zip(failures, failures[1:], strict=False)]
    # Each retry waits out the previous window (10, 20, 40, …) before pulling again.
    for gap, window in zip(gaps, [10, 20, 40, 80, 160], strict=False):
        assert gap >= window
    errors = [m for m in messages(trace, "Failed") if m.startswith("Error: ")]
    assert errors[0] == "Error: ErrImagePull" and "Error: ImagePullBackOff" in errors


def test_missing_tag_is_not_found_with_the_grpc_prefix() -> None:
    trace = run(pod("nginx:9.99"), world())
    assert messages(trace, "Failed")[0] == (
        'Failed to pull image "nginx:9.99": rpc error: code = NotFound desc = failed to pull and '
        'unpack image "docker.io/library/nginx:9.99": failed to resolve reference '
        '"docker.io/library/nginx:9.99": docker.io/library/nginx:9.99: not found')


def test_backoff_status_message_carries_the_last_error() -> None:
    trace = run(pod("nginx:9.99"), world(), )
    backoff = [c for p in trace.pods for c in p.containers if c.reason == "ImagePullBackOff"]
    if backoff:
        assert backoff[0].message is not None
        assert backoff[0].message.startswith('Back-off pulling image "nginx:9.99": ErrImagePull: ')


PRIVATE = "registry.company.com/webapp:v2"
SECRET = """\
apiVersion: v1
kind: Secret
metadata: {name: regcred}
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{"auths":{"registry.company.com":{"username":"myuser","password":"%s"}}}'
---
"""


def test_private_image_without_secret_is_access_denied() -> None:
    trace = run(pod(PRIVATE), world())
    assert "pull access denied" in messages(trace, "Failed")[0]


def test_private_image_with_secret_is_pulled_and_password_never_shown() -> None:
    manifest = SECRET % "mypass123" + pod(PRIVATE, extra="  imagePullSecrets: [{name: regcred}]\n")
    trace = run(manifest, world())
    assert trace.pods[0].status == "Running"
    assert trace.pulls[0].username == "myuser"
    assert "mypass123" not in json.dumps(trace.to_dict())


def test_wrong_password_fails_at_the_token_endpoint() -> None:
    manifest = SECRET % "wrong" + pod(PRIVATE, extra="  imagePullSecrets: [{name: regcred}]\n")
    trace = run(manifest, world())
    failed = messages(trace, "Failed")[0]
    assert "failed to authorize: failed to fetch oauth token" in failed
    assert "wrong" not in json.dumps(trace.to_dict())


def test_missing_pull_secret_is_reported_and_the_pull_goes_on() -> None:
    trace = run(pod("nginx:1.25", extra="  imagePullSecrets: [{name: nope}]\n"), world())
    assert messages(trace, "FailedToRetrieveImagePullSecret")[0] == (
        "Unable to retrieve some image pull secrets (nope); attempting to pull the image may "
        "not succeed.")
    assert trace.pods[0].status == "Running"


def test_serialized_pulls_queue_on_one_node_and_parallel_pulls_overlap() -> None:
    two = pod("nginx:1.25", name="a", extra="  nodeName: node-1\n") + "---\n" + pod(
        "nginx:1.24", name="b", extra="  nodeName: node-1\n")
    serial = run(two, world(Node("node-1")))
    first, second = sorted(serial.pulls, key=lambda p: p.started)
    assert second.started >= first.finished
    parallel = run(two, world(Node("node-1"), kubelet=KubeletConfig(
        serialize_image_pulls=False, max_parallel_image_pulls=5)))
    first, second = sorted(parallel.pulls, key=lambda p: p.started)
    assert second.started < first.finished


def test_shared_layers_are_not_downloaded_twice_on_one_node() -> None:
    two = pod("nginx:1.25", name="a", extra="  nodeName: node-1\n") + "---\n" + pod(
        "nginx:1.24", name="b", extra="  nodeName: node-1\n")
    trace = run(two, world(Node("node-1")))
    later = max(trace.pulls, key=lambda p: p.started)
    assert [t.state for t in later.layers] == ["present", "downloaded"]


def test_init_containers_start_first_and_gate_the_pod() -> None:
    manifest = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
    - {name: setup, image: "nginx:9.99"}
  containers:
    - {name: web, image: "nginx:1.25"}
"""
    trace = run(manifest, world(NODE_WITH_NGINX))
    assert trace.pods[0].status.startswith("Init:")
    assert all(s.container != "web" for s in trace.steps if s.flow == "start")


def test_tag_moved_by_the_timeline_gives_replicas_different_image_ids() -> None:
    from sandbox.engine.world import Push, TimelineEntry

    scenario = world(Node("node-1"), Node("node-2"),
                     timeline=(TimelineEntry(5.0, Push("docker.io/library/nginx", "1.25",
                                                       "1.24")),))
    manifest = (pod("nginx:1.25", "IfNotPresent", name="a", extra="  nodeName: node-1\n")
                + "---\n" + pod("nginx:1.25", name="late", extra="  nodeName: node-2\n"))
    trace = run(manifest, scenario)
    assert any(s.flow == "timeline" for s in trace.steps)
    assert len(trace.pods) == 2


def test_same_input_gives_the_same_json_byte_for_byte() -> None:
    manifest = pod("nginx:9.99") + "---\n" + pod("nginx:1.25", name="b")
    one = json.dumps(run(manifest, world(Node("node-1"), Node("node-2"))).to_dict())
    two = json.dumps(run(manifest, world(Node("node-1"), Node("node-2"))).to_dict())
    assert one == two


def test_invalid_name_status_message_is_the_inspect_failed_text() -> None:
    trace = run(pod("Nginx:1.25"), world())
    container = trace.pods[0].containers[0]
    assert container.reason == "InvalidImageName"
    assert container.message == messages(trace, "InspectFailed")[0]
    assert container.message.startswith('Failed to apply default image tag "Nginx:1.25": ')


def test_classic_profile_prints_the_older_pulled_and_created_texts() -> None:
    scenario = world(Node("node-1"), profile="classic")
    trace = run(pod("nginx:1.25", "IfNotPresent"), scenario)
    assert "Image size" not in messages(trace, "Pulled")[0]
    assert messages(trace, "Created") == ["Created container web"]


def test_events_of_a_queued_pull_belong_to_the_pod_that_asked_for_it() -> None:
    two = pod("nginx:1.25", name="a", extra="  nodeName: node-1\n") + "---\n" + pod(
        "nginx:1.24", name="b", extra="  nodeName: node-1\n")
    trace = run(two, world(Node("node-1")))
    for event in trace.events:
        if event.reason in ("Pulling", "Pulled"):
            expected = "nginx:1.25" if event.pod == "default/a" else "nginx:1.24"
            assert f'"{expected}"' in event.message, event
    assert {(p.pod, p.image) for p in trace.pulls} == {("default/a", "nginx:1.25"),
                                                       ("default/b", "nginx:1.24")}


def test_docker_pull_lines_show_already_existing_and_downloaded_layers() -> None:
    from sandbox.engine.render import docker_pull_lines

    two = pod("nginx:1.25", name="a", extra="  nodeName: node-1\n") + "---\n" + pod(
        "nginx:1.24", name="b", extra="  nodeName: node-1\n")
    trace = run(two, world(Node("node-1")))
    later = max(trace.pulls, key=lambda p: p.started)
    lines = docker_pull_lines(later)
    assert lines[0] == "1.24: Pulling from library/nginx"
    assert lines[1].endswith(": Already exists") and lines[2].endswith(": Pull complete")
    assert lines[-2:] == ["Status: Downloaded newer image for nginx:1.24",
                          "docker.io/library/nginx:1.24"]


def test_always_on_a_node_with_every_layer_says_it_only_checked_the_registry() -> None:
    trace = run(pod("nginx:1.25", "Always"), world(NODE_WITH_NGINX))
    pulled = [s.text for s in trace.steps if s.flow == "pulled"]
    assert "checked the registry but downloaded nothing" in pulled[0]
    assert any("only asked for the manifest" in s.text for s in trace.steps if s.flow == "pull")


def test_layers_download_in_order_and_finish_before_the_pull_does() -> None:
    trace = run(pod("nginx:1.25", "IfNotPresent"), world(Node("node-1")))
    pull = trace.pulls[0]
    starts = [t.started for t in pull.layers]
    assert starts == sorted(starts) and starts[0] >= pull.started
    assert all(t.finished <= pull.finished for t in pull.layers)
    complete = [s for s in trace.steps if s.flow == "pull" and "Pull complete" in s.text]
    assert len(complete) == 2
    assert [s.time for s in complete] == sorted(s.time for s in complete)


def test_registry_pull_qps_refuses_pulls_beyond_the_burst_at_once() -> None:
    manifests = "---\n".join(
        pod(f"nginx:9.{i}", name=f"p{i}", extra="  nodeName: node-1\n") for i in range(4))
    config = KubeletConfig(serialize_image_pulls=False, registry_pull_qps=1, registry_burst=2)
    trace = run(manifests, world(Node("node-1"), kubelet=config))
    first = sorted(trace.pulls, key=lambda p: (p.started, p.pod))[:4]
    errors = [p.error for p in first]
    assert errors.count("pull QPS exceeded") == 2
    assert 'Failed to pull image "nginx:9.2": pull QPS exceeded' in messages(trace, "Failed") or \
        'Failed to pull image "nginx:9.3": pull QPS exceeded' in messages(trace, "Failed")


def test_registry_pull_qps_zero_means_no_limit() -> None:
    manifests = "---\n".join(
        pod(f"nginx:9.{i}", name=f"p{i}", extra="  nodeName: node-1\n") for i in range(4))
    config = KubeletConfig(serialize_image_pulls=False, registry_pull_qps=0, registry_burst=0)
    trace = run(manifests, world(Node("node-1"), kubelet=config))
    assert "pull QPS exceeded" not in {p.error for p in trace.pulls}


def test_a_run_that_would_make_too_many_steps_stops_with_a_warning() -> None:
    manifests = "---\n".join(
        pod(f"nginx:9.{i}", name=f"p{i}", extra="  nodeName: node-1\n") for i in range(30))
    trace = simulate(load_manifests(manifests), world(Node("node-1")), max_steps=200)
    assert 200 <= len(trace.steps) < 260
    assert any("stopped" in w and "200 steps" in w for w in trace.warnings)
    assert trace.horizon < 300


def test_docker_pull_log_orders_each_layers_status_changes_in_time() -> None:
    from sandbox.engine.render import docker_pull_log

    two = pod("nginx:1.25", name="a", extra="  nodeName: node-1\n") + "---\n" + pod(
        "nginx:1.24", name="b", extra="  nodeName: node-1\n")
    trace = run(two, world(Node("node-1")))
    later = max(trace.pulls, key=lambda p: p.started)
    log = [line.split("s  ", 1)[1] for line in docker_pull_log(later)]
    short = NGINX_OLD.layers[1].digest.removeprefix("sha256:")[:12]
    shared = NGINX_OLD.layers[0].digest.removeprefix("sha256:")[:12]
    assert log[0] == "1.24: Pulling from library/nginx"
    assert f"{shared}: Already exists" in log
    order = [log.index(f"{short}: {s}") for s in
             ("Pulling fs layer", "Verifying Checksum", "Download complete", "Pull complete")]
    assert order == sorted(order)
    assert log[-2] == "Status: Downloaded newer image for nginx:1.24"
    times = [float(line.split("s", 1)[0]) for line in docker_pull_log(later)]
    assert times == sorted(times)
