"""A run in a few words, for the instructor's board: pod statuses, goal counts, one waiting reason.

Pure functions of a `Trace` (no Django), so a worker that has the trace (a console command run
in another thread or process, `sandbox.cluster_work`) can summarise it there and send back only
this small dict. `lessons.progress` re-exports them. Never the manifest, never a secret.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sandbox.engine import Trace


def pods_summary(trace: Trace) -> str:
    """`1 Running, 1 ErrImagePull`: pods counted by their kubectl STATUS, in first-seen order."""
    counts = Counter(pod.status for pod in trace.pods)
    if not counts:
        return "no pods"
    return ", ".join(f"{count} {status}" for status, count in counts.items())


def main_waiting_reason(trace: Trace) -> str | None:
    """The most common reason a container is still waiting (ImagePullBackOff, …), if any."""
    reasons = Counter(
        container.reason
        for pod in trace.pods
        for container in pod.containers
        if container.state == "waiting" and container.reason
    )
    if not reasons:
        return None
    return reasons.most_common(1)[0][0]


def outcome(trace: Trace, goals: list[dict[str, Any]] | None) -> dict[str, Any]:
    """What one run did, in a few words (the board row's `outcome`)."""
    return {
        "scenario": trace.scenario,
        "pods": pods_summary(trace),
        "goals_passed": sum(1 for g in goals if g.get("passed")) if goals is not None else None,
        "goals_total": len(goals) if goals is not None else None,
        "waiting": main_waiting_reason(trace),
    }
