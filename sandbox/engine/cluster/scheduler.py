"""Where each pod lands: kube-scheduler's filters and scores, for the plugins Lunchbox models.

Modelled on the default scheduler profile (`pkg/scheduler/apis/config/v1/default_plugins.go`):
filters run per node in the profile's order, NodeName, TaintToleration, NodeAffinity, and the
first one that fails names the node's reason; scores are ImageLocality (weight 1, exactly as
KUBERNETES.md §13), PodTopologySpread's system-default spreading (weight 2) and
TaintToleration's PreferNoSchedule score (weight 3). Resources, ports, volumes and pod affinity
are not modelled: every node has room. The filters live in `filters.py` and the scores in
`scoring.py`; this module runs them per pod and keeps the placements.

The real scheduler picks at random among the nodes sharing the best total score; we pick the
first of them in scenario order so an evaluation is deterministic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..trace import NodeScore
from ..world import Node
from .filters import (
    NO_NODES_MESSAGE,
    REASON_PINNED_ELSEWHERE,
    failed_scheduling_message,
    filter_reason,
)
from .scoring import (
    IMAGE_LOCALITY_WEIGHT,
    SPREAD_WEIGHT,
    TAINT_WEIGHT,
    ImageState,
    image_locality_from_states,
    image_states,
    prefer_no_schedule_scores,
    spread_scores,
)

if TYPE_CHECKING:
    from .podplan import PodPlan


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
