"""Typed Kubernetes objects, as `load_manifests` returns them.

Only what the simulator reads is typed; the whole document stays available as `body` (plain
dicts and lists) for the few kinds whose content is data (Secret, ServiceAccount).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .problems import Position, Problem

PULL_POLICIES = ("Always", "IfNotPresent", "Never")


@dataclass(frozen=True)
class ContainerPort:
    """One `ports:` entry, with the API server's defaults (hostPort 0, protocol TCP)."""

    container_port: int
    host_port: int = 0
    protocol: str = "TCP"
    name: str = ""


@dataclass(frozen=True)
class Container:
    """One container (regular or init) of a pod template."""

    name: str
    image: str
    # The value as written; None when the field is absent (the API server then defaults it).
    image_pull_policy: str | None = None
    init: bool = False
    position: Position | None = None  # of the container's `image` value
    ports: tuple[ContainerPort, ...] = ()  # only `kubectl describe` shows them
    # `command:` and `args:` as written: `kubectl describe` shows them; what runs in a
    # container is not simulated.
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()

    @property
    def field_path(self) -> str:
        """The event's involvedObject.fieldPath, e.g. `spec.containers{web}`."""
        kind = "initContainers" if self.init else "containers"
        return f"spec.{kind}{{{self.name}}}"


@dataclass(frozen=True)
class Toleration:
    key: str | None = None
    operator: Literal["Equal", "Exists"] = "Equal"
    value: str | None = None
    effect: str | None = None  # None tolerates every effect


@dataclass(frozen=True)
class NodeSelectorRequirement:
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class PodSpec:
    """The parts of a pod spec (or a workload's pod template) the simulator reads."""

    containers: tuple[Container, ...]
    init_containers: tuple[Container, ...] = ()
    # Secret names in order, as written (entries with empty names already skipped).
    image_pull_secrets: tuple[str, ...] = ()
    # True when the field is present at all, even empty: the ServiceAccount admission copies the
    # account's secrets only when the pod lists none.
    image_pull_secrets_written: bool = False
    # How many entries the list has as written, empty names included: the admission plugin
    # copies the account's secrets only when the list is empty (`[{name: ""}]` is not empty).
    image_pull_secret_entries: int = 0
    service_account_name: str | None = None
    node_name: str | None = None
    node_selector: tuple[tuple[str, str], ...] = ()
    # requiredDuringSchedulingIgnoredDuringExecution: the terms are ORed, requirements ANDed.
    required_node_affinity: tuple[tuple[NodeSelectorRequirement, ...], ...] = ()
    tolerations: tuple[Toleration, ...] = ()

    @property
    def all_containers(self) -> tuple[Container, ...]:
        """Init containers first, in order, then regular ones: the kubelet's start order."""
        return self.init_containers + self.containers


WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob")
OBJECT_KINDS = ("Pod",) + WORKLOAD_KINDS + ("Namespace", "ServiceAccount", "Secret")


@dataclass(frozen=True)
class KubeObject:
    """One document of a paste (or of a scenario's `objects`)."""

    api_version: str
    kind: str
    name: str
    namespace: str | None = None  # None when not written: "default" for namespaced kinds
    labels: tuple[tuple[str, str], ...] = ()
    position: Position | None = None  # of the document's first key
    document: int = 0  # 0-based index of the document in the paste
    pod_spec: PodSpec | None = None  # Pod, or the pod template of a workload
    replicas: int | None = None  # Deployment/ReplicaSet/StatefulSet replicas, Job parallelism
    body: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def effective_namespace(self) -> str:
        return self.namespace or "default"

    @property
    def ref(self) -> str:
        """`Kind/name` the way kubectl names objects."""
        return f"{self.kind}/{self.name}"


class Manifests(list[KubeObject]):
    """The objects of a paste, in document order, plus non-fatal warnings."""

    def __init__(self, objects: list[KubeObject] | None = None,
                 warnings: list[Problem] | None = None) -> None:
        super().__init__(objects or [])
        self.warnings: list[Problem] = list(warnings or [])
