"""ImageInspectError: a node whose runtime cannot answer ImageStatus (a scenario fault).

Upstream: `pkg/kubelet/images/image_manager.go` asks `GetImageRef` (CRI ImageStatus) before any
pull decision for IfNotPresent and Never (`imagePullPrecheck`, kubelet 1.32+; every policy
before); on error it records Warning `InspectFailed` `Failed to inspect image %q: %v` and
returns ErrImageInspect (`ImageInspectError`, `images/types.go`) before the back-off check, so no
back-off entry is made. The ref it formats is the one GetImageRef just left empty: `""` since
1.32 (k3s-io/k3s#12540 on v1.32.5, kubernetes#141571); the image as written before (a 2019
kubeflow/testing#413 report). The CRI client returns the ImageStatus error unchanged, gRPC code
and all (`cri-client` `remote_image.go` `imageStatusV1`).
"""

from __future__ import annotations

import pytest

from sandbox.engine import ManifestError, evaluate, load_manifests, load_scenario, simulate
from sandbox.engine.runtime import msg_inspect_failed
from sandbox.engine.trace import Trace
from sandbox.engine.world import NodeFaults

NIL_IMAGE = ("rpc error: code = Unknown desc = unable to convert a nil pointer to a runtime "
             "API image")  # k3s-io/k3s#12540


def scenario(profile: str = "newest", fault: str = NIL_IMAGE, images: str = "") -> str:
    return f"""name: A broken image store
profile: {profile}
nodes:
  - name: bad
    faults:
      imageStatus: "{fault}"
{images}  - name: good
"""


def pod(policy: str, image: str = "nginx:1.25", node: str = "bad", name: str = "web") -> str:
    return f"""apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  nodeName: {node}
  containers:
  - name: web
    image: {image}
    imagePullPolicy: {policy}
"""


def run(policy: str, profile: str = "newest", horizon: float = 60.0, **kw: str) -> Trace:
    world = load_scenario(scenario(profile, images=kw.pop("images", "")))
    return simulate(load_manifests(pod(policy, **kw)), world, horizon=horizon)


def kubelet_events(trace: Trace) -> list[tuple[str, str, str]]:
    return [(e.type, e.reason, e.message) for e in trace.events if e.source == "kubelet"]


# --- the scenario field ------------------------------------------------------------------------


def test_faults_image_status_is_read_onto_the_node() -> None:
    world = load_scenario(scenario())
    nodes = {n.name: n for n in world.nodes}
    assert nodes["bad"].faults == NodeFaults(image_status=NIL_IMAGE)
    assert nodes["good"].faults == NodeFaults()


@pytest.mark.parametrize(("faults", "path", "column", "text"), [
    ("{imageStatuss: x}", "nodes[0].faults.imageStatuss", 14, "unknown field 'imageStatuss'"),
    ('{imageStatus: ""}', "nodes[0].faults.imageStatus", 27, "must not be empty"),
    ("{imageStatus: 3}", "nodes[0].faults.imageStatus", 27, "must be a string"),
    ("[imageStatus]", "nodes[0].faults", 13, "must be a mapping"),
    ("{imageStatus: " + "x" * 1025 + "}", "nodes[0].faults.imageStatus", 27,
     "must be at most 1024 characters"),
])
def test_a_bad_fault_is_refused_at_its_position(faults: str, path: str, column: int,
                                                text: str) -> None:
    with pytest.raises(ManifestError) as caught:
        load_scenario(f"name: x\nnodes:\n  - name: node-x\n    faults: {faults}\n")
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.column) == (path, 4, column)
    assert text in problem.message


# --- the kubelet's answer --------------------------------------------------------------------


def test_if_not_present_on_a_faulty_node_is_image_inspect_error_with_upstream_texts() -> None:
    trace = run("IfNotPresent")
    message = f'Failed to inspect image "": {NIL_IMAGE}'
    assert kubelet_events(trace)[:2] == [("Warning", "InspectFailed", message),
                                         ("Warning", "Failed", "Error: ImageInspectError")]
    container = trace.pods[0].containers[0]
    assert (container.state, container.reason, container.message) == (
        "waiting", "ImageInspectError", message)
    assert trace.pods[0].status == "ImageInspectError"
    assert trace.pulls == ()  # the kubelet never got as far as a pull


def test_get_pods_and_describe_show_image_inspect_error() -> None:
    world = load_scenario(scenario())
    evaluation = evaluate(pod("IfNotPresent"), world, horizon=100.0)
    row = evaluation.get_pods().splitlines()[1].split()
    assert row[:4] == ["web", "0/1", "ImageInspectError", "0"]
    described = evaluation.describe_pods()
    assert "Reason:       ImageInspectError" in described
    assert "InspectFailed" in described and "Error: ImageInspectError" in described


def test_no_back_off_only_the_pod_workers_retries() -> None:
    trace = run("IfNotPresent", horizon=120.0)
    reasons = {reason for _, reason, _ in kubelet_events(trace)}
    assert reasons == {"InspectFailed", "Failed"}  # never BackOff, never Pulling
    seen = [e.time for e in trace.events if e.reason == "InspectFailed"]
    assert seen[1] - seen[0] <= 2.0  # the PLEG's relist after the first sync
    assert all(10.0 <= b - a <= 15.0 for a, b in zip(seen[1:], seen[2:], strict=False))
    assert len(seen) >= 9  # k3s-io/k3s#12540: `(x8 over 7m)` in about 78 s


def test_never_fails_the_inspect_before_it_can_say_the_image_is_missing() -> None:
    reasons = [reason for _, reason, _ in kubelet_events(run("Never"))]
    assert reasons[:2] == ["InspectFailed", "Failed"]
    assert "ErrImageNeverPull" not in reasons


def test_a_cached_image_cannot_be_seen_either() -> None:
    trace = run("IfNotPresent", images="    images: [\"nginx:1.25\"]\n")
    assert trace.pods[0].status == "ImageInspectError"
    assert not [e for e in trace.events if e.reason == "Pulled"]


def test_always_skips_the_inspect_since_1_32_and_pulls_with_size_zero() -> None:
    for profile in ("newest", "current"):
        trace = run("Always", profile)
        assert trace.pods[0].status == "Running", profile
        pulled = [e.message for e in trace.events if e.reason == "Pulled"]
        # puller.go reads the size with a best-effort ImageStatus and ignores its error.
        assert pulled and pulled[0].endswith("Image size: 0 bytes."), profile


def test_before_1_32_always_inspects_too_and_names_the_image() -> None:
    trace = run("Always", "classic")
    assert trace.pods[0].status == "ImageInspectError"
    assert kubelet_events(trace)[0] == (
        "Warning", "InspectFailed", f'Failed to inspect image "nginx:1.25": {NIL_IMAGE}')


def test_the_fault_belongs_to_its_node() -> None:
    world = load_scenario(scenario())
    objects = load_manifests(pod("IfNotPresent", node="bad", name="a") + "---\n"
                             + pod("IfNotPresent", node="good", name="b"))
    statuses = {p.name: p.status for p in simulate(objects, world, horizon=60.0).pods}
    assert statuses == {"a": "ImageInspectError", "b": "Running"}


def test_inspect_failed_message_per_profile() -> None:
    assert msg_inspect_failed("nginx", "boom", "newest") == 'Failed to inspect image "": boom'
    assert msg_inspect_failed("nginx", "boom", "current") == 'Failed to inspect image "": boom'
    assert msg_inspect_failed("nginx", "boom", "classic") == \
        'Failed to inspect image "nginx": boom'


def test_the_diagram_marks_the_image_inspect_error_node() -> None:
    world = load_scenario(scenario())
    flow = evaluate(pod("IfNotPresent"), world, horizon=5.0).diagrams
    text = next(v for v in flow.values() if "inspect_failed" in v)
    assert "class inspect_failed takenfailure" in text
