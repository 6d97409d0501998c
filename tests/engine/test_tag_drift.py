"""The shipped `tag-drift` scenario: a mutable tag moves under a rollout (issue 4, "Tags move,
digests do not"). IfNotPresent lets replicas diverge, Always converges at a cost, a digest pins
one image everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.engine import check_goals, load_manifests, load_scenario, simulate
from sandbox.engine.registry import resolve_digest
from sandbox.engine.trace import Trace
from sandbox.engine.world import Image, Scenario

SCENARIO_FILE = (Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"
                 / "tag-drift.yaml")
IMAGE = "registry.company.com/shop:stable"
NAME = "registry.company.com/shop"
REPLICAS = 6
SAME_IMAGE = "- sameImageEverywhere: true"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO_FILE.read_text())


def build(scenario: Scenario, image_id: str) -> Image:
    registry = scenario.registry("registry.company.com")
    assert registry is not None
    repository = registry.repository("shop")
    assert repository is not None
    image = repository.images[image_id]
    assert isinstance(image, Image)
    return image


def deployment(image: str, policy: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: shop}}
spec:
  replicas: {REPLICAS}
  selector: {{matchLabels: {{app: shop}}}}
  template:
    metadata: {{labels: {{app: shop}}}}
    spec:
      containers:
        - name: shop
          image: "{image}"
          imagePullPolicy: {policy}
"""


def run(scenario: Scenario, image: str, policy: str) -> Trace:
    return simulate(load_manifests(deployment(image, policy)), scenario)


def image_ids(trace: Trace) -> dict[str, set[str]]:
    """node -> the image IDs its replicas run."""
    seen: dict[str, set[str]] = {}
    for pod in trace.pods:
        for container in pod.containers:
            assert container.image_id is not None, f"{pod.name} never started"
            seen.setdefault(pod.node or "", set()).add(container.image_id)
    return seen


def test_the_scenario_spreads_the_replicas_over_three_nodes_one_holding_an_old_build(
    scenario: Scenario,
) -> None:
    assert [n.name for n in scenario.nodes] == ["node-1", "node-2", "node-3"]
    held = {n.name: [(i.ref, i.image.id) for i in n.images] for n in scenario.nodes}
    assert held["node-1"] == [(f"{NAME}:stable", "build-1")]
    assert [(e.at, e.push.tag if e.push else None) for e in scenario.timeline] == [
        (0.5, "stable")]
    trace = run(scenario, IMAGE, "IfNotPresent")
    assert sorted({p.node for p in trace.pods if p.node}) == ["node-1", "node-2", "node-3"]
    assert all(p.status == "Running" for p in trace.pods)


def test_if_not_present_with_a_mutable_tag_leaves_replicas_on_different_image_ids(
    scenario: Scenario,
) -> None:
    trace = run(scenario, IMAGE, "IfNotPresent")
    old = f"{NAME}@{build(scenario, 'build-1').manifest_digest}"
    new = f"{NAME}@{build(scenario, 'build-3').manifest_digest}"
    assert image_ids(trace) == {"node-1": {old}, "node-2": {new}, "node-3": {new}}
    # node-1 never asked the registry: its cached build-1 answered for the tag.
    assert all(p.node != "node-1" for p in trace.pulls)
    (result,) = check_goals(trace, SAME_IMAGE)
    assert not result.passed
    owner = trace.pods[0].owner
    assert owner is not None and owner.startswith("ReplicaSet/shop-")
    assert result.seen == f"{owner}/shop runs 2 image IDs: {', '.join(sorted([old, new]))}"


def test_always_makes_every_replica_converge_on_the_moved_tag_at_a_registry_cost(
    scenario: Scenario,
) -> None:
    trace = run(scenario, IMAGE, "Always")
    new = f"{NAME}@{build(scenario, 'build-3').manifest_digest}"
    assert image_ids(trace) == {"node-1": {new}, "node-2": {new}, "node-3": {new}}
    (result,) = check_goals(trace, SAME_IMAGE)
    assert result.passed and result.seen == "every replica runs one image ID"
    # The cost: one registry round-trip per replica, even where the layers are all there ...
    assert len(trace.pulls) == REPLICAS
    assert all(p.outcome == "pulled" and p.exchanges for p in trace.pulls)
    # ... and node-1 downloads what build-3 has that build-1 lacks (not the shared base).
    build_1, build_3 = build(scenario, "build-1"), build(scenario, "build-3")
    shared = {layer.digest for layer in build_1.layers}
    lacking = sum(layer.size for layer in build_3.layers if layer.digest not in shared)
    first_on_node_1 = min((p for p in trace.pulls if p.node == "node-1"), key=lambda p: p.started)
    assert first_on_node_1.bytes == lacking == 21_000_000
    if_not_present = run(scenario, IMAGE, "IfNotPresent")
    assert sum(p.bytes for p in trace.pulls) > sum(p.bytes for p in if_not_present.pulls)
    assert len(trace.pulls) > len(if_not_present.pulls)


@pytest.mark.parametrize("policy", ["IfNotPresent", "Always"])
def test_pinned_by_digest_every_replica_runs_the_identical_image(
    scenario: Scenario, policy: str
) -> None:
    lookup = resolve_digest(scenario, IMAGE)  # what `manage.py digest` prints, before the push
    assert lookup.digest == build(scenario, "build-2").manifest_digest
    assert lookup.pinned == f"{NAME}@{lookup.digest}"
    trace = run(scenario, lookup.pinned, policy)
    pinned = f"{NAME}@{lookup.digest}"
    assert image_ids(trace) == {"node-1": {pinned}, "node-2": {pinned}, "node-3": {pinned}}
    assert check_goals(trace, SAME_IMAGE)[0].passed
    # The tag moved to build-3 at 0.5 s; the digest did not care.
    assert any(s.flow == "timeline" for s in trace.steps)
    assert {p.digest for p in trace.pulls} == {lookup.digest}


def test_the_digest_lookup_follows_the_timeline(scenario: Scenario) -> None:
    before = resolve_digest(scenario, IMAGE, at=0.0)
    after = resolve_digest(scenario, IMAGE, at=0.5)
    assert before.digest == build(scenario, "build-2").manifest_digest
    assert after.digest == build(scenario, "build-3").manifest_digest


def test_the_tag_drift_trace_is_deterministic(scenario: Scenario) -> None:
    import json

    one = json.dumps(run(scenario, IMAGE, "IfNotPresent").to_dict())
    two = json.dumps(run(scenario, IMAGE, "IfNotPresent").to_dict())
    assert one == two
