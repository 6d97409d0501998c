"""Predict, then reveal: the kubelet decisions of a run a learner can reason about, as questions.

`prediction_points(trace)` reads a finished trace and returns, for the decisions of KUBERNETES.md
§3 that a learner can work out from the manifest and the cluster (which imagePullPolicy applies,
what the kubelet does with an image on or off the node, which credentials it sends, how the pull
ends), a question with its choices, the right answer and the kubelet's rule. The answer is what
the engine did in this run, read from the trace's steps; nothing here decides anything again.

Each point names the step that gives its answer away (`step`), so playback can stop before it.
Questions repeat little: one per decision, pod template, container, node and outcome, at most
MAX_POINTS a run, so twenty replicas of one Deployment ask a handful, not eighty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..reference import InvalidReference, parse_reference
from ..trace import ContainerStatus, Step, Trace

MAX_POINTS = 10
MAX_TEXT = 300  # characters of a question or a choice
MAX_EXPLANATION = 900

Kind = Literal["policy", "present", "credentials", "pull"]


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Prediction:
    """One question of predict mode, with its answer and the rule that explains it."""

    id: str  # q1, q2, … in step order
    step: int  # the trace step that gives the answer away: playback stops before it
    kind: Kind
    pod: str  # namespace/name
    container: str
    node: str | None
    image: str  # as written in the spec
    question: str
    choices: tuple[Choice, ...]
    answer: str  # the id of the right choice
    explanation: str

    def question_dict(self, number: int, total: int) -> dict[str, Any]:
        """What the browser is shown before the learner answers: no answer, no explanation."""
        node = None if self.node is None else _clip(self.node)
        return {"id": self.id, "number": number, "total": total, "kind": self.kind,
                "pod": _clip(self.pod), "container": _clip(self.container), "node": node,
                "image": _clip(self.image), "question": self.question,
                "choices": [{"id": c.id, "label": c.label} for c in self.choices]}

    def label_of(self, choice: str) -> str:
        return next((c.label for c in self.choices if c.id == choice), choice)


@dataclass(frozen=True)
class PredictionScore:
    """How many of a run's questions were answered, and how many of those rightly."""

    right: int
    answered: int
    total: int

    def words(self) -> str:
        return f"{self.right} of {self.total} right"


def score(points: Iterable[Prediction], answers: Mapping[str, str]) -> PredictionScore:
    """The score of `answers` (question id -> choice id); ids not among `points` do not count."""
    listed = list(points)
    answered = [p for p in listed if p.id in answers]
    right = sum(1 for p in answered if answers[p.id] == p.answer)
    return PredictionScore(right, len(answered), len(listed))


# --- the rules, in our words (KUBERNETES.md §2, §3, §9) -----------------------------------------

POLICY_CHOICES = (
    Choice("Always", "Always: pull the image, whatever the node holds"),
    Choice("IfNotPresent", "IfNotPresent: use the node's copy if it has one, else pull"),
    Choice("Never", "Never: use the node's copy, and never pull"),
)
POLICY_RULES = {
    "Always": "With Always the kubelet pulls whatever the node holds: it goes to the registry "
              "each time it starts the container (the runtime then downloads only the layers "
              "the node lacks).",
    "IfNotPresent": "With IfNotPresent the kubelet asks the runtime whether the image is on the "
                    "node, and pulls only when it is not.",
    "Never": "With Never the kubelet asks the runtime whether the image is on the node and never "
             "pulls: an image that is not there is ErrImageNeverPull.",
}
PRESENT_CHOICES = (
    Choice("use", "Use the image on the node"),
    Choice("pull", "Pull the image"),
    Choice("refuse", "Refuse: ErrImageNeverPull"),
)
VERIFY_RULE = ("With KubeletEnsureSecretPulledImages on, an image on the node is used only if "
               "this pod may use it with its own credentials; if not, IfNotPresent pulls and "
               "Never refuses.")
CREDENTIAL_CHOICES = (
    Choice("secret", "A pull secret of the pod (its imagePullSecrets)"),
    Choice("node", "The node's own credentials (its config or a credential provider)"),
    Choice("none", "None: it pulls anonymously"),
)
CREDENTIAL_RULE = ("The kubelet sends the credentials whose registry key matches the image's "
                   "repository: first those of the pod's imagePullSecrets (written in the pod or "
                   "copied from its ServiceAccount), then the node's own; when none match, the "
                   "pull is anonymous.")
PULL_CHOICES = (
    Choice("pulled", "It is pulled"),
    Choice("not_found", "It fails: the registry has no such image, tag or digest"),
    Choice("denied", "It fails: access denied (credentials missing or wrong)"),
    Choice("rate_limited", "It fails: 429 Too Many Requests (a rate limit)"),
    Choice("unreachable", "It fails: the registry cannot be reached"),
    Choice("other", "It fails for another reason"),
)
PULL_RULES = {
    "pulled": "The runtime resolved the reference and downloaded the layers the node lacked: "
              "the kubelet records Pulled and starts the container.",
    "not_found": "The registry answered 404 for the manifest: that repository, tag or digest is "
                 "not there. The kubelet reports ErrImagePull, then ImagePullBackOff.",
    "denied": "The registry refused the request (401 or 403): no credentials, or not ones it "
              "accepts for this repository. Docker Hub answers a repository that does not exist "
              "the same way. The kubelet reports ErrImagePull, then ImagePullBackOff.",
    "rate_limited": "The registry answered 429 Too Many Requests: too many pulls from this "
                    "address. The kubelet reports ErrImagePull and backs off before retrying.",
    "unreachable": "The node could not reach the registry (name lookup, connection or timeout): "
                   "nothing was asked. The kubelet reports the failure and backs off.",
    "other": "The runtime's pull failed: the kubelet reports ErrImagePull (or the error's own "
             "name) and backs off before retrying.",
}


def pull_result(text: str) -> str:
    """A PULL_CHOICES id for the text of a `pulled` or `pull_failed` step."""
    lowered = text.lower()
    if not lowered.startswith("the pull failed"):
        return "pulled"
    if any(word in lowered for word in ("dial tcp", "no such host", "i/o timeout",
                                        "connection refused", "connection timed out",
                                        "http response to https", "registryunavailable")):
        return "unreachable"
    if "429" in lowered or "toomanyrequests" in lowered:
        return "rate_limited"
    if "no match for platform" in lowered:
        return "other"
    if any(word in lowered for word in ("401", "403", "unauthorized", "access denied",
                                        "insufficient_scope", "forbidden")):
        return "denied"
    if "not found" in lowered or "404" in lowered or "manifest unknown" in lowered:
        return "not_found"
    return "other"


# --- reading the trace ------------------------------------------------------------------------


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _registry(image: str) -> str:
    try:
        return parse_reference(image).domain
    except InvalidReference:
        return "its registry"


@dataclass(frozen=True)
class _Candidate:
    step: int
    key: tuple[str | None, ...]
    point: Prediction


class _Reader:
    """One pass over the steps: candidates as each decision step comes, deduplicated after."""

    def __init__(self, trace: Trace) -> None:
        self.containers: dict[tuple[str, str], ContainerStatus] = {}
        self.templates: dict[str, str] = {}
        for pod in trace.pods:
            key = f"{pod.namespace}/{pod.name}"
            self.templates[key] = pod.owner or key
            for container in pod.containers:
                self.containers[(key, container.name)] = container
        self.found: list[_Candidate] = []
        # A `present` step waits for the step that says what came of it.
        self.pending: dict[tuple[str, str], tuple[int, Step, list[str]]] = {}
        self.credentials: dict[tuple[str, str], str] = {}

    def read(self, index: int, step: Step) -> None:
        if step.pod is None or step.container is None:
            return
        where = (step.pod, step.container)
        status = self.containers.get(where)
        if status is None:
            return
        reader = _READERS.get(step.flow)
        if reader is not None:
            reader(self, index, step, status)

    def add(self, index: int, step: Step, status: ContainerStatus, kind: Kind,
            key_extra: tuple[str | None, ...], question: str, choices: tuple[Choice, ...],
            answer: str, explanation: str) -> None:
        assert step.pod is not None and step.container is not None
        point = Prediction("", index, kind, step.pod, step.container, step.node, status.image,
                           _clip(question), choices, answer,
                           _clip(explanation, MAX_EXPLANATION))
        key = (kind, self.templates.get(step.pod, step.pod), step.container, *key_extra)
        self.found.append(_Candidate(index, key, point))

    def policy(self, index: int, step: Step, status: ContainerStatus) -> None:
        policy = step.outcome or ""
        if policy not in POLICY_RULES:
            return
        written = status.pull_policy_source == "written in the manifest"
        if written:
            said = f"its manifest says imagePullPolicy: {policy}"
            why = "The policy is written in the manifest."
        else:
            said = "no imagePullPolicy is written, so the API server chose one"
            why = f"No policy was written: {status.pull_policy_source}."
        question = (f"Pod {step.pod}, container {step.container}, image {status.image!r}: "
                    f"{said}. Which policy applies, and so what does the kubelet on "
                    f"{step.node} do first?")
        self.add(index, step, status, "policy", (), question, POLICY_CHOICES, policy,
                 f"{why} {POLICY_RULES[policy]}")

    def present(self, index: int, step: Step, status: ContainerStatus) -> None:
        if step.outcome in ("yes", "no"):
            assert step.pod is not None and step.container is not None
            self.pending[(step.pod, step.container)] = (index, step, [step.text])

    def verify(self, index: int, step: Step, status: ContainerStatus) -> None:
        assert step.pod is not None and step.container is not None
        pending = self.pending.get((step.pod, step.container))
        if pending is not None:
            pending[2].append(VERIFY_RULE + " " + step.text)

    def resolve(self, index: int, step: Step, status: ContainerStatus) -> None:
        """The first step after `present` that shows what the kubelet did with the image."""
        assert step.pod is not None and step.container is not None
        pending = self.pending.pop((step.pod, step.container), None)
        if pending is None:
            return
        at, present, said = pending
        answer = {"cached": "use", "never_missing": "refuse"}.get(step.flow, "pull")
        policy = status.pull_policy
        question = (f"imagePullPolicy is {policy}. Does the kubelet on {present.node} use "
                    f"{status.image!r} from the node, pull it, or refuse, for pod {present.pod}, "
                    f"container {present.container}?")
        self.add(at, present, status, "present", (present.node, answer), question,
                 PRESENT_CHOICES, answer, " ".join([POLICY_RULES.get(policy, ""), *said]))

    def credential(self, index: int, step: Step, status: ContainerStatus) -> None:
        self.resolve(index, step, status)
        found = step.outcome or ""
        if found not in ("secret", "node", "none"):
            return
        assert step.pod is not None and step.container is not None
        self.credentials[(step.pod, step.container)] = found
        question = (f"The kubelet on {step.node} needs {status.image!r} from "
                    f"{_registry(status.image)} for pod {step.pod}, container {step.container}. "
                    "Which credentials does it send?")
        self.add(index, step, status, "credentials", (step.node, found), question,
                 CREDENTIAL_CHOICES, found, f"{CREDENTIAL_RULE} {step.text}")

    def pull_end(self, index: int, step: Step, status: ContainerStatus) -> None:
        assert step.pod is not None and step.container is not None
        result = pull_result(step.text)
        sent = self.credentials.get((step.pod, step.container), "none")
        how = "anonymously" if sent == "none" else "with the credentials it found"
        question = (f"The kubelet on {step.node} pulls {status.image!r} from "
                    f"{_registry(status.image)} {how}, for pod {step.pod}. "
                    "How does the pull end?")
        self.add(index, step, status, "pull", (step.node, result), question, PULL_CHOICES,
                 result, f"{PULL_RULES[result]} {step.text}")


_READERS: dict[str, Callable[[_Reader, int, Step, ContainerStatus], None]] = {
    "policy": _Reader.policy,
    "present": _Reader.present,
    "verify": _Reader.verify,
    "cached": _Reader.resolve,
    "never_missing": _Reader.resolve,
    "credentials": _Reader.credential,
    "backoff": _Reader.resolve,
    "pull": _Reader.resolve,
    "pulled": _Reader.pull_end,
    "pull_failed": _Reader.pull_end,
}


def prediction_points(trace: Trace, shown: Callable[[int], bool] | None = None,
                      limit: int = MAX_POINTS) -> tuple[Prediction, ...]:
    """The run's questions in step order, at most `limit`, one per distinct decision.

    `shown(index)` says whether the browser sees step `index` (playback leaves out the middle of
    a very long run); a question whose step it does not see is not asked.
    """
    reader = _Reader(trace)
    for index, step in enumerate(trace.steps):
        reader.read(index, step)
    seen: set[tuple[str | None, ...]] = set()
    points: list[Prediction] = []
    for candidate in sorted(reader.found, key=lambda c: c.step):
        if candidate.key in seen or (shown is not None and not shown(candidate.step)):
            continue
        seen.add(candidate.key)
        points.append(replace(candidate.point, id=f"q{len(points) + 1}"))
        if len(points) == limit:
            break
    return tuple(points)

