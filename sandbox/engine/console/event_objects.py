"""The learner's cluster's Events as the API server lists them (`kubectl get events -o yaml`).

What the recorder wrote (`annotate_events`: identical events counted, ten messages of a reason
combined, the spam filter's drops left out) becomes core/v1 Event objects shaped as a 1.3x
cluster shows them:

- the kubelet's and the Deployment and ReplicaSet controllers' (client-go's legacy recorder,
  tools/record `makeEvent` and `generateEvent`): `count`, `firstTimestamp`, `lastTimestamp`,
  `eventTime: null`, `source: {component, host}` and `reportingComponent`/`reportingInstance`
  copied from it (a controller has no host, so its instance is empty);
- the scheduler's (written through events.k8s.io/v1 and read back as core/v1): `action`
  (`Binding`, `Scheduling`), `eventTime` in microseconds, both timestamps `null`, `source: {}`,
  `reportingInstance: default-scheduler-<host>`, and a `series` once it repeats.

Names are client-go's `<object>.<first time in nanoseconds, hex>` (the object's number added,
so two events of one object in the same simulated instant stay apart). Not modelled:
`resourceVersion` (the console's objects have none), `managedFields`.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..cluster import SIMULATED_EPOCH, annotate_events
from ..trace import Event
from .records import event_from
from .state import ClusterState

# The simulated cluster shows no control-plane node: this stands for the scheduler's host.
SCHEDULER_INSTANCE = "default-scheduler-control-plane"
_SCHEDULER_ACTIONS = {"Scheduled": "Binding", "FailedScheduling": "Scheduling"}


# The controllers that record events about their own objects, and the kind of those objects
# (every other source writes about a pod).
CONTROLLER_KINDS = {"replicaset-controller": "ReplicaSet", "deployment-controller": "Deployment"}


def involved_kind(event: Event) -> str:
    """The kind of the object `event.pod` (`namespace/name`) names."""
    return CONTROLLER_KINDS.get(event.source, "Pod")


def events(state: ClusterState, uid: str | None = None) -> list[Event]:
    """The stored Events (only those of the pod with `uid`, when given)."""
    return [event_from(e) for e in state.data["events"]
            if uid is None or e.get("uid") in (uid, None)]


def events_by_uid(state: ClusterState) -> Callable[[str | None], list[Event]]:
    """`events(state, uid)` for many pods at once: the stored events grouped by UID in one
    pass, each pod's then read in stored order (events kept without a UID go to every pod)."""
    stored = state.data["events"]
    grouped: dict[str, list[int]] = {}
    shared: list[int] = []
    for index, event in enumerate(stored):
        uid = event.get("uid")
        (shared if uid is None else grouped.setdefault(uid, [])).append(index)

    def of(uid: str | None) -> list[Event]:
        if uid is None:
            return events(state)
        return [event_from(stored[i]) for i in sorted(grouped.get(uid, []) + shared)]
    return of


def event_objects(state: ClusterState, namespace: str | None
                  ) -> list[tuple[Event, str, int]]:
    """The Event objects the recorder wrote: each as its latest written occurrence, with the
    UID of the object it is about ("" when none was kept) and its number; oldest last seen
    first. Events are grouped per object UID as the API server keeps them apart (a pod made
    again under the same name is another object)."""
    uids = [e.get("uid") or "" for e in state.data["events"]]
    keyed = tuple(replace(event, pod=f"{event.pod}\0{uid}")
                  for event, uid in zip(events(state), uids, strict=True))
    latest: dict[int, tuple[Event, str]] = {}
    for event in annotate_events(keyed):
        if event.recorded is None or event.recorded.action == "dropped":
            continue
        pod, _, uid = event.pod.partition("\0")
        if namespace is not None and not pod.startswith(namespace + "/"):
            continue
        latest[event.recorded.object] = (replace(event, pod=pod), uid)
    return sorted(((event, uid, number) for number, (event, uid) in latest.items()),
                  key=lambda item: item[0].time)


def event_name(event: Event, number: int) -> str:
    """client-go's GenerateEventName: the object's name, `.`, the first time in hex ns."""
    assert event.recorded is not None
    nanos = round((SIMULATED_EPOCH + event.recorded.first) * 1e9) + number
    return f"{event.pod.split('/', 1)[1]}.{nanos:x}"


def _seconds(at: float) -> str:
    """metav1.Time: RFC 3339, whole seconds."""
    return _when(at).strftime("%Y-%m-%dT%H:%M:%SZ")


def _micro(at: float) -> str:
    """metav1.MicroTime: RFC 3339 with six fractional digits."""
    return _when(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _when(at: float) -> datetime.datetime:
    micros = int((SIMULATED_EPOCH + at) * 1_000_000 + 1e-3)
    return datetime.datetime.fromtimestamp(micros // 1_000_000, datetime.UTC).replace(
        microsecond=micros % 1_000_000)


def _scheduled_on(state: ClusterState) -> dict[str, str]:
    """Pod UID → node, from the scheduler's `Successfully assigned ns/pod to NODE` (kept after
    the pod is gone, as its kubelet events are)."""
    found = {}
    for data in state.data["events"]:
        if data["reason"] == "Scheduled" and data.get("uid"):
            found[data["uid"]] = str(data["message"]).rsplit(" to ", 1)[-1]
    return found


def event_bodies(state: ClusterState, namespace: str | None) -> list[dict[str, Any]]:
    """The Event objects in the API server's order (by namespace, then name)."""
    hosts = _scheduled_on(state)
    bodies = [_body(state, event, uid, number, hosts)
              for event, uid, number in event_objects(state, namespace)]
    return sorted(bodies, key=lambda b: (b["metadata"]["namespace"], b["metadata"]["name"]))


def _body(state: ClusterState, event: Event, uid: str, number: int,
          hosts: dict[str, str]) -> dict[str, Any]:
    recorded = event.recorded
    assert recorded is not None
    namespace, name = event.pod.split("/", 1)
    kind = involved_kind(event)
    if kind != "Pod":
        record = state.record(kind, namespace, name)
        involved = {"apiVersion": "apps/v1", "kind": kind, "name": name, "namespace": namespace}
        uid = uid or (record["uid"] if record else "")
    else:
        involved = {"apiVersion": "v1", "kind": "Pod", "name": name, "namespace": namespace}
    if event.field_path:
        involved["fieldPath"] = event.field_path
    if uid:
        involved["uid"] = uid
    seed = f"event:{uid or event.pod}:{number}".encode()
    body: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Event", "involvedObject": dict(sorted(involved.items())),
        "message": recorded.message, "reason": event.reason, "type": event.type,
        "metadata": {"creationTimestamp": _seconds(recorded.first),
                     "name": event_name(event, number), "namespace": namespace,
                     "uid": str(uuid.UUID(bytes=hashlib.sha256(seed).digest()[:16],
                                          version=4))}}
    if event.source == "default-scheduler":
        body.update(action=_SCHEDULER_ACTIONS.get(event.reason, "Scheduling"),
                    eventTime=_micro(recorded.first), firstTimestamp=None, lastTimestamp=None,
                    reportingComponent="default-scheduler", reportingInstance=SCHEDULER_INSTANCE,
                    source={})
        if recorded.count > 1:
            body["series"] = {"count": recorded.count, "lastObservedTime": _micro(event.time)}
        return dict(sorted(body.items()))
    host = hosts.get(uid, "") if event.source == "kubelet" else ""
    body.update(count=recorded.count, eventTime=None, firstTimestamp=_seconds(recorded.first),
                lastTimestamp=_seconds(event.time), reportingComponent=event.source,
                reportingInstance=host,
                source={"component": event.source, **({"host": host} if host else {})})
    return dict(sorted(body.items()))
