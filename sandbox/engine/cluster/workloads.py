"""The pods a cluster creates for pasted objects, named the way its controllers name them.

Names follow the controllers: a Deployment makes ReplicaSet `<deployment>-<pod-template-hash>`,
a ReplicaSet, DaemonSet or Job makes pods `<owner>-<5 random characters>` (generateName), a
StatefulSet makes `<name>-0 … <name>-(n-1)`, a CronJob makes Job `<cronjob>-<minutes since the
epoch of the scheduled time>`. Where the cluster uses randomness (generateName suffixes) we
derive the characters from a SHA-256 of the names instead, so the same paste always gives the
same pods. Those name, hash and UID helpers live in `naming.py`, and the admission plugins that
then change a pod (ServiceAccount §7, AlwaysPullImages §11) in `admission.py`; both are
re-exported here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from ..objects import KubeObject, PodSpec, Toleration
from ..problems import ManifestError
from ..world import Node
from .admission import (
    DEFAULT_SERVICE_ACCOUNT,
    AdmissionError,
    admit_always_pull_images,
    admit_service_account,
)
from .filters import filter_reason
from .naming import (
    GENERATED_SUFFIX_LENGTH,
    MAX_GENERATED_BASE,
    SAFE_ALPHABET,
    fnv32a,
    object_uid,
    random_suffix,
    safe_encode,
    template_hash,
)
from .podplan import PodPlan, object_error, sorted_pairs

__all__ = [
    "CRONJOB_SCHEDULED_MINUTES", "DAEMONSET_TOLERATIONS", "DEFAULT_SERVICE_ACCOUNT",
    "GENERATED_SUFFIX_LENGTH", "MAX_CONTAINERS", "MAX_GENERATED_BASE", "MAX_PODS", "RESOURCES",
    "SAFE_ALPHABET", "SIMULATED_EPOCH", "AdmissionError", "Expansion", "PodPlan",
    "admit_always_pull_images", "admit_service_account", "already_exists", "cronjob_job_name",
    "daemon_pod_spec", "expand_workloads", "fnv32a", "object_uid", "random_suffix", "safe_encode",
    "template_hash",
]

# The simulated "now" a CronJob's one run is scheduled at: 2026-01-01T00:00:00Z. The Job is
# named after it in minutes since the Unix epoch, as the CronJob controller does.
SIMULATED_EPOCH = 1_767_225_600
CRONJOB_SCHEDULED_MINUTES = SIMULATED_EPOCH // 60
# A sandbox evaluation simulates at most this many pods (hostile `replicas: 100000000`).
MAX_PODS = 500
# ... and at most this many containers (init and regular) over all those pods: a 256 KiB paste
# can hold a template of thousands of containers, times 500 replicas, each pull simulated.
MAX_CONTAINERS = 1000


# API resource names as kubectl prints them in AlreadyExists errors.
RESOURCES = {
    "Pod": "pods",
    "Deployment": "deployments.apps",
    "ReplicaSet": "replicasets.apps",
    "StatefulSet": "statefulsets.apps",
    "DaemonSet": "daemonsets.apps",
    "Job": "jobs.batch",
    "CronJob": "cronjobs.batch",
    "Namespace": "namespaces",
    "ServiceAccount": "serviceaccounts",
    "Secret": "secrets",
}

# The tolerations the DaemonSet controller adds to every daemon pod
# (`AddOrUpdateDaemonPodTolerations`); network-unavailable is added only for hostNetwork
# pods, which we do not model.
DAEMONSET_TOLERATIONS = (
    Toleration("node.kubernetes.io/not-ready", "Exists", None, "NoExecute"),
    Toleration("node.kubernetes.io/unreachable", "Exists", None, "NoExecute"),
    Toleration("node.kubernetes.io/disk-pressure", "Exists", None, "NoSchedule"),
    Toleration("node.kubernetes.io/memory-pressure", "Exists", None, "NoSchedule"),
    Toleration("node.kubernetes.io/pid-pressure", "Exists", None, "NoSchedule"),
    Toleration("node.kubernetes.io/unschedulable", "Exists", None, "NoSchedule"),
)



class Expansion(NamedTuple):
    """The pods to create, in creation order, and what the API server would have refused
    (`pods, warnings = expand_workloads(...)` unpacks it)."""

    pods: list[PodPlan]
    warnings: list[str]


# ---------------------------------------------------------------------------------------------
# Reading the pasted body defensively


def _dig(body: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(body, dict):
            return None
        body = body.get(key)
    return body


def _template_strings(body: Any, field: str, *template_path: str) -> dict[str, str]:
    """A template's (or, with no path, an object's) `metadata.labels` or `.annotations`."""
    values = _dig(body, *template_path, "metadata", field)
    if not isinstance(values, dict):
        return {}
    return {str(k): str(v) for k, v in values.items() if isinstance(v, str | int | float | bool)}


def _template_labels(body: Any, *template_path: str) -> dict[str, str]:
    return _template_strings(body, "labels", *template_path)


def _template_annotations(body: Any, *template_path: str) -> dict[str, str]:
    """What the controller copies onto each pod it makes (`GetPodFromTemplate`)."""
    return _template_strings(body, "annotations", *template_path)


def _count(value: Any, obj: KubeObject, what: str, default: int = 1) -> int:
    """A replica-like count: absent means `default`; negative or not a number is bad input."""
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if value > MAX_PODS:
            raise _too_many(obj)
        return value
    raise object_error(obj, f"{obj.ref}: {what} must be a whole number of at least 0, "
                            f"got {value!r}")


def _too_many(obj: KubeObject) -> ManifestError:
    return object_error(obj, f"{obj.ref} would bring the pod count above {MAX_PODS}, "
                             f"the most one sandbox evaluation simulates")




def _too_many_containers(obj: KubeObject) -> ManifestError:
    return object_error(obj, f"{obj.ref} would bring the container count above "
                             f"{MAX_CONTAINERS}, the most one sandbox evaluation simulates")


_REPLICATED = frozenset(("Deployment", "ReplicaSet", "StatefulSet"))


def _check_room(obj: KubeObject, pods: int, containers: int) -> None:
    """Refuse a replicated workload past the limits before its pods are planned (a template
    hash, one plan per replica): the same checks, in the same order, as after planning."""
    if obj.kind not in _REPLICATED or obj.pod_spec is None:
        return
    count = _count(obj.replicas, obj, "replicas")
    if pods + count > MAX_PODS:
        raise _too_many(obj)
    if containers + count * len(obj.pod_spec.all_containers) > MAX_CONTAINERS:
        raise _too_many_containers(obj)


def _require_spec(obj: KubeObject) -> PodSpec:
    if obj.pod_spec is None:
        raise object_error(obj, f"{obj.ref} has no pod template (spec.template.spec)")
    return obj.pod_spec


# ---------------------------------------------------------------------------------------------
# Controllers


@dataclass(frozen=True)
class _Planned:
    """A pod a controller asks for, before the API server names it."""

    spec: PodSpec
    owner: str | None
    labels: dict[str, str] = field(default_factory=dict)
    name: str | None = None  # fixed name (Pod, StatefulSet ordinal)
    annotations: dict[str, str] = field(default_factory=dict)
    generate_name: str | None = None
    daemonset_node: str | None = None


def _from_pod(obj: KubeObject, nodes: Sequence[Node]) -> list[_Planned]:
    return [_Planned(_require_spec(obj), None, dict(obj.labels), name=obj.name,
                     annotations=_template_annotations(obj.body))]


def _generate_name(base: str) -> str:
    """The generateName a controller asks for. The API server cuts it to 58 characters only
    when it adds the suffix, so admission errors show it whole."""
    return base + "-"


def _from_deployment(obj: KubeObject, nodes: Sequence[Node]) -> list[_Planned]:
    spec = _require_spec(obj)
    count = _count(obj.replicas, obj, "replicas")
    pod_hash = template_hash(_dig(obj.body, "spec", "template") or repr(spec))
    rs_name = f"{obj.name}-{pod_hash}"
    labels = _template_labels(obj.body, "spec", "template") | {"pod-template-hash": pod_hash}
    notes = _template_annotations(obj.body, "spec", "template")
    return [_Planned(spec, f"ReplicaSet/{rs_name}", labels, annotations=notes,
                     generate_name=_generate_name(rs_name)) for _ in range(count)]


def _from_replicaset(obj: KubeObject, nodes: Sequence[Node]) -> list[_Planned]:
    spec = _require_spec(obj)
    count = _count(obj.replicas, obj, "replicas")
    labels = _template_labels(obj.body, "spec", "template")
    notes = _template_annotations(obj.body, "spec", "template")
    return [_Planned(spec, obj.ref, labels, annotations=notes,
                     generate_name=_generate_name(obj.name)) for _ in range(count)]


def _from_statefulset(obj: KubeObject, nodes: Sequence[Node]) -> list[_Planned]:
    spec = _require_spec(obj)
    count = _count(obj.replicas, obj, "replicas")
    revision = f"{obj.name}-{template_hash(_dig(obj.body, 'spec', 'template') or repr(spec))}"
    base = _template_labels(obj.body, "spec", "template")
    planned = []
    for ordinal in range(count):
        name = f"{obj.name}-{ordinal}"
        labels = base | {
            "apps.kubernetes.io/pod-index": str(ordinal),
            "controller-revision-hash": revision,
            "statefulset.kubernetes.io/pod-name": name,
        }
        planned.append(_Planned(spec, obj.ref, labels, name=name,
                                annotations=_template_annotations(obj.body, "spec", "template")))
    return planned


def daemon_pod_spec(spec: PodSpec) -> PodSpec:
    """The template with the tolerations the DaemonSet controller adds (no duplicates)."""
    extra = tuple(t for t in DAEMONSET_TOLERATIONS if t not in spec.tolerations)
    return replace(spec, tolerations=spec.tolerations + extra)


def _from_daemonset(obj: KubeObject, nodes: Sequence[Node]) -> list[_Planned]:
    spec = daemon_pod_spec(_require_spec(obj))
    pod_hash = template_hash(_dig(obj.body, "spec", "template") or repr(spec))
    labels = _template_labels(obj.body, "spec", "template") | {
        "controller-revision-hash": pod_hash,
        "pod-template-generation": "1",
    }
    # The controller runs a daemon pod only where it would fit: nodeName, node
    # selector/affinity and NoSchedule/NoExecute taints (`NodeShouldRunDaemonPod`).
    return [
        _Planned(spec, obj.ref, labels, generate_name=_generate_name(obj.name),
                 daemonset_node=node.name,
                 annotations=_template_annotations(obj.body, "spec", "template"))
        for node in nodes if filter_reason(spec, node) is None
    ]


def _job_pods(job_name: str, job_namespace: str, spec: PodSpec, job_spec: Any,
              parallelism: int, labels: dict[str, str]) -> list[_Planned]:
    notes = _template_annotations(job_spec, "template")
    if _dig(job_spec, "suspend") is True:
        return []
    completions = _dig(job_spec, "completions")
    count = parallelism
    if isinstance(completions, int) and not isinstance(completions, bool) and completions >= 0:
        count = min(count, completions)
    controller_uid = object_uid(job_namespace, job_name, "Job")
    labels = labels | {
        "batch.kubernetes.io/controller-uid": controller_uid,
        "batch.kubernetes.io/job-name": job_name,
        "controller-uid": controller_uid,
        "job-name": job_name,
    }
    return [_Planned(spec, f"Job/{job_name}", labels, annotations=notes,
                     generate_name=_generate_name(job_name)) for _ in range(count)]


def _from_job(obj: KubeObject, nodes: Sequence[Node]) -> list[_Planned]:
    spec = _require_spec(obj)
    parallelism = _count(obj.replicas, obj, "parallelism")
    labels = _template_labels(obj.body, "spec", "template")
    return _job_pods(obj.name, obj.effective_namespace, spec, _dig(obj.body, "spec"),
                     parallelism, labels)


def cronjob_job_name(cronjob: str) -> str:
    """The Job a CronJob's one simulated run creates (see CRONJOB_SCHEDULED_MINUTES)."""
    return f"{cronjob}-{CRONJOB_SCHEDULED_MINUTES}"


def _from_cronjob(obj: KubeObject, nodes: Sequence[Node]) -> list[_Planned]:
    spec = _require_spec(obj)
    if _dig(obj.body, "spec", "suspend") is True:
        return []
    job_spec = _dig(obj.body, "spec", "jobTemplate", "spec")
    parallelism = _count(obj.replicas, obj, "parallelism")
    labels = _template_labels(job_spec, "template")
    return _job_pods(cronjob_job_name(obj.name), obj.effective_namespace, spec, job_spec,
                     parallelism, labels)


_CONTROLLERS: dict[str, Callable[[KubeObject, Sequence[Node]], list[_Planned]]] = {
    "Pod": _from_pod,
    "Deployment": _from_deployment,
    "ReplicaSet": _from_replicaset,
    "StatefulSet": _from_statefulset,
    "DaemonSet": _from_daemonset,
    "Job": _from_job,
    "CronJob": _from_cronjob,
}


def already_exists(kind: str, name: str) -> str:
    """The API server's answer to creating an object whose name is taken."""
    resource = RESOURCES.get(kind, kind.lower() + "s")
    return f'Error from server (AlreadyExists): {resource} "{name}" already exists'


class _Namer:
    """Hands out pod names like the API server: fixed names as asked, generateName with a
    suffix that is retried on collision; a taken fixed name is reported, and the pod kept."""

    def __init__(self) -> None:
        self.taken: Counter[tuple[str, str]] = Counter()
        self.sequence: Counter[tuple[str, str]] = Counter()
        self.warnings: list[str] = []

    def name(self, namespace: str, planned: _Planned) -> tuple[str, int]:
        if planned.name is not None:
            occurrence = self.taken[(namespace, planned.name)]
            if occurrence:
                self.warnings.append(already_exists("Pod", planned.name))
            self.taken[(namespace, planned.name)] += 1
            return planned.name, occurrence
        prefix = (planned.generate_name or "")[:MAX_GENERATED_BASE]
        while True:
            index = self.sequence[(namespace, prefix)]
            self.sequence[(namespace, prefix)] += 1
            candidate = prefix + random_suffix(f"{namespace}/{prefix}#{index}")
            if not self.taken[(namespace, candidate)]:
                self.taken[(namespace, candidate)] += 1
                return candidate, 0


def _object_key(obj: KubeObject) -> tuple[str, str, str]:
    namespace = "" if obj.kind == "Namespace" else obj.effective_namespace
    return (obj.kind, namespace, obj.name)


def expand_workloads(objects: Iterable[KubeObject], nodes: Sequence[Node]) -> Expansion:
    """Every pod the pasted objects make, in document order, with deterministic names.

    A repeated Pod is kept (the simulator shows what happens to it) but reported; a repeated
    workload or other object is reported and its duplicate makes nothing, as the API server
    refuses the second create. Namespaces, ServiceAccounts and Secrets make no pods. Raises
    ManifestError for a workload without a pod template, a bad count, or more than MAX_PODS
    pods or MAX_CONTAINERS containers.
    """
    namer = _Namer()
    seen: set[tuple[str, str, str]] = set()
    plans: list[PodPlan] = []
    containers = 0
    for obj in objects:
        key = _object_key(obj)
        if key in seen and obj.kind != "Pod":
            namer.warnings.append(already_exists(obj.kind, obj.name))
            continue
        seen.add(key)
        controller = _CONTROLLERS.get(obj.kind)
        if controller is None:
            continue
        _check_room(obj, len(plans), containers)
        planned = controller(obj, nodes)
        if len(plans) + len(planned) > MAX_PODS:
            raise _too_many(obj)
        containers += sum(len(item.spec.all_containers) for item in planned)
        if containers > MAX_CONTAINERS:
            raise _too_many_containers(obj)
        namespace = obj.effective_namespace
        for item in planned:
            name, occurrence = namer.name(namespace, item)
            plans.append(PodPlan(
                namespace=namespace,
                name=name,
                uid=object_uid(namespace, name, occurrence=occurrence),
                owner=item.owner,
                spec=item.spec,
                labels=sorted_pairs(item.labels),
                annotations=sorted_pairs(item.annotations),
                daemonset_node=item.daemonset_node,
                generate_name=item.generate_name,
                workload=None if obj.kind == "Pod" else obj.ref,
                position=obj.position,
            ))
    return Expansion(plans, namer.warnings)

