"""Scheduler filters and scores: node selector/affinity, taints, ImageLocality, spreading."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import pytest

from sandbox.engine.cluster import (
    REASON_NODE_AFFINITY,
    REASON_PINNED_ELSEWHERE,
    REASON_TAINT,
    PodPlan,
    failed_scheduling_message,
    filter_reason,
    image_locality,
    normalized_image_name,
    schedule,
    spread_scores,
    tolerates,
)
from sandbox.engine.objects import Container, NodeSelectorRequirement, PodSpec, Toleration
from sandbox.engine.world import Image, Layer, Node, NodeImage, Taint

MB = 1024 * 1024


def spec(*images: str, init: tuple[str, ...] = (), **fields: Any) -> PodSpec:
    return PodSpec(
        containers=tuple(Container(f"c{i}", image) for i, image in enumerate(images or ("app",))),
        init_containers=tuple(Container(f"i{i}", image, init=True) for i, image in enumerate(init)),
        **fields,
    )


def node(name: str, images: dict[str, int] | None = None, **fields: Any) -> Node:
    held = tuple(
        NodeImage(ref, Image(ref, (Layer(ref, size),))) for ref, size in (images or {}).items()
    )
    return Node(name, images=held, **fields)


def pod(name: str = "web", owner: str | None = None, **fields: Any) -> PodPlan:
    values: dict[str, Any] = {"namespace": "default", "name": name, "uid": name, "owner": owner,
                              "spec": spec("nginx:1.25")}
    values.update(fields)
    return PodPlan(**values)


def req(key: str, operator: Any, *values: str) -> NodeSelectorRequirement:
    return NodeSelectorRequirement(key, operator, values)


# --- ImageLocality: upstream's TestImageLocalityPriority table, in our words -----------------

# Node image lists of the upstream table, name -> size.
NODE_40_300_2000 = {"gcr.io/40:latest": 40 * MB, "gcr.io/40:v1": 40 * MB,
                    "gcr.io/300:latest": 300 * MB, "gcr.io/300:v1": 300 * MB,
                    "gcr.io/2000:latest": 2000 * MB}
NODE_250_10 = {"gcr.io/250:latest": 250 * MB, "gcr.io/10:latest": 10 * MB,
               "gcr.io/10:v1": 10 * MB}
NODE_600_40_900 = {"gcr.io/600:latest": 600 * MB, "gcr.io/40:latest": 40 * MB,
                   "gcr.io/900:latest": 900 * MB}
NODE_300_600_900 = {"gcr.io/300:latest": 300 * MB, "gcr.io/600:latest": 600 * MB,
                    "gcr.io/900:latest": 900 * MB}
NODE_4000_30 = {"gcr.io/4000:latest": 4000 * MB, "gcr.io/30:latest": 30 * MB}
NODE_20_30_40 = {"gcr.io/20:latest": 20 * MB, "gcr.io/30:latest": 30 * MB,
                 "gcr.io/40:latest": 40 * MB}


@pytest.mark.parametrize(("pod_spec", "node_images", "expected"), [
    pytest.param(spec("gcr.io/40", "gcr.io/250"), [NODE_40_300_2000, NODE_250_10], [0, 5],
                 id="two images spread on two nodes, the larger one wins"),
    pytest.param(spec("gcr.io/40", "gcr.io/300"), [NODE_40_300_2000, NODE_250_10], [7, 0],
                 id="both images on one node"),
    pytest.param(spec("gcr.io/10", "gcr.io/4000"), [NODE_4000_30, NODE_250_10], [100, 0],
                 id="above the maximum, clamp to the maximum"),
    pytest.param(spec("gcr.io/10", "gcr.io/4000"), [NODE_4000_30, NODE_250_10, {}], [66, 0, 0],
                 id="clamped, with a node that has no images"),
    pytest.param(spec("gcr.io/300", "gcr.io/600", "gcr.io/900"),
                 [NODE_600_40_900, NODE_300_600_900, {}], [32, 36, 0],
                 id="several large images"),
    pytest.param(spec("gcr.io/30", "gcr.io/40"), [NODE_20_30_40, NODE_4000_30], [1, 0],
                 id="several small images"),
    pytest.param(spec("gcr.io/30", init=("gcr.io/300",)), [NODE_40_300_2000, NODE_20_30_40],
                 [6, 0], id="init containers count"),
])
def test_image_locality_matches_the_upstream_table(pod_spec, node_images, expected):
    nodes = [node(f"node{i + 1}", images) for i, images in enumerate(node_images)]
    assert [image_locality(pod_spec, n, nodes) for n in nodes] == expected


ROOT_DIGEST = "sha256:" + hashlib.sha256(b"root").hexdigest()


@pytest.mark.parametrize(("image", "expected"), [
    ("root", "root:latest"),
    ("gcr.io:5000/root", "gcr.io:5000/root:latest"),
    ("root:tag", "root:tag"),
    (f"root@{ROOT_DIGEST}", f"root@{ROOT_DIGEST}"),
])
def test_image_locality_adds_latest_only_when_the_last_part_has_no_tag(image, expected):
    assert normalized_image_name(image) == expected


def test_image_locality_looks_images_up_as_written_so_short_names_miss():
    big = {"docker.io/library/nginx:latest": 900 * MB}
    nodes = [node("node-1", big), node("node-2")]
    assert image_locality(spec("nginx"), nodes[0], nodes) == 0
    assert image_locality(spec("docker.io/library/nginx"), nodes[0], nodes) > 0


# --- filters --------------------------------------------------------------------------------


def test_node_selector_needs_every_label_equal_including_well_known_ones():
    n = node("node-1", labels=(("disk", "ssd"),))
    assert filter_reason(spec(node_selector=(("disk", "ssd"),
                                             ("kubernetes.io/hostname", "node-1"))), n) is None
    assert filter_reason(spec(node_selector=(("disk", "hdd"),)), n) == REASON_NODE_AFFINITY
    assert filter_reason(spec(node_selector=(("kubernetes.io/arch", "arm64"),)), n) == (
        REASON_NODE_AFFINITY)


@pytest.mark.parametrize(("requirement", "fits"), [
    (req("zone", "In", "a", "b"), True),
    (req("zone", "In", "b"), False),
    (req("missing", "In", "a"), False),
    (req("zone", "NotIn", "b"), True),
    (req("zone", "NotIn", "a"), False),
    (req("missing", "NotIn", "a"), True),
    (req("zone", "Exists"), True),
    (req("missing", "Exists"), False),
    (req("missing", "DoesNotExist"), True),
    (req("zone", "DoesNotExist"), False),
    (req("cpus", "Gt", "4"), True),
    (req("cpus", "Gt", "8"), False),
    (req("cpus", "Lt", "9"), True),
    (req("cpus", "Lt", "8"), False),
    (req("zone", "Gt", "1"), False),  # label is not a number
    (req("cpus", "Gt", "1_0"), False),  # not an integer for Go either
    (req("cpus", "Gt", "1", "2"), False),  # Gt takes exactly one value
    (req("zone", "In"), False),  # In without values matches nothing
    (req("zone", "Exists", "a"), False),  # Exists with values matches nothing
])
def test_node_affinity_operators(requirement, fits):
    n = node("node-1", labels=(("zone", "a"), ("cpus", "8")))
    reason = filter_reason(spec(required_node_affinity=((requirement,),)), n)
    assert (reason is None) is fits


def test_node_affinity_terms_are_ored_and_requirements_anded():
    n = node("node-1", labels=(("zone", "a"), ("disk", "ssd")))
    both = (req("zone", "In", "a"), req("disk", "In", "hdd"))
    assert filter_reason(spec(required_node_affinity=(both,)), n) == REASON_NODE_AFFINITY
    either = ((req("zone", "In", "b"),), (req("disk", "In", "ssd"),))
    assert filter_reason(spec(required_node_affinity=either), n) is None


def test_an_empty_affinity_term_matches_nothing():
    assert filter_reason(spec(required_node_affinity=((),)), node("node-1")) == (
        REASON_NODE_AFFINITY)


GPU = Taint("dedicated", "gpu", "NoSchedule")


@pytest.mark.parametrize(("toleration", "taint", "expected"), [
    (Toleration("dedicated", "Equal", "gpu", "NoSchedule"), GPU, True),
    (Toleration("dedicated", "Equal", "cpu", "NoSchedule"), GPU, False),
    (Toleration("dedicated", "Equal", "gpu", None), GPU, True),  # empty effect: all effects
    (Toleration("dedicated", "Equal", "gpu", "NoExecute"), GPU, False),
    (Toleration("dedicated", "Exists", None, "NoSchedule"), GPU, True),
    (Toleration("other", "Exists", None, None), GPU, False),
    (Toleration(None, "Exists", None, None), GPU, True),  # tolerates everything
    (Toleration(None, "Exists", None, "NoExecute"), GPU, False),
    (Toleration("flag", "Equal", None, None), Taint("flag", None), True),  # empty values equal
])
def test_toleration_matching(toleration, taint, expected):
    assert tolerates(toleration, taint) is expected


@pytest.mark.parametrize(("effect", "filtered"), [
    ("NoSchedule", True), ("NoExecute", True), ("PreferNoSchedule", False),
])
def test_only_noschedule_and_noexecute_taints_filter(effect, filtered):
    n = node("node-1", taints=(Taint("dedicated", "gpu", effect),))
    assert (filter_reason(spec(), n) == REASON_TAINT) is filtered


def test_taint_is_checked_before_node_affinity():
    n = node("node-1", taints=(GPU,))
    assert filter_reason(spec(node_selector=(("disk", "ssd"),)), n) == REASON_TAINT


def test_prefer_no_schedule_steers_the_pod_away_without_filtering():
    nodes = [node("node-1", taints=(Taint("dedicated", "gpu", "PreferNoSchedule"),)),
             node("node-2")]
    [placement] = schedule([pod()], nodes)
    assert placement.node == "node-2"
    assert all(score.feasible for score in placement.scores)


def test_node_name_binds_directly_even_to_a_tainted_node():
    nodes = [node("node-1"), node("node-2", taints=(GPU,))]
    [placement] = schedule([pod(spec=spec(node_name="node-2"))], nodes)
    assert placement.node == "node-2"
    assert placement.bound_directly
    assert placement.scores == ()
    assert placement.scheduled_message is None


def test_daemonset_pod_only_fits_its_own_node():
    nodes = [node("node-1"), node("node-2")]
    [placement] = schedule([pod(daemonset_node="node-2", owner="DaemonSet/agent")], nodes)
    assert placement.node == "node-2"
    assert placement.scores[0].reason == REASON_PINNED_ELSEWHERE


# --- FailedScheduling -------------------------------------------------------------------------


def test_failed_scheduling_message_counts_and_sorts_reasons():
    nodes = [node("node-1", taints=(GPU,)), node("node-2"), node("node-3")]
    [placement] = schedule([pod(spec=spec(node_selector=(("disk", "ssd"),)))], nodes)
    assert placement.node is None
    assert placement.message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), "
        "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are "
        "available: 3 Preemption is not helpful for scheduling.")
    assert [score.feasible for score in placement.scores] == [False, False, False]
    assert placement.scores[0].reason == REASON_TAINT


def test_reasons_are_sorted_as_whole_strings():
    message = failed_scheduling_message([REASON_TAINT, REASON_TAINT, REASON_NODE_AFFINITY])
    assert message.startswith("0/3 nodes are available: 1 node(s) didn't match Pod's node "
                              "affinity/selector, 2 node(s) had untolerated taint(s). ")


def test_no_nodes_at_all():
    [placement] = schedule([pod()], [])
    assert placement.node is None
    assert placement.message == "no nodes available to schedule pods"


# --- scoring and spreading -----------------------------------------------------------------


def test_three_replicas_spread_over_three_nodes():
    nodes = [node("node-1"), node("node-2"), node("node-3")]
    pods = [pod(f"web-{i}", owner="ReplicaSet/web-5d9c") for i in range(3)]
    placements = schedule(pods, nodes)
    assert sorted(p.node for p in placements if p.node) == ["node-1", "node-2", "node-3"]


def test_four_replicas_on_two_nodes_go_two_and_two():
    nodes = [node("node-1"), node("node-2")]
    pods = [pod(f"web-{i}", owner="ReplicaSet/web-5d9c") for i in range(4)]
    nodes_used = [p.node for p in schedule(pods, nodes)]
    assert nodes_used.count("node-1") == nodes_used.count("node-2") == 2


def test_spread_score_follows_pod_topology_spread_normalization():
    nodes = [node("node-1"), node("node-2"), node("node-3")]
    placed = {"node-1": Counter({"ReplicaSet/web": 1})}
    # raw: 1 × ln(3 + 2) + (3 - 1) ≈ 3.6 → 4 on node-1, 2 elsewhere; 100 × (4 + 2 - s) / 4
    assert spread_scores("ReplicaSet/web", spec(), nodes, nodes, placed) == [50, 100, 100]


def test_pods_without_a_replicaset_or_statefulset_owner_are_not_spread():
    nodes = [node("node-1"), node("node-2")]
    pods = [pod(f"job-{i}", owner="Job/migrate") for i in range(2)]
    assert [p.node for p in schedule(pods, nodes)] == ["node-1", "node-1"]


def test_ties_go_to_the_first_node_in_scenario_order():
    nodes = [node("node-b"), node("node-a")]
    [placement] = schedule([pod()], nodes)
    assert placement.node == "node-b"


def test_image_locality_draws_the_pod_to_the_node_with_the_image():
    nodes = [node("node-1"), node("node-2", {"registry.example.com/app:1.0": 800 * MB})]
    [placement] = schedule([pod(spec=spec("registry.example.com/app:1.0"))], nodes)
    assert placement.node == "node-2"
    # 800 MiB on 1 of 2 nodes: 100 × (400 - 23) // (1000 - 23)
    assert [score.image_locality for score in placement.scores] == [0, 38]
    assert placement.scheduled_message == "Successfully assigned default/web to node-2"
