"""A run's own frames (docs/protocol.md): `accepted`, one `step` per step sent, and `result`.

Built in the worker process that evaluated the run (`sandbox.prepare`) from the engine's
`Evaluation`, as JSON-safe dicts and then text (`protocol.frame_text`); `result_frame` trims the
last frame of a run to what daphne will carry.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sandbox import timeline
from sandbox.engine import Evaluation
from sandbox.engine.render import report
from sandbox.engine.render.cluster_frames import run_cluster
from sandbox.engine.trace import Event, Recording, Step
from sandbox.protocol import frame, frame_text, utf8_size

# Daphne (autobahn) will not send a websocket message over 1 MiB, and says nothing when it
# refuses: keep the result frame well under that.
RESULT_BUDGET_BYTES = 900 * 1024
# A step frame carries the events since the previous frame; after a skipped stretch of a huge
# run that can be tens of thousands, so it carries the last STEP_EVENTS and counts the rest.
STEP_EVENTS = 500
# The result's describe text covers this many pods, its pull list this many pulls.
DESCRIBED_PODS = 30
LISTED_PULLS = 100


def accepted_frame(run: int, evaluation: Evaluation) -> dict[str, Any]:
    """Sent once a run is evaluated: its size, the unmarked flowchart, warnings and hints, and
    the Cluster view's start and changes."""
    trace = evaluation.trace
    return frame(
        "accepted", run=run, steps=len(trace.steps), horizon=trace.horizon,
        scenario=trace.scenario, diagrams={"flow": evaluation.diagrams["flow_plain"]},
        warnings=[w.to_dict() for w in evaluation.warnings], created=list(evaluation.created),
        build=None if evaluation.build is None else evaluation.build.to_dict(),
        settings=dict(trace.settings),  # the scenario's learner settings, as this run had them
        hints=[{"id": h.id, "message": h.message, "pod": h.pod, "container": h.container,
                "rule": h.rule} for h in trace.hints],
        cluster=run_cluster(evaluation.scenario, trace),  # bounded by construction
    )


def step_frame(run: int, index: int, step: Step, events: list[Event]) -> dict[str, Any]:
    """A `step` frame with the events since the previous one: the last STEP_EVENTS of them, and
    `skipped_events` counting any before (the result's describe text still counts them all)."""
    shown = events[-STEP_EVENTS:]
    return frame("step", run=run, index=index, step=step_dict(step),
                 events=[event_dict(e) for e in shown], skipped_events=len(events) - len(shown))


def step_dict(step: Step) -> dict[str, Any]:
    return {"time": step.time, "flow": step.flow, "text": step.text, "pod": step.pod,
            "container": step.container, "node": step.node, "outcome": step.outcome}


def event_dict(event: Event) -> dict[str, Any]:
    return {"time": event.time, "type": event.type, "reason": event.reason,
            "message": event.message, "pod": event.pod, "source": event.source,
            "field_path": event.field_path,
            "recorded": None if event.recorded is None else recording_dict(event.recorded)}


def recording_dict(recorded: Recording) -> dict[str, Any]:
    """`dataclasses.asdict` of a Recording, without its recursion and deep copies (its fields
    are scalars): every event of every step frame carries one."""
    return {"action": recorded.action, "object": recorded.object, "count": recorded.count,
            "first": recorded.first, "message": recorded.message, "combined": recorded.combined}


def goal_dicts(evaluation: Evaluation) -> list[dict[str, Any]] | None:
    return None if evaluation.goals is None else [g.to_dict() for g in evaluation.goals]


def result_frame(run: int, evaluation: Evaluation, rest: list[Event]) -> str:
    """The `result` frame as JSON text, trimmed to fit RESULT_BUDGET_BYTES (runs in a thread).

    Steps and events already went out in step frames, so the trace is sent without them; the
    describe text covers the first DESCRIBED_PODS pods and pulls the first LISTED_PULLS. If a
    huge run is still too big, the per-pod detail goes next, and `truncated` says what was cut.
    """
    trace = evaluation.trace
    data = trace.to_dict(empty=("steps", "events"))  # sent already, as step frames
    version = data.pop("version")  # the diagrams go where the trace used to carry them
    data["diagrams"], data["version"] = evaluation.charts, version  # no flowchart: see there
    truncated: list[str] = ["trace.steps", "trace.events"]  # sent already, as step frames
    shown = trace.pods[:DESCRIBED_PODS]
    describe = report.describe_pods(replace(trace, pods=shown))
    if len(trace.pods) > DESCRIBED_PODS:
        describe += (f"\n\n# … and {len(trace.pods) - DESCRIBED_PODS} more pods "
                     "(kubectl describe pod <name> shows one)")
        truncated.append("describe")
    pulls = [{"node": p.node, "pod": p.pod, "image": p.image,
              "lines": report.docker_pull_lines(p), "log": report.docker_pull_log(p)}
             for p in trace.pulls[:LISTED_PULLS]]
    if len(trace.pulls) > LISTED_PULLS:
        truncated.append("pulls")
    result = frame("result", run=run, trace=data, events=[event_dict(e) for e in rest],
                   describe=describe, get_pods=report.get_pods(trace),
                   goals=goal_dicts(evaluation), pulls=pulls, truncated=truncated)
    result["timeline"] = timeline.pod_timeline(evaluation)  # bounded; counted below
    text = frame_text(result)
    if utf8_size(text) <= RESULT_BUDGET_BYTES:
        return text
    for pod in data["pods"]:
        pod["scheduling"] = []
    data["pulls"] = data["pulls"][:LISTED_PULLS]
    for pull in data["pulls"]:
        pull["exchanges"] = []
    for entry in pulls:
        entry["log"] = []
    truncated += ["trace.pods.scheduling", "trace.pulls", "pulls.log"]
    text = frame_text(result)
    if utf8_size(text) <= RESULT_BUDGET_BYTES:
        return text
    data["pods"] = data["pods"][:DESCRIBED_PODS]
    data["diagrams"] = {}
    result["pulls"] = pulls[:20]
    result["get_pods"] = "\n".join(result["get_pods"].splitlines()[:DESCRIBED_PODS + 1])
    truncated += ["trace.pods", "trace.diagrams", "get_pods"]
    return frame_text(result)
