"""The API server's side of a learner's cluster: storing objects, and the segment that follows.

`new_cluster` makes the state a scenario starts from; `store_objects` is `kubectl create` /
`kubectl apply` (defaulting at creation, apply's merge on update, the Pod update rule);
`run` resumes the cluster for one command (`segment.Segment`) with the controllers attached.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from ..cluster import PodPlan, admit_service_account, sorted_pairs
from ..cluster.naming import object_uid
from ..credentials import fingerprint_secret
from ..kubectl.describe_objects import secret_sizes
from ..kubelet import effective_policy
from ..kubelet.node_runtime import NodeRuntime
from ..objects import KubeObject
from ..trace import Trace
from ..world import Scenario
from .controllers import parse_body, reconcile
from .records import save_node
from .segment import RUN_ON_LIMIT, Segment
from .state import ClusterState, empty_data, object_key

DEFAULT_KEY = b"lunchbox-local-cluster"
GROUPS = {"Deployment": "deployment.apps", "ReplicaSet": "replicaset.apps",
          "StatefulSet": "statefulset.apps", "DaemonSet": "daemonset.apps", "Job": "job.batch",
          "CronJob": "cronjob.batch", "Pod": "pod", "Secret": "secret",
          "ServiceAccount": "serviceaccount", "Namespace": "namespace", "Node": "node"}
PLURALS = {"Pod": "pods", "Deployment": "deployments.apps", "ReplicaSet": "replicasets.apps",
           "Secret": "secrets", "ServiceAccount": "serviceaccounts", "Namespace": "namespaces",
           "StatefulSet": "statefulsets.apps", "DaemonSet": "daemonsets.apps",
           "Job": "jobs.batch", "CronJob": "cronjobs.batch", "Node": "nodes"}
# Kinds the console keeps controllers for; the others are stored but make no pods here.
SUPPORTED = ("Pod", "Deployment", "Secret", "ServiceAccount", "Namespace")
# Strategic merge keys of the lists apply merges item by item (k8s.io/api core/v1 tags).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "imagePullSecrets": "name",
              "env": "name", "ports": "containerPort", "volumes": "name", "volumeMounts":
              "mountPath", "tolerations": None}
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class CommandFailed(Exception):
    """What kubectl prints on stderr, with its exit code; the state is left as it was."""

    def __init__(self, message: str, code: int = 1, output: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.output = output  # what was printed before the error (kubectl prints as it goes)


@dataclass
class Change:
    """What one command asks of the cluster, for `run` to carry out in simulated time."""

    new_pods: list[tuple[PodPlan, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    deleted_pods: list[str] = field(default_factory=list)
    restarted: dict[str, list[str]] = field(default_factory=dict)  # pod -> containers changed


# --- a new cluster -----------------------------------------------------------------------------


def new_cluster(scenario: Scenario, *, key: bytes = DEFAULT_KEY) -> ClusterState:
    """The scenario's cluster at time 0: its nodes' images, and its own objects created."""
    state = ClusterState(scenario, empty_data(scenario))
    for node in scenario.nodes:
        save_node(NodeRuntime.start(node, scenario.kubelet),
                   state.data["nodes"][node.name], state.data["images"])
    change = Change()
    for namespace in BUILT_IN_NAMESPACES:  # what every cluster has before anyone applies
        _create(state, "Namespace", "", namespace,
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
                change, "cluster")
    for obj in scenario.objects:
        try:
            store_object(state, obj, change, mode="create", key=key)
        except CommandFailed:
            continue  # a scenario object the cluster refuses: the evaluation path warns
    run(state, change, key=key)
    return state


# --- storing objects -----------------------------------------------------------------------------


def _default_containers(spec: dict[str, Any], record: dict[str, Any], path: str) -> None:
    """The API server's imagePullPolicy defaulting, once, at creation (KUBERNETES.md §2)."""
    from ..objects import Container
    for field_name in ("initContainers", "containers"):
        items = spec.get(field_name)
        if not isinstance(items, list):
            continue
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("image"), str):
                continue
            if not item.get("imagePullPolicy"):
                policy, why = effective_policy(Container(str(item.get("name", "")),
                                                         item["image"]))
                item["imagePullPolicy"] = policy
                record.setdefault("defaulted", {})[str(item.get("name", ""))] = (
                    f"defaulted by the API server when the {record['kind']} was created: {why}")


def _with_defaults(kind: str, body: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    spec = body.setdefault("spec", {}) if kind in ("Pod", "Deployment") else None
    if kind == "Pod" and isinstance(spec, dict):
        _default_containers(spec, record, "spec")
        spec.setdefault("restartPolicy", "Always")
    elif kind == "Deployment" and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {})
        if isinstance(strategy, dict) and strategy.setdefault("type", "RollingUpdate") == \
                "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            if isinstance(rolling, dict):
                rolling.setdefault("maxSurge", "25%")
                rolling.setdefault("maxUnavailable", "25%")
        template = spec.get("template")
        if isinstance(template, dict) and isinstance(template.get("spec"), dict):
            _default_containers(template["spec"], record, "spec.template.spec")
    return body


def merge_apply(live: Any, last: Any, new: Any) -> Any:
    """kubectl apply's three-way merge: what the manifest sets wins, what the last apply set
    and this one leaves out is removed, and what neither set (defaults) stays."""
    if isinstance(new, dict) and isinstance(live, dict):
        last = last if isinstance(last, dict) else {}
        out = {k: v for k, v in live.items() if k in new or k not in last}
        for key, value in new.items():
            out[key] = merge_apply(live.get(key), last.get(key), value)
        return out
    if isinstance(new, list) and isinstance(live, list):
        return new if not all(isinstance(i, dict) for i in new + live) else _merge_list(
            live, last if isinstance(last, list) else [], new)
    return copy.deepcopy(new)


def _merge_list(live: list[Any], last: list[Any], new: list[Any]) -> list[Any]:
    for key in ("name", "containerPort", "mountPath"):
        if all(key in item for item in new + live):
            old = {item[key]: item for item in live}
            before = {item[key]: item for item in last if isinstance(item, dict) and key in item}
            return [merge_apply(old.get(item[key]), before.get(item[key]), item) for item in new]
    return copy.deepcopy(new)


# The fields of a Pod's spec an update may change (ValidatePodUpdate in
# pkg/apis/core/validation/validation.go); everything else must stay as it is.
POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)")


def _without_images(spec: Any) -> Any:
    spec = copy.deepcopy(spec) if isinstance(spec, dict) else {}
    for field_name in ("containers", "initContainers"):
        for item in spec.get(field_name) or []:
            if isinstance(item, dict):
                item.pop("image", None)
    # What ValidatePodUpdate lets change besides images (tolerations: additions only, not
    # checked here). imagePullSecrets, serviceAccountName and nodeName may not change.
    for name in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
        spec.pop(name, None)
    return spec


def _images(spec: Any) -> dict[str, str]:
    out = {}
    for field_name in ("initContainers", "containers"):
        for item in (spec or {}).get(field_name) or []:
            if isinstance(item, dict):
                out[str(item.get("name"))] = str(item.get("image"))
    return out


def _ref(kind: str, name: str) -> str:
    return f"{GROUPS.get(kind, kind.lower())}/{name}"


def store_object(state: ClusterState, obj: KubeObject, change: Change, *, mode: str,
                 key: bytes, source: str = "STDIN") -> str:
    """Create or apply one object; kubectl's line for it, or CommandFailed with kubectl's error."""
    kind, namespace, name = obj.kind, obj.effective_namespace, obj.name
    if kind == "Namespace":
        namespace = ""
    body = copy.deepcopy(obj.body)
    sizes = secret_sizes(body) if kind == "Secret" else None
    if kind == "Secret":
        body = fingerprint_secret(body, key)
    body.setdefault("metadata", {})
    if kind != "Namespace":
        body["metadata"]["namespace"] = namespace
    last_text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    if mode == "apply":
        body["metadata"].setdefault("annotations", {})[LAST_APPLIED] = last_text + "\n"
    if kind != "Namespace" and namespace != "default" and \
            state.record("Namespace", "", namespace) is None:
        raise CommandFailed(f'Error from server (NotFound): error when creating "{source}": '
                            f'namespaces "{namespace}" not found')
    existing = state.pod(namespace, name) if kind == "Pod" else state.record(kind, namespace,
                                                                           name)
    plural = PLURALS.get(kind, kind.lower() + "s")
    if existing is None and mode == "replace":
        raise CommandFailed(f'Error from server (NotFound): error when replacing "{source}": '
                            f'{plural} "{name}" not found')
    if existing is None:
        line = _create(state, kind, namespace, name, body, change, source)
    elif mode == "replace":
        line = _replace(kind, namespace, name, body, existing, change)
    elif mode == "create":
        raise CommandFailed(f'Error from server (AlreadyExists): error when creating "{source}": '
                            f'{plural} "{name}" already exists')
    else:
        line = _apply_update(kind, namespace, name, body, existing, change)
    if sizes is not None:
        _keep_sizes(state.record(kind, namespace, name), sizes)
    return line


def _keep_sizes(record: dict[str, Any] | None, sizes: dict[str, int]) -> None:
    """A Secret's key sizes as written (`kubectl describe secret` prints them), for the keys
    it holds now: an apply may keep keys of the stored object that this paste left out."""
    if record is None:
        return
    kept = record.get("sizes")
    before: dict[str, int] = kept if isinstance(kept, dict) else {}
    stored = secret_sizes(record["body"])
    record["sizes"] = {k: sizes.get(k, before.get(k, stored[k])) for k in sorted(stored)}


def _apply_update(kind: str, namespace: str, name: str, body: dict[str, Any],
                  existing: dict[str, Any], change: Change) -> str:
    """`kubectl apply` of an object that exists: the three-way merge, as a PATCH."""
    live = existing["body"]
    annotations = live.get("metadata", {}).get("annotations", {}) or {}
    try:
        last = json.loads(annotations.get(LAST_APPLIED, "{}"))
    except ValueError:
        last = {}
    merged = merge_apply(live, last, body)
    if merged == live:
        return f"{_ref(kind, name)} unchanged"
    _write(kind, namespace, name, merged, existing, change)
    return f"{_ref(kind, name)} configured"


def _write(kind: str, namespace: str, name: str, new: dict[str, Any], existing: dict[str, Any],
           change: Change) -> None:
    """Store `new` over an object: a Pod may change only its images (and restarts those
    containers), a Deployment whose template changed moves to its next generation."""
    live = existing["body"]
    if kind == "Pod":
        if _without_images(new.get("spec")) != _without_images(live.get("spec")):
            raise CommandFailed(f'The Pod "{name}" is invalid: spec: Forbidden: '
                                f"{POD_UPDATE_FORBIDDEN}")
        before, after = _images(live.get("spec")), _images(new.get("spec"))
        changed = [c for c in after if after[c] != before.get(c)]
        if changed:
            change.restarted[f"{namespace}/{name}"] = changed
    elif kind == "Deployment" and new.get("spec", {}).get("template") != \
            live.get("spec", {}).get("template"):
        existing["generation"] = int(existing.get("generation", 1)) + 1
    existing["body"] = new


BUILT_IN_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def _replace(kind: str, namespace: str, name: str, body: dict[str, Any],
             existing: dict[str, Any], change: Change) -> str:
    """`kubectl replace -f`: the object becomes the manifest, defaulted again (a PUT), so a
    policy the manifest leaves out is computed afresh from the new image; a PATCH (`apply`,
    `set image`) keeps the stored one. A Pod still may only change its images."""
    fresh: dict[str, Any] = {"kind": kind}
    replaced = _with_defaults(kind, body, fresh)
    live = existing["body"]
    if kind == "Pod":
        replaced.setdefault("spec", {}).setdefault("serviceAccountName",
                                                   live.get("spec", {}).get("serviceAccountName"))
        if live.get("spec", {}).get("nodeName"):
            replaced["spec"].setdefault("nodeName", live["spec"]["nodeName"])
    _write(kind, namespace, name, replaced, existing, change)
    existing["defaulted"] = fresh.get("defaulted", {})
    return f"{_ref(kind, name)} replaced"


def _create(state: ClusterState, kind: str, namespace: str, name: str, body: dict[str, Any],
            change: Change, source: str) -> str:
    serial = state.next_serial()
    uid = object_uid(namespace, name, kind, serial)
    record: dict[str, Any] = {"kind": kind, "namespace": namespace, "name": name, "uid": uid,
                              "created": state.clock, "generation": 1}
    record["body"] = _with_defaults(kind, body, record)
    if kind == "Pod":
        obj = parse_body(record["body"])
        assert obj.pod_spec is not None
        plan = PodPlan(namespace=namespace, name=name, uid=uid, owner=None, spec=obj.pod_spec,
                       labels=obj.labels, generate_name=None, workload=f"Pod/{name}")
        refused = admit_service_account(plan, accounts(state))
        if not isinstance(refused, PodPlan):
            raise CommandFailed(f'Error from server (Forbidden): error when creating "{source}": '
                                f"{refused.message}")
        change.new_pods.append((plan, record["body"], record.get("defaulted", {})))
        return f"{_ref(kind, name)} created"
    state.data["objects"][object_key(kind, namespace, name)] = record
    if kind == "Namespace":  # its ServiceAccount controller makes `default` in it
        account = {"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "default", "namespace": name}}
        _create(state, "ServiceAccount", name, "default", account, change, source)
    if kind not in SUPPORTED:
        return (f"{_ref(kind, name)} created (stored only: the console does not run "
                f"{kind} controllers yet; use a Deployment, or Run the paste)")
    return f"{_ref(kind, name)} created"


def accounts(state: ClusterState) -> list[KubeObject]:
    return [parse_body(r["body"]) for r in state.records("ServiceAccount")]


def secrets(state: ClusterState) -> list[KubeObject]:
    return [parse_body(r["body"]) for r in state.records("Secret")]


def pod_plan(key: str, record: dict[str, Any]) -> PodPlan:
    obj = parse_body(record["body"])
    assert obj.pod_spec is not None
    namespace, name = key.split("/", 1)
    return PodPlan(namespace=namespace, name=name, uid=record["uid"], owner=record["owner"],
                   spec=obj.pod_spec, labels=obj.labels, created=record["created"],
                   annotations=sorted_pairs(record["body"]["metadata"].get("annotations") or {}),
                   generate_name=record["body"]["metadata"].get("generateName"))


# --- running -----------------------------------------------------------------------------------


def run(state: ClusterState, change: Change, *, key: bytes, seconds: float = 0.0) -> Trace:
    """Carry out `change` at the state's clock and let the cluster run on (see `segment`)."""
    scenario = state.scenario
    target = state.clock + seconds
    objects = secrets(state) + accounts(state)
    service_accounts = [o for o in objects if o.kind == "ServiceAccount"]
    segment = Segment(scenario, objects, target + RUN_ON_LIMIT + 1.0, state=state,
                      target=target, key=key)
    for pod_key, record in sorted(state.data["pods"].items()):
        segment.restore_pod(pod_plan(pod_key, record), record)
    for pod_key, containers in change.restarted.items():
        segment.restart_containers(pod_key, pod_plan(pod_key, state.data["pods"][pod_key]),
                                   containers)
    for pod_key in change.deleted_pods:
        segment.delete_pod(pod_key)
    for plan, body, sources in change.new_pods:
        segment.create_pod(plan, body, service_accounts, sources)
    reconcile(state, segment, service_accounts)
    segment.on_change = lambda seg: reconcile(state, seg, service_accounts)
    return segment.advance()
