"""Best-practice hints: each appears exactly when its rule applies, with the linter's rule id."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.engine import load_manifests, load_scenario, simulate
from sandbox.engine.trace import Hint, Trace
from sandbox.engine.world import Image, Layer, Node, NodeImage, Registry, Repository, Scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"

BUILD_1 = Image("build-1", (Layer("base", 40_000_000), Layer("app-1", 1_000_000)))
BUILD_2 = Image("build-2", (Layer("base", 40_000_000), Layer("app-2", 1_000_000)))
DIGEST = BUILD_2.manifest_digest
LATEST_RULE = "kube-linter latest-tag / Polaris tagNotSpecified / Kyverno disallow-latest-tag"
MUTABLE_RULE = "Kyverno require-image-checksum / Gatekeeper k8simagedigests"


def hub() -> Registry:
    app = Repository("library/app", {"build-1": BUILD_1, "build-2": BUILD_2},
                     {"v1": "build-2", "latest": "build-2"})
    return Registry("docker.io", repositories={"library/app": app})


def holding(name: str, ref: str = "docker.io/library/app:v1", image: Image = BUILD_2) -> Node:
    return Node(name, images=(NodeImage(ref, image),))


def world(*nodes: Node) -> Scenario:
    return Scenario("test", nodes=nodes or (Node("node-1"),), registries=(hub(),))


def pod(image: str, policy: str | None = None) -> str:
    line = f"\n      imagePullPolicy: {policy}" if policy else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
            f"    - name: web\n      image: \"{image}\"{line}\n")


def deployment(image: str, replicas: int, name: str = "web") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      imagePullSecrets: [{{name: company-registry-secret}}]
      containers:
        - name: web
          image: {image}
"""


def hints(manifest: str, scenario: Scenario | None = None) -> list[Hint]:
    return list(simulate(load_manifests(manifest), scenario or world()).hints)


def ids(manifest: str, scenario: Scenario | None = None) -> list[str]:
    return [h.id for h in hints(manifest, scenario)]


# --- latest-tag ---------------------------------------------------------------------------


@pytest.mark.parametrize("image", ["app", "app:latest", "docker.io/library/app:latest"])
def test_latest_or_no_tag_gives_the_latest_tag_hint(image: str) -> None:
    (hint,) = hints(pod(image))
    assert hint.id == "latest-tag"
    assert hint.rule == LATEST_RULE
    assert hint.pod == "default/web" and hint.container == "web"
    assert repr(image) in hint.message
    assert "imagePullPolicy defaults to Always" in hint.message


@pytest.mark.parametrize("image", ["app:v1", f"app@{DIGEST}", f"app:latest@{DIGEST}"])
def test_a_named_tag_or_a_digest_gives_no_latest_tag_hint(image: str) -> None:
    assert "latest-tag" not in ids(pod(image))


# --- mutable-tag --------------------------------------------------------------------------


def test_a_tag_other_than_latest_gives_the_mutable_tag_hint() -> None:
    (hint,) = hints(pod("app:v1"))
    assert hint.id == "mutable-tag"
    assert hint.rule == MUTABLE_RULE
    assert "pin a digest" in hint.message
    assert "different image IDs" not in hint.message  # one pod cannot diverge


@pytest.mark.parametrize("image", [f"app@{DIGEST}", f"app:v1@{DIGEST}"])
def test_a_digest_gives_no_mutable_tag_hint(image: str) -> None:
    assert ids(pod(image)) == []


def test_mutable_tag_hint_says_nothing_of_divergence_when_replicas_agree() -> None:
    (hint,) = hints(deployment("app:v1", 2), world(Node("node-1"), Node("node-2")))
    assert hint.id == "mutable-tag"
    assert "different image IDs" not in hint.message


def test_mutable_tag_hint_reports_replicas_that_ran_different_images() -> None:
    # node-1 cached v1 when it pointed to build-1; node-2 pulls v1 as it is now, build-2.
    scenario = world(holding("node-1", image=BUILD_1), Node("node-2"))
    (hint,) = hints(deployment("app:v1", 2), scenario)
    assert hint.id == "mutable-tag"
    assert "In this run the replicas ran 2 different image IDs." in hint.message


def test_mutable_tag_hint_reports_divergence_in_the_shipped_private_registry_scenario() -> None:
    scenario = load_scenario((SCENARIOS / "private-registry.yaml").read_text())
    trace: Trace = simulate(load_manifests(deployment("registry.company.com/webapp:v2", 3)),
                            scenario)
    assert {p.node for p in trace.pods} == {"node-a", "node-b", "node-c"}
    (hint,) = trace.hints
    assert hint.id == "mutable-tag"
    assert "registry.company.com/webapp:v2" in hint.message
    assert "ran 2 different image IDs" in hint.message


# --- always-with-digest -------------------------------------------------------------------


def test_always_with_a_digest_gives_the_always_with_digest_hint() -> None:
    (hint,) = hints(pod(f"app@{DIGEST}", "Always"))
    assert hint.id == "always-with-digest"
    assert "IfNotPresent is enough" in hint.message
    assert hint.container == "web"


@pytest.mark.parametrize(("image", "policy"), [(f"app@{DIGEST}", "IfNotPresent"),
                                               (f"app@{DIGEST}", None),
                                               ("app:v1", "Always")])
def test_no_always_with_digest_hint_without_both_a_digest_and_always(
        image: str, policy: str | None) -> None:
    assert "always-with-digest" not in ids(pod(image, policy))


# --- never-without-image ------------------------------------------------------------------


def test_never_where_a_node_lacks_the_image_names_that_node() -> None:
    scenario = world(holding("node-1"), Node("node-2"), Node("node-3"))
    found = [h for h in hints(pod("app:v1", "Never"), scenario) if h.id == "never-without-image"]
    (hint,) = found
    assert "node-2, node-3 lack it" in hint.message
    assert "node-1" not in hint.message
    assert "ErrImageNeverPull" in hint.message


def test_never_with_the_image_on_every_node_gives_no_never_hint() -> None:
    scenario = world(holding("node-1"), holding("node-2"))
    assert "never-without-image" not in ids(pod("app:v1", "Never"), scenario)


def test_never_with_a_digest_held_on_every_node_gives_no_hint_at_all() -> None:
    scenario = world(holding("node-1", f"docker.io/library/app@{DIGEST}"),
                     holding("node-2", "docker.io/library/app:v1"))
    assert ids(pod(f"app@{DIGEST}", "Never"), scenario) == []


def test_never_checks_the_tag_as_written_not_another_tag_of_the_same_image() -> None:
    scenario = world(holding("node-1", "docker.io/library/app:latest"))
    assert "never-without-image" in ids(pod("app:v1", "Never"), scenario)


# --- invalid references and many objects --------------------------------------------------


@pytest.mark.parametrize("image", ["App:v1", "app:", "app@sha256:nope", "-app"])
def test_no_hint_for_an_invalid_reference(image: str) -> None:
    assert hints(pod(image, "Never")) == []


def test_hints_follow_document_order_and_each_container_once() -> None:
    manifest = (deployment("app:v1", 2, "first") + "---\n" + pod("app") + "---\n"
                + deployment("app:v1", 1, "second"))
    found = hints(manifest, world(Node("node-1"), Node("node-2")))
    # The second Deployment has the same container and image: the same advice is not repeated.
    assert [(h.id, h.pod.split("-")[0] if h.pod else None) for h in found] == [
        ("mutable-tag", "default/first"), ("latest-tag", "default/web")]


def test_never_with_the_index_digest_of_a_preloaded_multi_arch_image_gives_no_hint() -> None:
    from sandbox.engine.registry import resolve_digest

    scenario = load_scenario('name: t\nnodes:\n  - name: node-1\n    images: ["nginx:1.25"]\n')
    pinned = resolve_digest(scenario, "nginx:1.25").pinned
    trace = simulate(load_manifests(pod(pinned, "Never")), scenario)
    assert trace.pods[0].status == "Running"
    assert [h.id for h in trace.hints] == []
