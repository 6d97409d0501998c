"""The result frame's `timeline`: each pod's `kubectl get pods` columns step by step, so the page
can show any step of a run without running it again (docs/protocol.md).

The engine records the changes (`Trace.statuses`, taken from the kubelet's own state as the run
goes); this module only groups them by pod and bounds them, since a long run has thousands.
"""

from __future__ import annotations

from typing import Any

from sandbox.engine import Evaluation
from sandbox.engine.trace import StatusChange

TIMELINE_PODS = 500
TIMELINE_CHANGES = 50  # per pod: the first 49 and the last, so the end agrees with get_pods
TIMELINE_ENTRIES = 8_000  # in all: about 300 KB, well inside the result frame's budget

Entry = list[int | str | float]


def pod_timeline(evaluation: Evaluation) -> dict[str, Any]:
    """`{"pods": {"namespace/name": [[step, STATUS, READY, RESTARTS(, restarted)], …]},
    "truncated": bool}`, pods in the order they were created, each pod's changes in step order.

    `restarted` (the latest last termination RESTARTS counts, for its `(<age> ago)`) comes only
    when RESTARTS is above 0. `truncated` says some pods or changes were left out.
    """
    by_pod: dict[str, list[StatusChange]] = {}
    for change in evaluation.trace.statuses:
        by_pod.setdefault(change.pod, []).append(change)
    pods: dict[str, list[Entry]] = {}
    entries = 0
    truncated = False
    for key, changes in by_pod.items():
        shown = _entries(changes)
        if len(shown) > TIMELINE_CHANGES:
            shown, truncated = shown[:TIMELINE_CHANGES - 1] + shown[-1:], True
        if len(pods) == TIMELINE_PODS or entries + len(shown) > TIMELINE_ENTRIES:
            truncated = True
            break
        pods[key] = shown
        entries += len(shown)
    return {"pods": pods, "truncated": truncated}


def _entries(changes: list[StatusChange]) -> list[Entry]:
    """The changes as entries, dropping one that prints like the one before (a termination
    time RESTARTS does not show yet, while it counts 0)."""
    entries: list[Entry] = []
    for change in changes:
        entry: Entry = [change.step, change.status, change.ready, change.restarts]
        if change.restarts and change.restarted is not None:
            entry.append(change.restarted)
        if not entries or entries[-1][1:] != entry[1:]:
            entries.append(entry)
    return entries
