"""The trace: everything one evaluation decided, in simulated time.

`Trace.to_dict()` is JSON-safe and deterministic byte for byte (no wall clock, no randomness).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Literal

from .objects import ContainerPort

# Nodes of the pull decision flowchart (KUBERNETES.md §3). Each trace step names the one it
# passes so the browser can light the path; the diagram module draws them.
FLOW_NODES: dict[str, str] = {
    "schedule": "Scheduler picks a node",
    "unschedulable": "FailedScheduling",
    "start": "Container needs its image",
    "parse": "Image reference valid?",
    "invalid": "InvalidImageName",
    "policy": "imagePullPolicy?",
    "present": "Image present on node?",
    "verify": "Pod may use the cached image?",
    "never_missing": "ErrImageNeverPull",
    "inspect_failed": "ImageInspectError",
    "cached": "Use the cached image",
    "credentials": "Look up pull credentials",
    "backoff": "In back-off window?",
    "backoff_wait": "ImagePullBackOff",
    "pull": "Pull from the registry",
    "pull_failed": "ErrImagePull",
    "pulled": "Image pulled",
    "run": "Container started",
}


@dataclass(frozen=True)
class Step:
    """One decision, at one simulated time, with a plain-language sentence."""

    time: float
    flow: str  # a key of FLOW_NODES
    text: str
    pod: str | None = None  # namespace/name
    container: str | None = None
    node: str | None = None
    # Which way the decision went, for the diagram's edge labels (e.g. "IfNotPresent", "yes").
    outcome: str | None = None


@dataclass(frozen=True)
class Recording:
    """What client-go's event recorder did with one occurrence (kubectl.recordings)."""

    # created: a new Event object; counted: into an existing one (count and last seen raised);
    # dropped: the spam filter kept it from the API server, though `count` still includes it.
    action: Literal["created", "counted", "dropped"]
    object: int  # which Event object it belongs to (numbered per trace in order of first sight)
    count: int  # that object's count once this occurrence is observed
    first: float  # that object's first seen time
    message: str  # the object's message: `(combined from similar events): …` when combined
    combined: bool = False  # the aggregator folded it into its reason's combined event


@dataclass(frozen=True)
class Event:
    """A Kubernetes event as `kubectl describe pod` lists it."""

    time: float
    type: Literal["Normal", "Warning"]
    reason: str
    message: str
    pod: str  # namespace/name of the involved pod
    source: str = "kubelet"  # or default-scheduler
    field_path: str | None = None  # spec.containers{name} for container events
    step: int = -1  # index of the last trace step recorded before this event
    # What the event recorder did with it; None until the simulator fills it in at the end.
    recorded: Recording | None = None


@dataclass(frozen=True)
class LayerTransfer:
    digest: str
    size: int
    label: str
    state: Literal["downloaded", "present"]
    started: float = 0.0  # when its download began (the pull's start for a present layer)
    finished: float = 0.0  # when it was downloaded and unpacked ("Pull complete")
    fetched: float = 0.0  # when its download completed ("Download complete")


@dataclass(frozen=True)
class Exchange:
    """One request of a pull's registry exchange and its answer (the sequence diagram)."""

    request: str
    response: str
    actor: str = "registry"  # registry, or auth for the token service


@dataclass(frozen=True)
class Pull:
    """One runtime pull on one node (successful or not)."""

    node: str
    pod: str
    container: str
    image: str  # as written in the spec
    requested: float  # when the kubelet asked for it
    started: float  # when the puller began (after waiting in the queue)
    finished: float
    outcome: Literal["pulled", "failed"]
    bytes: int = 0  # bytes downloaded
    image_size: int = 0
    image_id: str | None = None
    layers: tuple[LayerTransfer, ...] = ()
    error: str | None = None
    username: str | None = None  # the credential that worked or was last tried; never a secret
    tried: tuple[str, ...] = ()  # usernames tried, in the kubelet's order
    exchanges: tuple[Exchange, ...] = ()
    digest: str | None = None  # the manifest (or index) digest the reference resolved to


@dataclass(frozen=True)
class ContainerStatus:
    name: str
    image: str
    init: bool
    pull_policy: str  # effective imagePullPolicy
    pull_policy_source: str  # "written", or the defaulting rule that chose it
    state: Literal["waiting", "running", "terminated"]
    reason: str | None = None  # waiting reason (ContainerCreating, ErrImagePull, …)
    message: str | None = None
    image_id: str | None = None  # repo@sha256:… once the image is resolved
    ready: bool = False
    restart_count: int = 0
    exit_code: int | None = None  # of the current state when terminated
    # lastState.terminated: the previous instance's end (reason, exit code, finishedAt).
    last_reason: str | None = None
    last_exit_code: int | None = None
    last_finished: float | None = None
    # state.running/terminated startedAt, state.terminated finishedAt, lastState startedAt
    # (simulated seconds; `kubectl describe` prints them as dates).
    started: float | None = None
    finished: float | None = None
    last_started: float | None = None
    ports: tuple[ContainerPort, ...] = ()  # the container's spec ports, for describe
    command: tuple[str, ...] = ()  # the container's spec command and args, for describe
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeScore:
    """What the scheduler thought of one node for one pod."""

    node: str
    feasible: bool
    reason: str  # why it was filtered out, or how it scored
    image_locality: int = 0  # 0–100 (KUBERNETES.md §13)


@dataclass(frozen=True)
class PodStatus:
    namespace: str
    name: str
    owner: str | None  # Kind/name of the workload that made it
    node: str | None
    phase: str  # Pending, Running, …
    status: str  # the STATUS column of kubectl get pods
    ready: str  # READY column, e.g. 0/1
    restarts: int  # the sum of the containers' restart counts
    containers: tuple[ContainerStatus, ...]
    scheduling: tuple[NodeScore, ...] = ()
    image_pull_secrets: tuple[str, ...] = ()  # the pod's list after admission
    # Where that list came from: "pod" (written in it) or "serviceaccount" (copied at creation).
    pull_secrets_from: str | None = None
    # For `kubectl describe pod`: spec.serviceAccountName after admission, the pod's labels
    # and annotations, and status.startTime (when its node's kubelet took it; None before).
    service_account: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    start_time: float | None = None
    sandbox_at: float | None = None  # when its sandbox is made: PodReadyToStartContainers


@dataclass(frozen=True)
class StatusChange:
    """A pod's `kubectl get pods` columns from one trace step on, until its next change."""

    step: int  # index of the first trace step after which the pod shows these
    pod: str  # namespace/name
    status: str  # the STATUS column
    ready: str  # the READY column, e.g. 0/1
    restarts: int  # what the RESTARTS column counts (printPod's rules)
    # The latest last termination among the containers it counts: RESTARTS `N (<age> ago)`.
    restarted: float | None = None


@dataclass(frozen=True)
class Hint:
    """A best-practice note computed from the manifest and what the simulation showed."""

    id: str  # our id
    message: str
    pod: str | None = None
    container: str | None = None
    rule: str | None = None  # the id learners know from kube-linter / Polaris / Kyverno


@dataclass(frozen=True)
class Trace:
    steps: tuple[Step, ...]
    events: tuple[Event, ...]
    pods: tuple[PodStatus, ...]
    pulls: tuple[Pull, ...] = ()
    hints: tuple[Hint, ...] = ()
    warnings: tuple[str, ...] = ()
    horizon: float = 300.0
    scenario: str = ""
    profile: str = "newest"  # the runtime wording profile (RUNTIME.md §12)
    # The scenario's learner settings (`learnerSettings:`) as this run had them in force.
    settings: tuple[tuple[str, bool | str | None], ...] = ()
    # Each pod's get-pods columns whenever they changed, in step order, so any step of the run
    # can be shown without simulating again. Left out of `to_dict`: a long run has thousands,
    # and the websocket sends them bounded, as the result frame's `timeline`.
    statuses: tuple[StatusChange, ...] = ()

    def to_dict(self, empty: Collection[str] = ()) -> dict[str, Any]:
        """A JSON-safe dict (without `statuses`); the same trace always gives the same dict, key
        order included. Fields named in `empty` (say `steps`, `events`: the result frame sends
        them as step frames) come out as [] in their place, without being converted first."""
        data = {name: [] if name in empty else _plain(getattr(self, name))
                for name in _TRACE_FIELDS}
        data["version"] = 1
        return data


_TRACE_FIELDS = tuple(f.name for f in fields(Trace) if f.name != "statuses")
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """dataclasses.asdict without its deep copies: our values are immutable already."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is not None:
        # Scalars are most fields: copy them without a call.
        return {name: (item if type(item) in _SCALARS else _plain(item))
                for name in names for item in (getattr(value, name),)}
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(type(value))
        if names is None:
            names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
        return {name: _plain(getattr(value, name)) for name in names}
    raise TypeError(f"cannot serialize {type(value).__name__} in a trace")
