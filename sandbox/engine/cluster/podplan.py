"""A pod the cluster is about to create (`PodPlan`), as workloads, admission and scheduling see it.

`workloads` expands pasted objects into plans, `admission` changes or refuses them and the
scheduler places them. `object_error` is the `ManifestError` for bad input found in a pasted
object after parsing, at that object's position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..objects import KubeObject, PodSpec
from ..problems import ManifestError, Position, Problem


def sorted_pairs(values: Mapping[Any, Any]) -> tuple[tuple[str, str], ...]:
    """Labels or annotations as a PodPlan keeps them: (key, value) texts, sorted by key."""
    return tuple(sorted((str(k), str(v)) for k, v in values.items()))


@dataclass(frozen=True)
class PodPlan:
    """One pod the cluster will create, before admission and scheduling."""

    namespace: str
    name: str
    uid: str
    owner: str | None  # Kind/name of the controller object, e.g. ReplicaSet/web-7d9c5b8f6d
    spec: PodSpec
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()  # the pod's, as `kubectl describe` shows them
    created: float = 0.0  # simulated seconds
    daemonset_node: str | None = None  # a DaemonSet pod is pinned to this node
    # The generateName prefix (`web-7d9c5b8f6d-`) for controller-made pods: the API server
    # names the pod in admission errors by it, since the suffix is added after admission.
    generate_name: str | None = None
    workload: str | None = None  # Kind/name of the pasted object that led to this pod
    position: Position | None = None  # of that object in the paste

    @property
    def key(self) -> str:
        """`namespace/name`, as events and traces name pods."""
        return f"{self.namespace}/{self.name}"



def object_error(obj: KubeObject, message: str, path: str | None = None) -> ManifestError:
    """A ManifestError with one problem, at the pasted object's position when it has one."""
    where = obj.position
    return ManifestError([Problem(
        message,
        line=where.line if where else None,
        column=where.column if where else None,
        path=path,
    )])
