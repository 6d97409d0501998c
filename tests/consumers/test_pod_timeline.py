"""The result frame's `timeline`: each pod's get-pods columns step by step (sandbox/timeline.py)."""

from __future__ import annotations

import json
from dataclasses import replace

from sandbox import run_frames, timeline
from sandbox.engine import evaluate, load_scenario
from sandbox.engine.trace import StatusChange

TWO_NODES = load_scenario("""\
name: Two nodes
nodes:
  - name: node-1
    images:
      - nginx:1.25
  - name: node-2
""")


def pod(name: str, image: str, node: str = "node-1") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  nodeName: {node}\n"
            f"  containers:\n    - name: web\n      image: {image}\n"
            f"      imagePullPolicy: IfNotPresent\n---\n")


def test_a_failing_pull_goes_container_creating_err_image_pull_then_image_pull_back_off() -> None:
    evaluation = evaluate(pod("web", "nginx:no-such-tag"), TWO_NODES)
    steps = evaluation.trace.steps
    changes = timeline.pod_timeline(evaluation)["pods"]["default/web"]

    statuses = [status for _, status, _, _ in changes]
    assert statuses[:3] == ["ContainerCreating", "ErrImagePull", "ImagePullBackOff"]
    # Each later pull fails again: the column goes back to ErrImagePull, then back off.
    assert statuses[3:] == ["ErrImagePull", "ImagePullBackOff"] * ((len(statuses) - 3) // 2)
    assert all(ready == "0/1" and restarts == 0 for _, _, ready, restarts in changes)
    first, err_image_pull, back_off = (entry[0] for entry in changes[:3])
    assert steps[first].flow == "schedule"
    # The pull that failed goes into the reasonCache; the next sync publishes it...
    failed = next(i for i, s in enumerate(steps) if s.flow == "pull_failed")
    assert steps[err_image_pull].flow == "start" and err_image_pull > failed
    # ...and that sync finds the image in back-off, which the sync after it publishes.
    waited = next(i for i, s in enumerate(steps) if s.flow == "backoff_wait")
    assert waited < back_off and steps[back_off].time > steps[waited].time


def test_a_cached_pod_is_running_from_the_step_its_container_started() -> None:
    evaluation = evaluate(pod("cached", "nginx:1.25") + pod("pulled", "nginx:1.25", "node-2"),
                          TWO_NODES)
    steps = evaluation.trace.steps
    pods = timeline.pod_timeline(evaluation)["pods"]

    assert list(pods) == ["default/cached", "default/pulled"]
    (created, _, _, _), (started, status, ready, restarts) = pods["default/cached"]
    assert steps[created].flow == "schedule"
    assert (status, ready, restarts) == ("Running", "1/1", 0)
    assert steps[started].flow == "run" and steps[started].pod == "default/cached"
    assert [s.flow for s in steps[:started] if s.pod == "default/cached"][-1] == "cached"
    # The pod that pulls is still ContainerCreating while the cached one runs.
    (_, waiting, _, _), (running, *_) = pods["default/pulled"]
    assert waiting == "ContainerCreating" and running > started
    assert steps[running - 1].flow == "pulled"


def test_the_last_change_of_each_pod_is_what_get_pods_prints_at_the_end() -> None:
    evaluation = evaluate(pod("a", "nginx:1.25") + pod("b", "nginx:1.27") + pod("c", "nginx:x")
                          + pod("d", "nginx:1.25", "node-9"), TWO_NODES)
    pods = timeline.pod_timeline(evaluation)["pods"]
    for status in evaluation.trace.pods:
        _, shown, ready, restarts = pods[f"{status.namespace}/{status.name}"][-1]
        assert (shown, ready, restarts) == (status.status, status.ready, status.restarts)
    assert [entry[1] for entry in pods["default/d"]] == ["Pending"]


def test_the_timeline_is_bounded_and_keeps_each_pods_last_change() -> None:
    evaluation = evaluate(pod("web", "nginx:1.25"), TWO_NODES)
    many = tuple(StatusChange(i, "default/web", f"S{i}", "0/1", 0) for i in range(120))
    pods = [StatusChange(0, f"default/p{i}", "Pending", "0/1", 0) for i in range(600)]
    long = timeline.pod_timeline(replace(evaluation, trace=replace(evaluation.trace,
                                                                   statuses=many)))
    wide = timeline.pod_timeline(replace(evaluation, trace=replace(evaluation.trace,
                                                                   statuses=tuple(pods))))

    kept = long["pods"]["default/web"]
    assert len(kept) == timeline.TIMELINE_CHANGES and long["truncated"]
    assert kept[-1] == [119, "S119", "0/1", 0]
    assert len(wide["pods"]) == timeline.TIMELINE_PODS and wide["truncated"]


def test_the_result_frame_carries_the_timeline_and_the_trace_does_not_repeat_it() -> None:
    evaluation = evaluate(pod("web", "nginx:1.25"), TWO_NODES)
    result = json.loads(run_frames.result_frame(1, evaluation, []))

    assert result["timeline"] == timeline.pod_timeline(evaluation)
    assert result["timeline"]["truncated"] is False
    assert "statuses" not in result["trace"]
    assert "statuses" not in evaluation.trace.to_dict()
