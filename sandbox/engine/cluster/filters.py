"""kube-scheduler's filters: which nodes a pod may land on, and the message when none fits.

Modelled on the default profile's filter plugins NodeName, TaintToleration and NodeAffinity, run
per node in that order: the first one that fails names the node's reason, and FailedScheduling
counts the reasons over all nodes as FitError prints them. The DaemonSet controller asks the
same question of each node (`NodeShouldRunDaemonPod`), so `filter_reason` serves it too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ..objects import NodeSelectorRequirement, PodSpec, Toleration
from ..world import Node, Taint

# Filter reasons, as FitError prints them (RUNTIME.md §11).
REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
# Since kubernetes#134740 (late 2025, cherry-picked to 1.34) the status no longer names the
# taint; older releases printed `node(s) had untolerated taint {<key>: <value>}`.
REASON_TAINT = "node(s) had untolerated taint(s)"
# A DaemonSet pod is pinned by a metadata.name field affinity; NodeAffinity's PreFilter keeps
# only that node, and every other node gets this status.
REASON_PINNED_ELSEWHERE = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
NO_NODES_MESSAGE = "no nodes available to schedule pods"

NO_EXECUTE_OR_SCHEDULE = ("NoSchedule", "NoExecute")


def tolerates(toleration: Toleration, taint: Taint) -> bool:
    """Whether one toleration tolerates one taint (k8s.io/api core/v1 `ToleratesTaint`)."""
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    if toleration.operator == "Exists":
        return True
    if toleration.operator == "Equal":
        return (toleration.value or "") == (taint.value or "")
    return False


def untolerated_taint(
    taints: Iterable[Taint], tolerations: Sequence[Toleration],
    effects: tuple[str, ...] = NO_EXECUTE_OR_SCHEDULE,
) -> Taint | None:
    """The first taint (in node order) with one of `effects` that no toleration tolerates."""
    for taint in taints:
        if taint.effect not in effects:
            continue
        if not any(tolerates(toleration, taint) for toleration in tolerations):
            return taint
    return None


_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


def _as_int(text: str) -> int | None:
    """Go's ParseInt for the values we accept: optional sign and decimal digits only."""
    return int(text) if _INTEGER.fullmatch(text) else None


def requirement_matches(requirement: NodeSelectorRequirement, labels: Mapping[str, str]) -> bool:
    """One node selector requirement against node labels. An invalid one matches nothing."""
    key, operator, values = requirement.key, requirement.operator, requirement.values
    present = key in labels
    if operator in ("In", "NotIn"):
        if not values:
            return False
        if operator == "In":
            return present and labels[key] in values
        return not present or labels[key] not in values
    if operator in ("Exists", "DoesNotExist"):
        if values:
            return False
        return present if operator == "Exists" else not present
    if operator in ("Gt", "Lt") and len(values) == 1:
        wanted = _as_int(values[0])
        have = _as_int(labels[key]) if present else None
        if wanted is None or have is None:
            return False
        return have > wanted if operator == "Gt" else have < wanted
    return False


def node_affinity_matches(spec: PodSpec, node: Node) -> bool:
    """nodeSelector (every label equal) AND required node affinity (terms ORed, requirements
    ANDed; a term without requirements matches nothing)."""
    labels = node.all_labels()
    for key, value in spec.node_selector:
        if labels.get(key) != value:
            return False
    if not spec.required_node_affinity:
        return True
    return any(
        term and all(requirement_matches(req, labels) for req in term)
        for term in spec.required_node_affinity
    )


def filter_reason(spec: PodSpec, node: Node) -> str | None:
    """Why the scheduler filters `node` out for a pod with `spec`, or None when it fits.

    Plugins run in the default profile's order and the first failure is the node's reason, so
    a tainted node that also lacks a label reports the taint.
    """
    if spec.node_name and spec.node_name != node.name:
        return "node(s) didn't match the requested node name"
    if untolerated_taint(node.taints, spec.tolerations) is not None:
        return REASON_TAINT
    if not node_affinity_matches(spec, node):
        return REASON_NODE_AFFINITY
    return None


def failed_scheduling_message(reasons: Sequence[str]) -> str:
    """The FailedScheduling event text for one reason per node (RUNTIME.md §11)."""
    total = len(reasons)
    if total == 0:
        return NO_NODES_MESSAGE
    histogram = sorted(f"{count} {reason}" for reason, count in Counter(reasons).items())
    return (
        f"0/{total} nodes are available: {', '.join(histogram)}. "
        f"preemption: 0/{total} nodes are available: "
        f"{total} Preemption is not helpful for scheduling."
    )
