"""Where each pod lands: kube-scheduler's filters and scores, for the plugins Lunchbox models.

Modelled on the default scheduler profile (`pkg/scheduler/apis/config/v1/default_plugins.go`):
filters run per node in the profile's order, NodeName, TaintToleration, NodeAffinity, and the
first one that fails names the node's reason; scores are ImageLocality (weight 1, exactly as
KUBERNETES.md §13), PodTopologySpread's system-default spreading (weight 2) and
TaintToleration's PreferNoSchedule score (weight 3). Resources, ports, volumes and pod affinity
are not modelled: every node has room.

The real scheduler picks at random among the nodes sharing the best total score; we pick the
first of them in scenario order so an evaluation is deterministic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..objects import NodeSelectorRequirement, PodSpec, Toleration
from ..trace import NodeScore
from ..world import Node, Taint

if TYPE_CHECKING:
    from .podplan import PodPlan

# Filter reasons, as FitError prints them (RUNTIME.md §11).
REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
# Since kubernetes#134740 (late 2025, cherry-picked to 1.34) the status no longer names the
# taint; older releases printed `node(s) had untolerated taint {<key>: <value>}`.
REASON_TAINT = "node(s) had untolerated taint(s)"
# A DaemonSet pod is pinned by a metadata.name field affinity; NodeAffinity's PreFilter keeps
# only that node, and every other node gets this status.
REASON_PINNED_ELSEWHERE = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
NO_NODES_MESSAGE = "no nodes available to schedule pods"

# ImageLocality (pkg/scheduler/framework/plugins/imagelocality/image_locality.go).
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB
MAX_NODE_SCORE = 100
# The kubelet reports at most this many images in node status, biggest first
# (`--node-status-max-images`, default 50).
NODE_STATUS_MAX_IMAGES = 50

# Score weights of the default profile.
IMAGE_LOCALITY_WEIGHT = 1
SPREAD_WEIGHT = 2
TAINT_WEIGHT = 3

# System-default spreading (PodTopologySpread with no constraints written): ScheduleAnyway on
# hostname with maxSkew 3 and on zone with maxSkew 5.
HOSTNAME_KEY = "kubernetes.io/hostname"
ZONE_KEY = "topology.kubernetes.io/zone"
DEFAULT_SPREAD = ((HOSTNAME_KEY, 3), (ZONE_KEY, 5))
# Only pods a Service, ReplicationController, ReplicaSet or StatefulSet selects get a default
# selector; we stand in for the selector with the owning ReplicaSet/StatefulSet.
SPREAD_OWNER_KINDS = ("ReplicaSet", "StatefulSet")

NO_EXECUTE_OR_SCHEDULE = ("NoSchedule", "NoExecute")


# ---------------------------------------------------------------------------------------------
# Filters


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


# ---------------------------------------------------------------------------------------------
# ImageLocality


def normalized_image_name(image: str) -> str:
    """The spec image as the scheduler looks it up: `:latest` added when the part after the
    last `/` has no `:`, and nothing else (no `docker.io/library/`)."""
    if image.rfind(":") <= image.rfind("/"):
        return image + ":latest"
    return image


@dataclass(frozen=True)
class ImageState:
    """The scheduler cache's summary of one image name: its size and how many nodes hold it."""

    size: int
    num_nodes: int


def reported_images(node: Node) -> list[tuple[str, int]]:
    """(name, size) the kubelet reports in node status: biggest first, at most 50 images.

    Names are the runtime's references as stored (containerd reports normalized ones such as
    `docker.io/library/nginx:1.25`).
    """
    ordered = sorted(node.images, key=lambda held: -held.image.size)  # stable for equal sizes
    return [(held.ref, held.image.size) for held in ordered[:NODE_STATUS_MAX_IMAGES]]


def image_states(nodes: Sequence[Node]) -> dict[str, dict[str, ImageState]]:
    """Per node, its image names with cluster-wide state, as the scheduler cache builds them.

    The cache keys images by the names nodes report, verbatim (`addNodeImageStates`, read in
    `pkg/scheduler/backend/cache/cache.go`): no normalization. The size is the one reported by
    the first node that holds the name.
    """
    sizes: dict[str, int] = {}
    holders: dict[str, set[str]] = {}
    for node in nodes:
        for name, size in reported_images(node):
            sizes.setdefault(name, size)
            holders.setdefault(name, set()).add(node.name)
    result: dict[str, dict[str, ImageState]] = {}
    for node in nodes:
        result[node.name] = {
            name: ImageState(sizes[name], len(holders[name])) for name, _ in reported_images(node)
        }
    return result


def image_locality_from_states(
    spec: PodSpec, states: Mapping[str, ImageState], total_nodes: int
) -> int:
    """ImageLocality's 0–100 score for one node, given that node's image states."""
    containers = spec.init_containers + spec.containers
    if not containers or total_nodes <= 0:
        return 0
    total = 0
    for container in containers:
        state = states.get(normalized_image_name(container.image))
        if state is not None:
            total += int(state.size * (state.num_nodes / total_nodes))
    maximum = MAX_CONTAINER_THRESHOLD * len(containers)
    total = min(max(total, MIN_THRESHOLD), maximum)
    return MAX_NODE_SCORE * (total - MIN_THRESHOLD) // (maximum - MIN_THRESHOLD)


def image_locality(spec: PodSpec, node: Node, nodes: Sequence[Node]) -> int:
    """ImageLocality's score of `node` (one of `nodes`, the whole cluster) for a pod."""
    states = image_states(nodes)
    return image_locality_from_states(spec, states.get(node.name, {}), len(nodes))


# ---------------------------------------------------------------------------------------------
# Spreading and PreferNoSchedule


def _spread_raw(owner: str, node: Node, feasible: Sequence[Node], counted: Sequence[Node],
                placed: Mapping[str, Counter[str]]) -> int:
    """PodTopologySpread's raw score for `node`: weighted matching-pod counts per topology.

    `counted` are the nodes whose pods count for a zone (those matching the pod's node
    affinity; taints are ignored, the default nodeTaintsPolicy).
    """
    labels = node.all_labels()
    total = 0.0
    for key, max_skew in DEFAULT_SPREAD:
        if key not in labels:
            continue
        if key == HOSTNAME_KEY:
            size = len(feasible)
            count = placed.get(node.name, Counter())[owner]
        else:
            size = len({n.all_labels()[key] for n in feasible if key in n.all_labels()})
            count = sum(
                placed.get(n.name, Counter())[owner] for n in counted
                if n.all_labels().get(key) == labels[key]
            )
        total += count * math.log(size + 2) + (max_skew - 1)
    return int(math.floor(total + 0.5))  # Go's math.Round, for positive numbers


def spread_scores(owner: str | None, spec: PodSpec, feasible: Sequence[Node],
                  nodes: Sequence[Node], placed: Mapping[str, Counter[str]]) -> list[int]:
    """Normalized spreading score per feasible node: fewer pods of the owner score higher.

    Pods without a ReplicaSet/StatefulSet owner get no default constraint: the plugin skips
    them and every node scores 0.
    """
    if owner is None or owner.split("/", 1)[0] not in SPREAD_OWNER_KINDS:
        return [0] * len(feasible)
    counted = [node for node in nodes if node_affinity_matches(spec, node)]
    raw = [_spread_raw(owner, node, feasible, counted, placed) for node in feasible]
    highest, lowest = max(raw, default=0), min(raw, default=0)
    if highest == 0:
        return [MAX_NODE_SCORE] * len(feasible)
    return [MAX_NODE_SCORE * (highest + lowest - score) // highest for score in raw]


def prefer_no_schedule_scores(spec: PodSpec, feasible: Sequence[Node]) -> list[int]:
    """TaintToleration's score: fewer untolerated PreferNoSchedule taints score higher."""
    tolerations = [t for t in spec.tolerations if t.effect in (None, "", "PreferNoSchedule")]
    counts = [
        sum(
            1 for taint in node.taints
            if taint.effect == "PreferNoSchedule"
            and not any(tolerates(t, taint) for t in tolerations)
        )
        for node in feasible
    ]
    highest = max(counts, default=0)
    if highest == 0:
        return [MAX_NODE_SCORE] * len(feasible)
    return [MAX_NODE_SCORE - MAX_NODE_SCORE * count // highest for count in counts]


# ---------------------------------------------------------------------------------------------
# Scheduling


@dataclass(frozen=True)
class Placement:
    """Where one pod landed (node None: unschedulable) and what the scheduler thought."""

    pod: PodPlan
    node: str | None
    scores: tuple[NodeScore, ...] = ()
    # The FailedScheduling event message when node is None.
    message: str | None = None
    # spec.nodeName was set: no scheduler involved, no Scheduled event. The node may be one the
    # scenario does not have; the pod then stays Pending, as no kubelet picks it up.
    bound_directly: bool = False

    @property
    def reason(self) -> str:
        """One sentence on why the pod is where it is (or nowhere)."""
        if self.bound_directly:
            return f"spec.nodeName binds it to {self.node} directly; no scheduler is involved."
        if self.node is None:
            return self.message or ""
        feasible = sum(1 for score in self.scores if score.feasible)
        chosen = next(score for score in self.scores if score.node == self.node)
        return f"Best of {feasible} feasible node(s): {chosen.reason}."

    @property
    def scheduled_message(self) -> str | None:
        """The Scheduled event text, when the scheduler placed the pod."""
        if self.node is None or self.bound_directly:
            return None
        return f"Successfully assigned {self.pod.namespace}/{self.pod.name} to {self.node}"


def _filter_node(plan: PodPlan, node: Node) -> str | None:
    if plan.daemonset_node is not None and plan.daemonset_node != node.name:
        return REASON_PINNED_ELSEWHERE
    return filter_reason(plan.spec, node)


def _score_feasible(
    plan: PodPlan, feasible: Sequence[Node], nodes: Sequence[Node],
    states: Mapping[str, Mapping[str, ImageState]], placed: Mapping[str, Counter[str]],
) -> dict[str, tuple[int, int, int, int]]:
    """(total, image locality, spreading, PreferNoSchedule) per feasible node name."""
    spread = spread_scores(plan.owner, plan.spec, feasible, nodes, placed)
    taint = prefer_no_schedule_scores(plan.spec, feasible)
    result: dict[str, tuple[int, int, int, int]] = {}
    for index, node in enumerate(feasible):
        locality = image_locality_from_states(plan.spec, states.get(node.name, {}), len(nodes))
        total = (IMAGE_LOCALITY_WEIGHT * locality + SPREAD_WEIGHT * spread[index]
                 + TAINT_WEIGHT * taint[index])
        result[node.name] = (total, locality, spread[index], taint[index])
    return result


def schedule_one(
    plan: PodPlan, nodes: Sequence[Node], placed: Mapping[str, Counter[str]] | None = None,
    states: Mapping[str, Mapping[str, ImageState]] | None = None,
) -> Placement:
    """Place one pod, given the pods already placed (node name -> owner counts)."""
    placed = placed if placed is not None else {}
    if plan.spec.node_name:
        return Placement(plan, plan.spec.node_name, bound_directly=True)
    if not nodes:
        return Placement(plan, None, message=NO_NODES_MESSAGE)
    states = states if states is not None else image_states(nodes)
    reasons = {node.name: _filter_node(plan, node) for node in nodes}
    feasible = [node for node in nodes if reasons[node.name] is None]
    scored = _score_feasible(plan, feasible, nodes, states, placed)
    scores: list[NodeScore] = []
    for node in nodes:
        reason = reasons[node.name]
        if reason is not None:
            scores.append(NodeScore(node.name, False, reason))
            continue
        total, locality, spread, taint = scored[node.name]
        scores.append(NodeScore(
            node.name, True,
            f"fits; score {total} = ImageLocality {locality}×{IMAGE_LOCALITY_WEIGHT}"
            f" + spreading {spread}×{SPREAD_WEIGHT} + PreferNoSchedule {taint}×{TAINT_WEIGHT}",
            locality,
        ))
    if not feasible:
        message = failed_scheduling_message([r for r in reasons.values() if r is not None])
        return Placement(plan, None, tuple(scores), message)
    best = max(scored[node.name][0] for node in feasible)
    chosen = next(node for node in feasible if scored[node.name][0] == best)
    return Placement(plan, chosen.name, tuple(scores))


def schedule(pods: Iterable[PodPlan], nodes: Sequence[Node]) -> list[Placement]:
    """Place pods one after another, in order; each placement counts for the next pods'
    spreading. Image locality uses the nodes' images as the scenario starts."""
    node_list = list(nodes)
    states = image_states(node_list)
    placed: dict[str, Counter[str]] = {}
    placements: list[Placement] = []
    for plan in pods:
        placement = schedule_one(plan, node_list, placed, states)
        if placement.node is not None and plan.owner is not None:
            placed.setdefault(placement.node, Counter())[plan.owner] += 1
        placements.append(placement)
    return placements
