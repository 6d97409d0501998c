"""`check_goals`: a challenge's goals, checked against a trace.

Goals are a YAML list; each item is a one-key mapping:

    - allPodsRunning: true
    - sameImageEverywhere: true        # every replica of a container runs the same image ID
    - noRegistryPulls: true            # nothing was pulled (cached images only)
    - maxBytesPulled: 100MB
    - waitingReason: {container: web, reason: ErrImageNeverPull}
    - event: {reason: Pulled, message: already present}   # message is a substring, optional
    - podCount: 3                      # exactly this many pods were created
    - pullSecretsFrom: ServiceAccount  # every pod's imagePullSecrets were copied from its account
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .objects import ManifestError, Problem
from .trace import Trace
from .units import parse_size


@dataclass(frozen=True)
class GoalResult:
    goal: str  # the goal as the learner reads it
    passed: bool
    expected: str
    seen: str

    def to_dict(self) -> dict[str, Any]:
        return {"goal": self.goal, "passed": self.passed, "expected": self.expected,
                "seen": self.seen}


def _all_running(trace: Trace, want: Any) -> GoalResult:
    bad = [f"{p.name} is {p.status}" for p in trace.pods if p.phase != "Running"]
    if not trace.pods:
        seen = "no pod was created"
    else:
        seen = "; ".join(bad) if bad else f"all {len(trace.pods)} pod(s) Running"
    ok = bool(trace.pods) and not bad
    return GoalResult("every pod is Running", ok == bool(want), "all pods Running", seen)


def _same_image(trace: Trace, want: Any) -> GoalResult:
    by_container: dict[str, set[str]] = {}
    for pod in trace.pods:
        for c in pod.containers:
            if c.image_id:
                by_container.setdefault(f"{pod.owner or pod.name}/{c.name}", set()).add(c.image_id)
    split = {k: v for k, v in by_container.items() if len(v) > 1}
    seen = ("; ".join(f"{k} runs {len(v)} image IDs: {', '.join(sorted(v))}"
                      for k, v in sorted(split.items()))
            or "every replica runs one image ID")
    return GoalResult("every replica runs the same image", (not split) == bool(want),
                      "one image ID per container across replicas", seen)


def _no_pulls(trace: Trace, want: Any) -> GoalResult:
    pulled = [p for p in trace.pulls if p.outcome == "pulled"]
    seen = (f"{len(pulled)} pull(s): " + ", ".join(f"{p.image} on {p.node}" for p in pulled)
            if pulled else "no image was pulled")
    return GoalResult("no image is pulled from a registry", (not pulled) == bool(want),
                      "no pulls", seen)


def _max_bytes(trace: Trace, want: Any) -> GoalResult:
    limit = parse_size(want)
    total = sum(p.bytes for p in trace.pulls)
    return GoalResult(f"at most {limit} bytes are downloaded", total <= limit,
                      f"≤ {limit} bytes", f"{total} bytes downloaded")


def _waiting_reason(trace: Trace, want: Any) -> GoalResult:
    if not isinstance(want, dict) or "reason" not in want:
        raise ValueError("waitingReason needs {reason: …} and optionally container and pod")
    reason, container, pod = want["reason"], want.get("container"), want.get("pod")
    seen = []
    for p in trace.pods:
        if pod and p.name != pod:
            continue
        for c in p.containers:
            if container and c.name != container:
                continue
            seen.append(f"{p.name}/{c.name}: {c.reason or c.state}")
    waiting = [f"{p.name}/{c.name}" for p in trace.pods for c in p.containers
               if c.state == "waiting" and c.reason == reason
               and (not pod or p.name == pod) and (not container or c.name == container)]
    ok = bool(waiting)
    return GoalResult(f"a container waits with reason {reason}", ok, str(reason),
                      "; ".join(seen) or "no matching container")


def _event(trace: Trace, want: Any) -> GoalResult:
    if not isinstance(want, dict) or "reason" not in want:
        raise ValueError("event needs {reason: …} and optionally message (a substring)")
    reason, fragment = str(want["reason"]), str(want.get("message", ""))
    matching = [e for e in trace.events if e.reason == reason and fragment in e.message]
    reasons = sorted({e.reason for e in trace.events})
    seen = (f"{len(matching)} matching event(s)" if matching
            else f"events seen: {', '.join(reasons) or 'none'}")
    goal = f"an event {reason}" + (f" mentioning {fragment!r}" if fragment else "")
    return GoalResult(goal, bool(matching), reason, seen)


def _pod_count(trace: Trace, want: Any) -> GoalResult:
    if isinstance(want, bool) or not isinstance(want, int) or want < 0:
        raise ValueError("podCount needs a whole number of pods, e.g. `podCount: 3`")
    return GoalResult(f"exactly {want} pod(s) are created", len(trace.pods) == want,
                      f"{want} pod(s)", f"{len(trace.pods)} pod(s)")


_SOURCES = {"serviceaccount": "serviceaccount", "pod": "pod"}


def _pull_secrets_from(trace: Trace, want: Any) -> GoalResult:
    source = _SOURCES.get(str(want).lower()) if isinstance(want, str) else None
    if source is None:
        raise ValueError("pullSecretsFrom is ServiceAccount or Pod")
    seen = [f"{p.name}: {p.pull_secrets_from or 'no pull secrets'}" for p in trace.pods]
    ok = bool(trace.pods) and all(p.pull_secrets_from == source for p in trace.pods)
    label = "its ServiceAccount" if source == "serviceaccount" else "its own spec"
    return GoalResult(f"every pod gets its pull secrets from {label}", ok, str(want),
                      "; ".join(seen) or "no pod was created")


CHECKS: dict[str, Callable[[Trace, Any], GoalResult]] = {
    "allPodsRunning": _all_running,
    "sameImageEverywhere": _same_image,
    "noRegistryPulls": _no_pulls,
    "maxBytesPulled": _max_bytes,
    "waitingReason": _waiting_reason,
    "event": _event,
    "podCount": _pod_count,
    "pullSecretsFrom": _pull_secrets_from,
}


Where = tuple[int | None, int | None]


def _parse_goals(goals: str | list[Any] | None) -> tuple[list[Any], list[Where]]:
    """The goals as plain data, with the line and column of each when they came as YAML."""
    if goals is None:
        return [], []
    if not isinstance(goals, str):
        if not isinstance(goals, list):
            raise ManifestError([Problem("goals must be a YAML list of one-key mappings")])
        return goals, [(None, None)] * len(goals)
    from .yamlsafe import Sequence, safe_load_documents

    documents = [d for d in safe_load_documents(goals) if d.root is not None]
    if not documents:
        return [], []
    if len(documents) > 1:
        extra = documents[1]
        raise ManifestError([Problem("goals must be a single YAML document", extra.line,
                                     extra.column, hint="remove the `---` and what follows")])
    root = documents[0].root
    if not isinstance(root, Sequence):
        assert root is not None
        raise ManifestError([Problem("goals must be a YAML list of one-key mappings",
                                     root.line, root.column)])
    return root.plain(), [(item.line, item.column) for item in root.items]


def check_goals(trace: Trace, goals: str | list[Any] | None) -> list[GoalResult]:
    """Check each goal; a malformed goal raises ManifestError naming it and the known goals."""
    results = []
    problems = []
    items, places = _parse_goals(goals)
    for index, (goal, (line, column)) in enumerate(zip(items, places, strict=True)):
        if not isinstance(goal, dict) or len(goal) != 1:
            problems.append(Problem(f"goal {index + 1} is not a single `name: value` pair", line,
                                    column, path=f"goals[{index}]",
                                    hint="e.g. `- noRegistryPulls: true`"))
            continue
        ((name, want),) = goal.items()
        check = CHECKS.get(str(name))
        if check is None:
            problems.append(Problem(f"unknown goal {name!r}", line, column,
                                    path=f"goals[{index}]",
                                    hint="known goals: " + ", ".join(CHECKS)))
            continue
        try:
            results.append(check(trace, want))
        except ValueError as err:
            problems.append(Problem(str(err), line, column, path=f"goals[{index}].{name}"))
    if problems:
        raise ManifestError(problems)
    return results
