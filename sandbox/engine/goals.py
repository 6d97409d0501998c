"""`load_goals` and `check_goals`: a challenge's goals, read, then checked against a trace.

Goals are a YAML list; each item is a one-key mapping:

    - allPodsRunning: true
    - sameImageEverywhere: true        # every replica of a container runs the same image ID
    - noRegistryPulls: true            # nothing was pulled (cached images only)
    - maxBytesPulled: 100MB
    - waitingReason: {container: web, reason: ErrImageNeverPull}
    - event: {reason: Pulled, message: already present}   # message is a substring, optional
    - podCount: 3                      # exactly this many pods were created
    - pullSecretsFrom: ServiceAccount  # every pod's imagePullSecrets were copied from its account
    - setting: {kubelet.imagePullCredentialsVerificationPolicy: AlwaysVerify}  # a learner
      # setting of the scenario (`learnerSettings:`) had this value in force for the run
    - predictions: {min_right: 3}      # predict mode: at least 3 of the run's questions right
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .problems import ManifestError, Problem
from .render.predict import PredictionScore
from .scenario.learner_settings import SETTABLE, member, show
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


# Each goal kind reads its value (raising ValueError with what to write instead), words the goal
# the way the learner reads it, and checks a trace: reading needs no trace, so a goal list can be
# validated and shown before anything has run.

Verdict = tuple[bool, str, str]  # passed, expected, seen


def _flag(want: Any) -> bool:
    return bool(want)


def _all_running(trace: Trace, want: bool) -> Verdict:
    bad = [f"{p.name} is {p.status}" for p in trace.pods if p.phase != "Running"]
    if not trace.pods:
        seen = "no pod was created"
    else:
        seen = "; ".join(bad) if bad else f"all {len(trace.pods)} pod(s) Running"
    ok = bool(trace.pods) and not bad
    return ok == want, "all pods Running", seen


def _same_image(trace: Trace, want: bool) -> Verdict:
    by_container: dict[str, set[str]] = {}
    for pod in trace.pods:
        for c in pod.containers:
            if c.image_id:
                by_container.setdefault(f"{pod.owner or pod.name}/{c.name}", set()).add(c.image_id)
    split = {k: v for k, v in by_container.items() if len(v) > 1}
    seen = ("; ".join(f"{k} runs {len(v)} image IDs: {', '.join(sorted(v))}"
                      for k, v in sorted(split.items()))
            or "every replica runs one image ID")
    return (not split) == want, "one image ID per container across replicas", seen


def _no_pulls(trace: Trace, want: bool) -> Verdict:
    pulled = [p for p in trace.pulls if p.outcome == "pulled"]
    seen = (f"{len(pulled)} pull(s): " + ", ".join(f"{p.image} on {p.node}" for p in pulled)
            if pulled else "no image was pulled")
    return (not pulled) == want, "no pulls", seen


def _max_bytes(trace: Trace, limit: int) -> Verdict:
    total = sum(p.bytes for p in trace.pulls)
    return total <= limit, f"≤ {limit} bytes", f"{total} bytes downloaded"


def _read_waiting(want: Any) -> tuple[Any, Any, Any]:
    if not isinstance(want, dict) or "reason" not in want:
        raise ValueError("waitingReason needs {reason: …} and optionally container and pod")
    return want["reason"], want.get("container"), want.get("pod")


def _waiting_reason(trace: Trace, want: tuple[Any, Any, Any]) -> Verdict:
    reason, container, pod = want
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
    return bool(waiting), str(reason), "; ".join(seen) or "no matching container"


def _read_event(want: Any) -> tuple[str, str]:
    if not isinstance(want, dict) or "reason" not in want:
        raise ValueError("event needs {reason: …} and optionally message (a substring)")
    return str(want["reason"]), str(want.get("message", ""))


def _event_words(want: tuple[str, str]) -> str:
    reason, fragment = want
    return f"an event {reason}" + (f" mentioning {fragment!r}" if fragment else "")


def _event(trace: Trace, want: tuple[str, str]) -> Verdict:
    reason, fragment = want
    matching = [e for e in trace.events if e.reason == reason and fragment in e.message]
    reasons = sorted({e.reason for e in trace.events})
    seen = (f"{len(matching)} matching event(s)" if matching
            else f"events seen: {', '.join(reasons) or 'none'}")
    return bool(matching), reason, seen


def _read_count(want: Any) -> int:
    if isinstance(want, bool) or not isinstance(want, int) or want < 0:
        raise ValueError("podCount needs a whole number of pods, e.g. `podCount: 3`")
    return int(want)


def _pod_count(trace: Trace, want: int) -> Verdict:
    return len(trace.pods) == want, f"{want} pod(s)", f"{len(trace.pods)} pod(s)"


_SOURCES = {"serviceaccount": "serviceaccount", "pod": "pod"}


def _read_source(want: Any) -> tuple[str, str]:
    source = _SOURCES.get(str(want).lower()) if isinstance(want, str) else None
    if source is None:
        raise ValueError("pullSecretsFrom is ServiceAccount or Pod")
    return source, str(want)


def _source_words(want: tuple[str, str]) -> str:
    label = "its ServiceAccount" if want[0] == "serviceaccount" else "its own spec"
    return f"every pod gets its pull secrets from {label}"


def _pull_secrets_from(trace: Trace, want: tuple[str, str]) -> Verdict:
    source, written = want
    seen = [f"{p.name}: {p.pull_secrets_from or 'no pull secrets'}" for p in trace.pods]
    ok = bool(trace.pods) and all(p.pull_secrets_from == source for p in trace.pods)
    return ok, written, "; ".join(seen) or "no pod was created"


def _read_setting(want: Any) -> tuple[str, bool | str | None]:
    if not isinstance(want, dict) or len(want) != 1:
        raise ValueError("setting needs one {setting: value}, e.g. "
                         "{kubelet.featureGates.KubeletEnsureSecretPulledImages: true}")
    (path, value), = want.items()
    if path not in SETTABLE:
        raise ValueError(f"setting {path!r} is not one learners can be given: "
                         + ", ".join(SETTABLE))
    if not member(value, (*SETTABLE[path], None)):
        raise ValueError(f"{path} cannot be {value!r}: one of "
                         + ", ".join(show(v) for v in SETTABLE[path]))
    return str(path), value


def _setting(trace: Trace, want: tuple[str, bool | str | None]) -> Verdict:
    path, value = want
    used = dict(trace.settings)
    seen = (f"{path}: {show(used[path])}" if path in used
            else "this scenario does not let you change it")
    return path in used and member(used[path], (value,)), f"{path}: {show(value)}", seen


def _read_predictions(want: Any) -> int:
    right = want.get("min_right") if isinstance(want, dict) and set(want) == {"min_right"} \
        else None
    if isinstance(right, bool) or not isinstance(right, int) or right < 1:
        raise ValueError("predictions needs {min_right: N}, a whole number from 1, "
                         "e.g. `predictions: {min_right: 3}`")
    return int(right)


def _predictions(score: PredictionScore | None, want: int) -> Verdict:
    """Scored on the learner's answers in predict mode, which come after the run was checked:
    until then the goal is not met."""
    expected = f"at least {want} right"
    if score is None:
        return False, expected, "no predictions yet: turn Predict on, run, and answer"
    return score.right >= want, expected, score.words()


@dataclass(frozen=True)
class _Kind:
    read: Callable[[Any], Any]  # the written value, checked; raises ValueError
    words: Callable[[Any], str]  # the goal as the learner reads it
    check: Callable[[Trace, Any], Verdict] | None
    # Checked on the prediction score instead of the trace.
    scored: Callable[[PredictionScore | None, Any], Verdict] | None = None


KINDS: dict[str, _Kind] = {
    "allPodsRunning": _Kind(_flag, lambda _: "every pod is Running", _all_running),
    "sameImageEverywhere": _Kind(_flag, lambda _: "every replica runs the same image",
                                 _same_image),
    "noRegistryPulls": _Kind(_flag, lambda _: "no image is pulled from a registry", _no_pulls),
    "maxBytesPulled": _Kind(parse_size, lambda limit: f"at most {limit} bytes are downloaded",
                            _max_bytes),
    "waitingReason": _Kind(_read_waiting, lambda w: f"a container waits with reason {w[0]}",
                           _waiting_reason),
    "event": _Kind(_read_event, _event_words, _event),
    "podCount": _Kind(_read_count, lambda n: f"exactly {n} pod(s) are created", _pod_count),
    "pullSecretsFrom": _Kind(_read_source, _source_words, _pull_secrets_from),
    "setting": _Kind(_read_setting, lambda w: f"the cluster runs with {w[0]}: {show(w[1])}",
                     _setting),
    "predictions": _Kind(_read_predictions,
                         lambda n: f"at least {n} prediction(s) right in predict mode", None,
                         _predictions),
}


@dataclass(frozen=True)
class Goal:
    """One goal of a challenge, read and checked: what it wants and how the learner reads it."""

    name: str  # the key as written, e.g. allPodsRunning
    value: Any  # the value as `KINDS[name].read` returned it
    wording: str

    def check(self, trace: Trace, predictions: PredictionScore | None = None) -> GoalResult:
        kind = KINDS[self.name]
        if kind.scored is not None:
            passed, expected, seen = kind.scored(predictions, self.value)
        else:
            assert kind.check is not None
            passed, expected, seen = kind.check(trace, self.value)
        return GoalResult(self.wording, passed, expected, seen)


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


def load_goals(goals: str | list[Any] | None) -> tuple[Goal, ...]:
    """The goals, read and checked; a malformed goal raises ManifestError naming it (with its line
    and column when the goals came as YAML) and the goals there are."""
    read = []
    problems = []
    items, places = _parse_goals(goals)
    for index, (goal, (line, column)) in enumerate(zip(items, places, strict=True)):
        if not isinstance(goal, dict) or len(goal) != 1:
            problems.append(Problem(f"goal {index + 1} is not a single `name: value` pair", line,
                                    column, path=f"goals[{index}]",
                                    hint="e.g. `- noRegistryPulls: true`"))
            continue
        ((name, want),) = goal.items()
        kind = KINDS.get(str(name))
        if kind is None:
            problems.append(Problem(f"unknown goal {name!r}", line, column,
                                    path=f"goals[{index}]",
                                    hint="known goals: " + ", ".join(KINDS)))
            continue
        try:
            value = kind.read(want)
            read.append(Goal(str(name), value, kind.words(value)))
        except ValueError as err:
            problems.append(Problem(str(err), line, column, path=f"goals[{index}].{name}"))
    if problems:
        raise ManifestError(problems)
    return tuple(read)


def check_goals(trace: Trace, goals: str | list[Any] | tuple[Goal, ...] | None,
                predictions: PredictionScore | None = None) -> list[GoalResult]:
    """Check each goal against the trace (and a `predictions` goal against the score of the
    learner's predictions, if any); goals not yet read are read first (`load_goals`)."""
    read = goals if isinstance(goals, tuple) else load_goals(goals)
    return [goal.check(trace, predictions) for goal in read]


def rescore(goals: str | list[Any] | tuple[Goal, ...] | None, checked: list[dict[str, Any]],
            predictions: PredictionScore | None) -> list[dict[str, Any]]:
    """`checked` (the goal results `check_goals` gave a run, as dicts, in order) with each
    `predictions` goal checked again on the learner's score: what `check_goals(trace, goals,
    predictions)` returns, without the trace (which stayed in the worker process that ran it)."""
    read = goals if isinstance(goals, tuple) else load_goals(goals)
    results = []
    for goal, result in zip(read, checked, strict=True):
        kind = KINDS[goal.name]
        if kind.scored is None:
            results.append(result)
            continue
        passed, expected, seen = kind.scored(predictions, goal.value)
        results.append(GoalResult(goal.wording, passed, expected, seen).to_dict())
    return results
