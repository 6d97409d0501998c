"""The Deployment and ReplicaSet controllers' view of their objects: the counts, conditions and
`status` they write, and what `kubectl describe` prints of them (kubectl/describe_objects.py
lays the text out). Counts are read from the stored pod records; the Progressing condition
from what `controllers.note_progress` kept of the rollout.
"""

from __future__ import annotations

from typing import Any

from ..kubectl.describe import rfc1123z
from ..kubectl.describe_objects import conditions_lines, deployment_lines, replicaset_lines
from .controllers import fenceposts, newest_replica_set, replica_sets_of
from .event_objects import events
from .records import pod_status
from .session import pod_plan
from .state import ClusterState, rfc3339


def ready_counts(state: ClusterState, owner: str, namespace: str) -> tuple[int, int]:
    """(pods, ready pods) owned by `owner` (Kind/name), read from the stored records: a
    container is ready when it runs, as `ContainerStatus.ready` says, without building every
    pod's status once per ReplicaSet."""
    total = ready = 0
    for key, record in state.data["pods"].items():
        if record["owner"] != owner or not key.startswith(namespace + "/"):
            continue
        total += 1
        names = [c.get("name") for c in record["body"].get("spec", {}).get("containers") or []
                 if isinstance(c, dict)]
        ready += bool(names) and all(record["containers"].get(name, {}).get("state") == "running"
                                     for name in names)
    return total, ready


def deployment_status(state: ClusterState, record: dict[str, Any]) -> dict[str, int]:
    newest = newest_replica_set(state, record)
    replicas = ready = updated = 0
    for rs in replica_sets_of(state, record):
        total, up = ready_counts(state, f"ReplicaSet/{rs['name']}", rs["namespace"])
        replicas += total
        ready += up
        if rs is newest:
            updated = total
    want = record["body"].get("spec", {}).get("replicas", 1)
    return {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": updated,
            "availableReplicas": ready, "desired": want}


# The Deployment controller's condition messages (pkg/controller/deployment/util).
_PROGRESS_MESSAGES = {
    "NewReplicaSetCreated": 'Created new replica set "{rs}"',
    "ReplicaSetUpdated": 'ReplicaSet "{rs}" is progressing.',
    "NewReplicaSetAvailable": 'ReplicaSet "{rs}" has successfully progressed.',
    "ProgressDeadlineExceeded": 'ReplicaSet "{rs}" has timed out progressing.',
}
DEFAULT_PROGRESS_DEADLINE = 600


def deployment_conditions(state: ClusterState, record: dict[str, Any]) -> list[dict[str, Any]]:
    """A Deployment's `status.conditions`: Available, then Progressing, from what its controller
    noted (`controllers.note_progress`). A rollout that made no progress for
    `progressDeadlineSeconds` (600 by default) is `Progressing False ProgressDeadlineExceeded`
    from that moment, as the controller requeues it for then."""
    progress = record.get("progress")
    if not isinstance(progress, dict):
        return []
    minimum = bool(progress.get("minimum"))
    available_at = rfc3339(float(progress.get("available_at") or progress["at"]))
    conditions = [{"lastTransitionTime": available_at, "lastUpdateTime": available_at,
                   "message": "Deployment has minimum availability." if minimum else
                   "Deployment does not have minimum availability.",
                   "reason": "MinimumReplicasAvailable" if minimum
                   else "MinimumReplicasUnavailable",
                   "status": "True" if minimum else "False", "type": "Available"}]
    if record.get("paused"):
        return conditions + [{"lastTransitionTime": rfc3339(state.clock),
                              "lastUpdateTime": rfc3339(state.clock),
                              "message": "Deployment is paused", "reason": "DeploymentPaused",
                              "status": "Unknown", "type": "Progressing"}]
    reason, at = progress["reason"], float(progress["at"])
    deadline = record["body"].get("spec", {}).get("progressDeadlineSeconds",
                                                  DEFAULT_PROGRESS_DEADLINE)
    status = "True"
    if reason != "NewReplicaSetAvailable" and isinstance(deadline, int) and \
            state.clock - at > deadline:
        reason, status, at = "ProgressDeadlineExceeded", "False", at + deadline
    when = rfc3339(at)
    return conditions + [{"lastTransitionTime": when, "lastUpdateTime": when,
                          "message": _PROGRESS_MESSAGES[reason].format(rs=progress["rs"]),
                          "reason": reason, "status": status, "type": "Progressing"}]


def deployment_body_status(state: ClusterState, record: dict[str, Any]) -> dict[str, Any]:
    """`status` of a listed Deployment (Go's omitempty: counts of 0 are left out)."""
    s = deployment_status(state, record)
    counts = {"availableReplicas": s["availableReplicas"],
              "observedGeneration": int(record.get("generation", 1)),
              "readyReplicas": s["readyReplicas"], "replicas": s["replicas"],
              "unavailableReplicas": max(s["replicas"] - s["availableReplicas"], 0),
              "updatedReplicas": s["updatedReplicas"]}
    status: dict[str, Any] = {k: v for k, v in counts.items() if v}
    conditions = deployment_conditions(state, record)
    return {**status, **({"conditions": conditions} if conditions else {})}


def replicaset_body_status(state: ClusterState, record: dict[str, Any]) -> dict[str, Any]:
    """`status` of a listed ReplicaSet (`replicas` is always there)."""
    total, ready = ready_counts(state, f"ReplicaSet/{record['name']}", record["namespace"])
    extra = {"availableReplicas": ready, "fullyLabeledReplicas": total,
             "observedGeneration": int(record.get("generation", 1)), "readyReplicas": ready}
    return {**{k: v for k, v in extra.items() if v}, "replicas": total}


def describe_deployment(state: ClusterState, record: dict[str, Any]) -> list[str]:
    s = deployment_status(state, record)
    want = s["desired"]
    available = s["availableReplicas"]
    conditions = [(c["type"], c["status"], c["reason"])
                  for c in deployment_conditions(state, record)]
    sets = sorted(replica_sets_of(state, record), key=lambda r: r["name"])
    newest = newest_replica_set(state, record)

    def created(rs: dict[str, Any]) -> str:
        current = ready_counts(state, f"ReplicaSet/{rs['name']}", rs["namespace"])[0]
        return f"{rs['name']} ({current}/{rs['body'].get('spec', {}).get('replicas', 0)} " \
               f"replicas created)"

    olds = ", ".join(created(rs) for rs in sets if rs is not newest) or "<none>"
    revision = {"deployment.kubernetes.io/revision": str(newest["revision"])} if newest else {}
    return deployment_lines(
        record["body"], created=rfc1123z(record["created"]), annotations=revision,
        status={"desired": want, "updated": s["updatedReplicas"], "total": s["replicas"],
                "available": available, "unavailable": max(s["replicas"] - available, 0)},
        conditions=conditions, old_sets=olds,
        new_set=created(newest) if newest else "<none>")


def describe_replicaset(state: ClusterState, record: dict[str, Any]) -> list[str]:
    owner, namespace = f"ReplicaSet/{record['name']}", record["namespace"]
    phases = [pod_status(pod_plan(key, pod), pod).phase
              for key, pod in state.data["pods"].items()
              if pod["owner"] == owner and key.startswith(namespace + "/")]
    annotations = {}
    deployment = state.record("Deployment", namespace, record["owner"].split("/", 1)[1]) \
        if str(record.get("owner", "")).startswith("Deployment/") else None
    if deployment is not None:  # SetReplicasAnnotations, as of the Deployment now
        want = deployment["body"].get("spec", {}).get("replicas", 1)
        surge, _ = fenceposts(deployment["body"], want)
        annotations = {"deployment.kubernetes.io/desired-replicas": str(want),
                       "deployment.kubernetes.io/max-replicas": str(want + surge),
                       "deployment.kubernetes.io/revision": str(record["revision"])}
    lines = replicaset_lines(
        record["body"], annotations=annotations,
        controlled_by=record.get("owner") if deployment is not None else None,
        current=len(phases), pods=(phases.count("Running"), phases.count("Pending"),
                                   phases.count("Succeeded"), phases.count("Failed")))
    desired = record["body"].get("spec", {}).get("replicas", 1)
    failed = any(e.reason == "FailedCreate" and e.pod == f"{namespace}/{record['name']}"
                 for e in events(state))
    if failed and len(phases) < desired:  # the ReplicaSet controller's ReplicaFailure
        lines += conditions_lines([("ReplicaFailure", "True", "FailedCreate")])
    return lines
