"""kube-scheduler's scores for the nodes that pass the filters, for the plugins Lunchbox models.

ImageLocality (weight 1, exactly as KUBERNETES.md §13), PodTopologySpread's system-default
spreading (weight 2) and TaintToleration's PreferNoSchedule score (weight 3), each normalized to
0–100 per node as upstream does; `scheduler.py` adds them up with these weights.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..objects import PodSpec
from ..world import Node
from .filters import node_affinity_matches, tolerates

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
