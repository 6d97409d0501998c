"""The controllers of a learner's cluster: Deployments roll out ReplicaSets, ReplicaSets keep
their pods.

Followed from upstream `pkg/controller/deployment` (`rolling.go`: `reconcileNewReplicaSet`,
`reconcileOldReplicaSets`, `cleanupUnhealthyReplicas`, `scaleDownOldReplicaSetsForRollingUpdate`;
`util/deployment_util.go`: `NewRSNewReplicas`, `ResolveFenceposts`) and
`pkg/controller/replicaset` (`manageReplicas`, the deletion ranking in `getPodsToDelete`). A pod
counts as available as soon as it is ready (minReadySeconds 0, no probes are simulated).

`reconcile(segment)` runs every controller until nothing changes; the segment calls it again
whenever a container starts or a pod goes, so a rollout moves on as its new pods come up.
"""

from __future__ import annotations

import copy
import json
import math
from functools import lru_cache
from typing import Any

from ..cluster import PodPlan, sorted_pairs
from ..cluster.naming import object_uid, random_suffix, template_hash
from ..manifests import load_manifests
from ..objects import KubeObject
from .segment import Segment
from .state import ClusterState, object_key

REVISION = "deployment.kubernetes.io/revision"
MAX_ROUNDS = 20


@lru_cache(maxsize=2048)
def _parse(text: str) -> KubeObject:
    return load_manifests(text, validate="ignore")[0]


def parse_body(body: dict[str, Any]) -> KubeObject:
    """A stored body as the engine's typed object (cached by its JSON text)."""
    return _parse(json.dumps(body, sort_keys=True, separators=(",", ":")))


def percent(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is, `25%` of total rounded."""
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 0)
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        scaled = int(value[:-1]) * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return 0


def fenceposts(deployment: dict[str, Any], replicas: int) -> tuple[int, int]:
    """ResolveFenceposts: maxSurge rounds up, maxUnavailable down; both 0 makes it 1."""
    rolling = (deployment.get("spec", {}).get("strategy", {}) or {}).get("rollingUpdate") or {}
    surge = percent(rolling.get("maxSurge", "25%"), replicas, True)
    unavailable = percent(rolling.get("maxUnavailable", "25%"), replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _pods_of(segment: Segment, owner: str, namespace: str) -> list[str]:
    return [key for key, run in segment.runs.items() if key not in segment.deleted
            and run.plan.owner == owner and run.plan.namespace == namespace]


def _ready(segment: Segment, key: str) -> bool:
    run = segment.runs[key]
    regular = [c for c in run.containers.values() if not c.container.init]
    return bool(regular) and all(c.state == "running" for c in regular)


def _replicas(record: dict[str, Any]) -> int:
    value = record["body"].get("spec", {}).get("replicas", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def _set_replicas(record: dict[str, Any], value: int) -> bool:
    if _replicas(record) == value:
        return False
    record["body"].setdefault("spec", {})["replicas"] = value
    return True


def _scale(segment: Segment, deployment: dict[str, Any], rs: dict[str, Any], value: int) -> bool:
    """The Deployment controller resizing one of its ReplicaSets (sync.go `scaleReplicaSet`),
    with the event it records on the Deployment."""
    before = _replicas(rs)
    if not _set_replicas(rs, value):
        return False
    segment.event("Normal", "ScalingReplicaSet",
                  f"Scaled {'up' if value > before else 'down'} replica set {rs['name']} "
                  f"from {before} to {value}",
                  f"{deployment['namespace']}/{deployment['name']}",
                  source="deployment-controller")
    return True


# --- ReplicaSets -------------------------------------------------------------------------------


def _delete_order(segment: Segment, keys: list[str]) -> list[str]:
    """getPodsToDelete's ranking, simplified: unscheduled, then not ready, then the newest."""
    def rank(key: str) -> tuple[int, int, float, str]:
        run = segment.runs[key]
        return (0 if run.node is None else 1, 1 if _ready(segment, key) else 0,
                -segment.created_at.get(key, 0.0), key)
    return sorted(keys, key=rank)


def _new_pod(state: ClusterState, rs: dict[str, Any],
             segment: Segment) -> tuple[PodPlan, dict[str, Any]]:
    obj = parse_body(rs["body"])
    namespace, prefix = rs["namespace"], rs["name"] + "-"
    while True:
        serial = state.next_serial()
        name = prefix + random_suffix(f"{namespace}/{prefix}#{serial}")
        if f"{namespace}/{name}" not in state.data["pods"] and \
                f"{namespace}/{name}" not in segment.runs:
            break
    template_metadata = rs["body"].get("spec", {}).get("template", {}).get("metadata", {})
    labels = template_metadata.get("labels", {})
    annotations = template_metadata.get("annotations") or {}  # GetPodFromTemplate copies both
    assert obj.pod_spec is not None
    uid = object_uid(namespace, name, occurrence=serial)
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "generateName": prefix, "namespace": namespace,
                         "labels": copy.deepcopy(labels),
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": rs["name"], "uid": rs["uid"],
                                              "controller": True,
                                              "blockOwnerDeletion": True}],
                         **({"annotations": copy.deepcopy(annotations)} if annotations else {})},
            "spec": copy.deepcopy(rs["body"].get("spec", {}).get("template", {}).get("spec",
                                                                                    {}))}
    plan = PodPlan(namespace=namespace, name=name, uid=uid,
                   owner=f"ReplicaSet/{rs['name']}", spec=obj.pod_spec,
                   labels=sorted_pairs(labels), annotations=sorted_pairs(annotations),
                   generate_name=prefix, workload=rs.get("owner") or f"ReplicaSet/{rs['name']}")
    return plan, body


def _manage_replicaset(state: ClusterState, segment: Segment, rs: dict[str, Any],
                       accounts: list[KubeObject]) -> bool:
    owner = f"ReplicaSet/{rs['name']}"
    pods = _pods_of(segment, owner, rs["namespace"])
    want = _replicas(rs)
    changed = False
    if len(pods) < want:
        for _ in range(want - len(pods)):
            plan, body = _new_pod(state, rs, segment)
            refused = segment.create_pod(plan, body, accounts, rs.get("defaulted"))
            if refused is not None:
                # The ReplicaSet controller's FailedCreate event; it tries again later.
                segment.event("Warning", "FailedCreate", f"Error creating: {refused}",
                              f"{rs['namespace']}/{rs['name']}", source="replicaset-controller")
                break
            # controller_utils.go RealPodControl: one event per pod made or deleted.
            segment.event("Normal", "SuccessfulCreate", f"Created pod: {plan.name}",
                          f"{rs['namespace']}/{rs['name']}", source="replicaset-controller")
            changed = True
    elif len(pods) > want:
        for key in _delete_order(segment, pods)[:len(pods) - want]:
            segment.delete_pod(key)
            segment.event("Normal", "SuccessfulDelete", f"Deleted pod: {key.split('/', 1)[1]}",
                          f"{rs['namespace']}/{rs['name']}", source="replicaset-controller")
            changed = True
    return changed


# --- Deployments -------------------------------------------------------------------------------


def deployment_template(deployment: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(deployment["body"].get("spec", {}).get("template", {}))


def replica_sets_of(state: ClusterState, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    owner = f"Deployment/{deployment['name']}"
    return [r for r in state.records("ReplicaSet", deployment["namespace"])
            if r.get("owner") == owner]


def newest_replica_set(state: ClusterState, deployment: dict[str, Any]) -> dict[str, Any] | None:
    """The Deployment's ReplicaSet of the highest revision (its current template's), if any."""
    return max(replica_sets_of(state, deployment), key=lambda r: r["revision"], default=None)


def ensure_new_replicaset(state: ClusterState, deployment: dict[str, Any]) -> dict[str, Any]:
    """The ReplicaSet for the Deployment's current template (made, or found and revived), with
    the next revision number when it becomes the new one."""
    template = deployment_template(deployment)
    hash_ = template_hash(template)
    name = f"{deployment['name']}-{hash_}"
    namespace = deployment["namespace"]
    sets = replica_sets_of(state, deployment)
    revisions = [int(r["revision"]) for r in sets]
    found = state.record("ReplicaSet", namespace, name)
    if found is not None:
        if found["revision"] != max(revisions):
            found["revision"] = max(revisions) + 1
        return found
    labels = dict(template.get("metadata", {}).get("labels", {}))
    labels["pod-template-hash"] = hash_
    template.setdefault("metadata", {})["labels"] = labels
    selector = copy.deepcopy(deployment["body"].get("spec", {}).get("selector", {}))
    selector.setdefault("matchLabels", {})["pod-template-hash"] = hash_
    body = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"replicas": 0, "selector": selector, "template": template}}
    record = {"kind": "ReplicaSet", "namespace": namespace, "name": name,
              "uid": object_uid(namespace, name, "ReplicaSet", state.next_serial()),
              "created": state.clock, "generation": 1, "body": body,
              "owner": f"Deployment/{deployment['name']}",
              "revision": (max(revisions) + 1) if revisions else 1,
              "defaulted": deployment.get("defaulted", {})}
    state.data["objects"][object_key("ReplicaSet", namespace, name)] = record
    return record


def _available(segment: Segment, rs: dict[str, Any]) -> int:
    pods = _pods_of(segment, f"ReplicaSet/{rs['name']}", rs["namespace"])
    return sum(1 for key in pods if _ready(segment, key))


def _rollout(state: ClusterState, segment: Segment, deployment: dict[str, Any]) -> bool:
    if deployment.get("paused"):
        return False
    new = ensure_new_replicaset(state, deployment)
    olds = [r for r in replica_sets_of(state, deployment) if r["name"] != new["name"]]
    want = _replicas(deployment)
    strategy = (deployment["body"].get("spec", {}).get("strategy") or {}).get("type")
    changed = False
    if strategy == "Recreate":
        for old in olds:
            changed |= _scale(segment, deployment, old, 0)
        if not any(_pods_of(segment, f"ReplicaSet/{o['name']}", o["namespace"]) for o in olds):
            changed |= _scale(segment, deployment, new, want)
        return changed
    surge, unavailable = fenceposts(deployment["body"], want)
    if not olds or all(_replicas(o) == 0 for o in olds):
        return _scale(segment, deployment, new, want)  # nothing to roll from: plain scaling
    if _replicas(new) > want:
        changed |= _scale(segment, deployment, new, want)
    total = _replicas(new) + sum(_replicas(o) for o in olds)
    if total < want + surge and _replicas(new) < want:  # NewRSNewReplicas
        changed |= _scale(segment, deployment, new,
                          min(want, _replicas(new) + want + surge - total))
    # reconcileOldReplicaSets
    min_available = want - unavailable
    all_pods = _replicas(new) + sum(_replicas(o) for o in olds)
    new_unavailable = _replicas(new) - _available(segment, new)
    budget = all_pods - min_available - new_unavailable
    if budget <= 0:
        return changed
    for old in sorted(olds, key=lambda r: r["created"]):  # cleanupUnhealthyReplicas
        unhealthy = _replicas(old) - _available(segment, old)
        cut = min(unhealthy, budget)
        if cut > 0:
            changed |= _scale(segment, deployment, old, _replicas(old) - cut)
            budget -= cut
    available = _available(segment, new) + sum(_available(segment, o) for o in olds)
    budget = min(budget, available - min_available)
    for old in sorted(olds, key=lambda r: r["created"]):
        if budget <= 0:
            break
        cut = min(_replicas(old), budget)
        if cut > 0:
            changed |= _scale(segment, deployment, old, _replicas(old) - cut)
            budget -= cut
    return changed


def prune_history(state: ClusterState, deployment: dict[str, Any]) -> None:
    """revisionHistoryLimit (default 10): old ReplicaSets at 0 replicas beyond it are deleted."""
    limit = deployment["body"].get("spec", {}).get("revisionHistoryLimit", 10)
    limit = limit if isinstance(limit, int) and limit >= 0 else 10
    olds = sorted((r for r in replica_sets_of(state, deployment) if _replicas(r) == 0),
                  key=lambda r: r["revision"])
    current = max((r["revision"] for r in replica_sets_of(state, deployment)), default=0)
    olds = [r for r in olds if r["revision"] != current]
    for record in olds[:max(len(olds) - limit, 0)]:
        del state.data["objects"][object_key("ReplicaSet", record["namespace"], record["name"])]


def _live_counts(segment: Segment, state: ClusterState,
                 deployment: dict[str, Any]) -> tuple[int, int, int]:
    """(replicas, updated, available) of a Deployment's pods as the segment has them now."""
    newest = newest_replica_set(state, deployment)
    replicas = updated = available = 0
    for rs in replica_sets_of(state, deployment):
        pods = _pods_of(segment, f"ReplicaSet/{rs['name']}", rs["namespace"])
        replicas += len(pods)
        available += sum(1 for key in pods if _ready(segment, key))
        if rs is newest:
            updated = len(pods)
    return replicas, updated, available


def note_progress(state: ClusterState, segment: Segment, deployment: dict[str, Any],
                  new_set: bool) -> None:
    """The Deployment controller's Progressing condition, kept in the record as `progress`:
    when the rollout last made progress (util.DeploymentProgressing: more updated, ready or
    available pods, or fewer old ones; or a new ReplicaSet), and why. Whether the deadline
    passed since is read when it is asked (`workload_status.deployment_conditions`), as the
    controller requeues the Deployment for exactly that moment."""
    replicas, updated, available = _live_counts(segment, state, deployment)
    seen = deployment.get("progress") or {}
    before = seen.get("seen", [0, 0, 0])
    latest = newest_replica_set(state, deployment)
    assert latest is not None  # reconcile notes only Deployments that have ReplicaSets
    newest = latest["name"]
    complete = updated == replicas == available == _replicas(deployment)
    progressed = (updated > before[1] or available > before[2]
                  or replicas - updated < before[0] - before[1])
    if new_set or not seen or seen.get("rs") != newest:
        # NewReplicaSetCreated, then at once ReplicaSetUpdated once its pods are made (their
        # count in the ReplicaSet's status is progress): what a cluster shows after a moment.
        reason, at = "ReplicaSetUpdated" if updated else "NewReplicaSetCreated", segment.now
    elif complete:
        reason = "NewReplicaSetAvailable"
        at = segment.now if seen.get("reason") != reason else seen["at"]
    elif progressed:
        reason, at = "ReplicaSetUpdated", segment.now
    else:
        reason, at = seen["reason"], seen["at"]
    want = _replicas(deployment)
    minimum = available >= want - fenceposts(deployment["body"], want)[1]
    available_at = seen.get("available_at", segment.now)
    if seen.get("minimum") is not minimum:
        available_at = segment.now
    deployment["progress"] = {"at": at, "reason": reason, "rs": newest,
                              "seen": [replicas, updated, available], "minimum": minimum,
                              "available_at": available_at}


def reconcile(state: ClusterState, segment: Segment, accounts: list[KubeObject]) -> None:
    """Every controller, until nothing changes (bounded)."""
    known = {(d["namespace"], d["name"]): {r["name"] for r in replica_sets_of(state, d)}
             for d in state.records("Deployment")}
    for _ in range(MAX_ROUNDS):
        changed = False
        for deployment in state.records("Deployment"):
            changed |= _rollout(state, segment, deployment)
        for rs in state.records("ReplicaSet"):
            changed |= _manage_replicaset(state, segment, rs, accounts)
        if not changed:
            break
    for deployment in state.records("Deployment"):
        prune_history(state, deployment)
        if replica_sets_of(state, deployment) and not deployment.get("paused"):
            made = {r["name"] for r in replica_sets_of(state, deployment)} - \
                known.get((deployment["namespace"], deployment["name"]), set())
            note_progress(state, segment, deployment, bool(made))
