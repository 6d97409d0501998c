"""Stored records and the engine's types: pods, events and node stores, both ways.

The state keeps plain data (`state.py`); the simulator works on its own dataclasses. These
functions turn one into the other: a pod's kubelet record, `kubectl get`'s `PodStatus` of a
stored pod, Events, and a node's image store with its KEP-2535 pulled records.
"""

from __future__ import annotations

from typing import Any

from ..cluster import PodPlan
from ..kubelet import PodRun
from ..kubelet.node_runtime import PullRecord
from ..simulator import _container_status, described
from ..trace import Event, PodStatus
from .state import ClusterState, image_data, image_from


def pod_record(run: PodRun, body: dict[str, Any], status: PodStatus, old: dict[str, Any],
                created: float,
                syncs: list[list[Any]], secrets_from: str | None) -> dict[str, Any]:
    containers = {}
    old_containers = old.get("containers", {})
    for name, c in run.containers.items():
        started = old_containers.get(name, {}).get("started")
        containers[name] = {
            "policy": c.policy, "policy_source": c.policy_source, "state": c.state,
            "reason": c.reason, "message": c.message, "image_id": c.image_id,
            "restart_count": c.restart_count, "exit_code": c.exit_code,
            "finished": c.finished, "last": list(c.last) if c.last else None,
            "reason_cache": list(c.reason_cache) if c.reason_cache else None,
            "started": started,
        }
    for container in status.containers:
        if container.started is not None:
            containers[container.name]["started"] = container.started
    return {"body": body, "node": run.node, "owner": run.plan.owner, "uid": run.plan.uid,
            "created": created,
            "containers": containers, "init_done": run.init_done, "attempts": run.attempts,
            "syncs": syncs, "secrets_from": secrets_from,
            "pulled_bytes": old.get("pulled_bytes", 0),
            "scheduling": [[s.node, s.feasible, s.reason, s.image_locality]
                           for s in run.scheduling]}


def pod_status(plan: PodPlan, record: dict[str, Any]) -> PodStatus:
    """`kubectl get`'s view of a stored pod, with no simulation run."""
    from ..kubelet import ContainerRun
    from ..kubelet.image_manager import effective_policy
    runs = []
    starts = {}
    for container in plan.spec.all_containers:
        saved = record["containers"].get(container.name)
        policy, source = effective_policy(container)
        run = ContainerRun(container, policy, source)
        if saved:
            for attr in ("policy", "policy_source", "state", "reason", "message", "image_id",
                         "restart_count", "exit_code", "finished"):
                setattr(run, attr, saved[attr])
            run.last = tuple(saved["last"]) if saved["last"] else None
            if saved.get("started") is not None:
                starts[container.name] = [saved["started"]]
        runs.append(run)
    statuses = tuple(_container_status(r, starts.get(r.container.name, [])) for r in runs)
    regular = [s for s in statuses if not s.init]
    started = bool(regular) and all(s.state != "waiting" or s.last_finished is not None
                                    for s in regular)
    phase = "Running" if started else "Pending"
    from ..kubectl import pod_status_column
    node = record["node"]
    return PodStatus(plan.namespace, plan.name, plan.owner, node, phase,
                     pod_status_column(list(statuses), phase) if node else "Pending",
                     f"{sum(1 for s in regular if s.ready)}/{len(regular)}",
                     sum(s.restart_count for s in statuses), statuses, (),
                     plan.spec.image_pull_secrets, record.get("secrets_from"),
                     **described(plan, node))


def event_data(event: Event, uid: str | None = None) -> dict[str, Any]:
    """An Event as stored, with the UID of the pod it is about: a pod deleted and made again
    under the same name is another object, whose events the recorder keeps apart."""
    return {"time": event.time, "type": event.type, "reason": event.reason,
            "message": event.message, "pod": event.pod, "source": event.source,
            "field_path": event.field_path, "uid": uid}


def event_from(data: dict[str, Any]) -> Event:
    return Event(data["time"], data["type"], data["reason"], data["message"], data["pod"],
                 data["source"], data["field_path"])


# --- node stores -------------------------------------------------------------------------------


def restore_node(node: Any, saved: dict[str, Any], images: dict[str, Any]) -> None:
    node.images.clear()
    node.repo_digests.clear()
    node.layers.clear()
    node.records.clear()
    for ref, (repo_digest, image_key) in saved["store"].items():
        image = image_from(images[image_key])
        node.images[ref] = image
        node.repo_digests[ref] = repo_digest
        node.layers.update(layer.digest for layer in image.layers)
    node.pulled = set(saved["pulled"])
    for image_id, records in saved["records"].items():
        node.records[image_id] = [PullRecord(r[0], tuple(r[1]) if r[1] else None, r[2], r[3])
                                  for r in records]
    tokens = saved.get("tokens")
    if tokens:
        node.tokens, node.tokens_at = float(tokens[0]), float(tokens[1])


def save_node(node: Any, saved: dict[str, Any], images: dict[str, Any]) -> None:
    store = {}
    for ref, image in sorted(node.images.items()):
        image_key = f"{image.id}@{image.manifest_digest}"
        images.setdefault(image_key, image_data(image))
        store[ref] = [node.repo_digests[ref], image_key]
    saved["store"] = store
    saved["pulled"] = sorted(i for i in node.pulled if i in node.repo_digests.values())
    saved["records"] = {image_id: [[r.node_wide, list(r.secret) if r.secret else None, r.uid,
                                    r.credential] for r in records]
                        for image_id, records in sorted(node.records.items())
                        if image_id in node.repo_digests.values()}
    saved["tokens"] = [node.tokens, node.tokens_at]


def drop_unused_images(state: ClusterState) -> None:
    """Forget the content of images no node (and not the learner's workstation) holds any more."""
    used = {entry[1] for node in state.data["nodes"].values() for entry in node["store"].values()}
    used |= {entry[1] for entry in state.data.get("workstation", {}).values()}
    state.data["images"] = {k: v for k, v in state.data["images"].items() if k in used}


def remove_image(state: ClusterState, node: str, ref: str) -> list[str]:
    """`crictl rmi`: the store keys removed (the tag and, when nothing else names the image,
    its digest entry). The kubelet's pulled records go with the image."""
    saved = state.data["nodes"][node]
    store = saved["store"]
    entry = store.get(ref)
    if entry is None:
        return []
    repo_digest = entry[0]
    removed = [k for k, v in store.items() if v[0] == repo_digest]
    for k in removed:
        del store[k]
    saved["pulled"] = [i for i in saved["pulled"] if i != repo_digest]
    saved["records"].pop(repo_digest, None)
    drop_unused_images(state)
    return removed
