"""Cached private images and other tenants (issue 5; KUBERNETES.md §11, §12).

The shipped `shared-node` scenario has the KubeletEnsureSecretPulledImages gate off: the hole.
Each test varies one setting on the loaded scenario with `dataclasses.replace`, as a lesson
does when it asks the learner to flip the gate, pick a verification policy or enable
AlwaysPullImages. Team A's pod pulls the private image with its secret; a second pod on the same
node wants the image without (or with other) credentials. A second pod with `Never` can only
start from the cached image, so it shows exactly what the kubelet lets it use.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from sandbox.engine import load_manifests, load_scenario, simulate
from sandbox.engine.trace import PodStatus, Trace
from sandbox.engine.world import Image, KubeletConfig, Layer, Node, NodeImage, Scenario

SCENARIO_FILE = (Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"
                 / "shared-node.yaml")
IMAGE = "registry.company.com/payments/api:1.4"
NAME = "registry.company.com/payments/api"
PASSWORD = "s3cr3t-Team-A-pass"
ALREADY_PRESENT = f'Container image "{IMAGE}" already present on machine'
ACCESSIBLE = f"{ALREADY_PRESENT} and can be accessed by the pod"
NEVER_PULL = f'Container image "{IMAGE}" is not present with pull policy of Never'


@pytest.fixture(scope="module")
def shipped() -> Scenario:
    return load_scenario(SCENARIO_FILE.read_text())


def gate_on(scenario: Scenario, policy: str = "NeverVerifyPreloadedImages",
            allowlist: tuple[str, ...] = ()) -> Scenario:
    return replace(scenario, kubelet=KubeletConfig(
        ensure_secret_pulled_images=True, verification_policy=policy,
        preloaded_images_verification_allowlist=allowlist))


def preloaded(scenario: Scenario) -> Scenario:
    """The same node, but the private image was put there by someone else than the kubelet."""
    registry = scenario.registry("registry.company.com")
    assert registry is not None
    repository = registry.repository("payments/api")
    assert repository is not None
    image = repository.images["build-1-4"]
    assert isinstance(image, Image)
    return replace(scenario, nodes=(Node("shared-node", images=(NodeImage(IMAGE, image),)),))


def secret(name: str, namespace: str, username: str, password: str) -> str:
    config = json.dumps({"auths": {"registry.company.com": {"username": username,
                                                             "password": password}}})
    return f"""\
apiVersion: v1
kind: Secret
metadata: {{name: {name}, namespace: {namespace}}}
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{config}'
---
"""


def pod(name: str, namespace: str, policy: str, secrets: tuple[str, ...] = (),
        image: str = IMAGE) -> str:
    pulls = ""
    if secrets:
        pulls = "  imagePullSecrets: [" + ", ".join(f"{{name: {s}}}" for s in secrets) + "]\n"
    return f"""\
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {namespace}}}
spec:
{pulls}  containers:
    - name: api
      image: "{image}"
      imagePullPolicy: {policy}
---
"""


TEAM_A = pod("api", "team-a", "IfNotPresent", ("payments-pull",))


def run(manifest: str, scenario: Scenario) -> Trace:
    return simulate(load_manifests(manifest), scenario)


def status(trace: Trace, key: str) -> PodStatus:
    namespace, name = key.split("/")
    (found,) = [p for p in trace.pods if (p.namespace, p.name) == (namespace, name)]
    return found


def messages(trace: Trace, key: str, reason: str) -> list[str]:
    return [e.message for e in trace.events if e.pod == key and e.reason == reason]


def verdicts(trace: Trace, key: str) -> list[str | None]:
    """The outcome of every "may this pod use the cached image?" check for the pod."""
    return [s.outcome for s in trace.steps if s.pod == key and s.flow == "verify"]


def successful_pulls(trace: Trace, key: str) -> list[str]:
    return [p.pod for p in trace.pulls if p.pod == key and p.outcome == "pulled"]


def assert_started_from_cache(trace: Trace, key: str, message: str) -> None:
    assert status(trace, key).status == "Running"
    assert message in messages(trace, key, "Pulled")
    assert successful_pulls(trace, key) == []


def assert_refused_by_the_registry(trace: Trace, key: str) -> None:
    """IfNotPresent after a failed verification: the pod pulls with its own (no) credentials."""
    assert status(trace, key).status in ("ErrImagePull", "ImagePullBackOff")
    assert "no" in verdicts(trace, key)
    verified_at = min(s.time for s in trace.steps
                      if s.pod == key and s.flow == "verify" and s.outcome == "no")
    later = [p for p in trace.pulls if p.pod == key and p.requested >= verified_at]
    assert later and all(p.outcome == "failed" for p in later)
    assert "pull access denied" in (later[0].error or "")
    assert successful_pulls(trace, key) == []


def assert_never_pull(trace: Trace, key: str) -> None:
    assert status(trace, key).status == "ErrImageNeverPull"
    assert "no" in verdicts(trace, key)
    assert all(m == NEVER_PULL for m in messages(trace, key, "ErrImageNeverPull"))
    assert [p for p in trace.pulls if p.pod == key] == []


# --- the shipped scenario: the hole --------------------------------------------------------------


def test_the_shipped_scenario_starts_with_the_gate_off(shipped: Scenario) -> None:
    assert shipped.kubelet.ensure_secret_pulled_images is False
    assert shipped.kubelet.verification_policy == "NeverVerify"
    assert shipped.always_pull_images is False
    assert [n.name for n in shipped.nodes] == ["shared-node"]


@pytest.mark.parametrize("policy", ["IfNotPresent", "Never"])
def test_gate_off_lets_a_pod_without_credentials_start_from_another_tenants_private_image(
    shipped: Scenario, policy: str
) -> None:
    trace = run(TEAM_A + pod("borrower", "team-b", policy), shipped)
    assert status(trace, "team-a/api").status == "Running"
    assert successful_pulls(trace, "team-a/api") == ["team-a/api"]
    assert_started_from_cache(trace, "team-b/borrower", ALREADY_PRESENT)
    assert verdicts(trace, "team-b/borrower") == []  # nothing asked who pulled it
    # Team B could never have pulled it itself: its own first try was refused or impossible.
    first = messages(trace, "team-b/borrower", "Failed")[0]
    assert "pull access denied" in first or first == "Error: ErrImageNeverPull"


# --- KEP-2535 verification policies (§12) --------------------------------------------------------


@pytest.mark.parametrize("policy", ["IfNotPresent", "Never"])
def test_never_verify_keeps_the_hole_open_with_the_gate_on(shipped: Scenario, policy: str) -> None:
    trace = run(TEAM_A + pod("borrower", "team-b", policy), gate_on(shipped, "NeverVerify"))
    assert_started_from_cache(trace, "team-b/borrower", ACCESSIBLE)


@pytest.mark.parametrize("verification", ["NeverVerifyPreloadedImages", "AlwaysVerify"])
def test_an_image_the_kubelet_pulled_with_a_secret_must_be_pulled_again_without_it(
    shipped: Scenario, verification: str
) -> None:
    trace = run(TEAM_A + pod("borrower", "team-b", "IfNotPresent"),
                gate_on(shipped, verification))
    assert status(trace, "team-a/api").status == "Running"
    assert_refused_by_the_registry(trace, "team-b/borrower")


@pytest.mark.parametrize("verification", ["NeverVerifyPreloadedImages", "AlwaysVerify"])
def test_never_policy_fails_with_err_image_never_pull_when_the_pod_may_not_use_the_cache(
    shipped: Scenario, verification: str
) -> None:
    trace = run(TEAM_A + pod("borrower", "team-b", "Never"), gate_on(shipped, verification))
    assert_never_pull(trace, "team-b/borrower")


@pytest.mark.parametrize("policy", ["IfNotPresent", "Never"])
def test_never_verify_preloaded_images_exempts_an_image_the_kubelet_did_not_pull(
    shipped: Scenario, policy: str
) -> None:
    trace = run(pod("borrower", "team-b", policy), gate_on(preloaded(shipped)))
    assert_started_from_cache(trace, "team-b/borrower", ACCESSIBLE)
    assert verdicts(trace, "team-b/borrower") == ["yes"]
    assert trace.pulls == ()


def test_always_verify_checks_even_a_preloaded_image(shipped: Scenario) -> None:
    scenario = gate_on(preloaded(shipped), "AlwaysVerify")
    trace = run(pod("borrower", "team-b", "IfNotPresent"), scenario)
    assert_refused_by_the_registry(trace, "team-b/borrower")
    trace = run(pod("borrower", "team-b", "Never"), scenario)
    assert_never_pull(trace, "team-b/borrower")


@pytest.mark.parametrize("entry", [
    "registry.company.com/*", NAME, "registry.company.com/payments/*"])
@pytest.mark.parametrize("kubelet_pulled", [False, True])
def test_allowlisted_images_are_exempt_whoever_pulled_them(
    shipped: Scenario, entry: str, kubelet_pulled: bool
) -> None:
    world = shipped if kubelet_pulled else preloaded(shipped)
    first = TEAM_A if kubelet_pulled else ""
    trace = run(first + pod("borrower", "team-b", "Never"),
                gate_on(world, "NeverVerifyAllowlistedImages", (entry,)))
    assert_started_from_cache(trace, "team-b/borrower", ACCESSIBLE)


@pytest.mark.parametrize("entry", [
    "registry.company.com/payments/api-v2",  # an exact name is compared whole, not as a prefix
    "registry.company.com/billing/*",
    "docker.io/*",
    "registry.company.com/payments",
])
@pytest.mark.parametrize("kubelet_pulled", [False, True])
def test_images_off_the_allowlist_are_checked_even_when_preloaded(
    shipped: Scenario, entry: str, kubelet_pulled: bool
) -> None:
    world = shipped if kubelet_pulled else preloaded(shipped)
    first = TEAM_A if kubelet_pulled else ""
    trace = run(first + pod("borrower", "team-b", "Never"),
                gate_on(world, "NeverVerifyAllowlistedImages", (entry,)))
    assert_never_pull(trace, "team-b/borrower")


# --- who may use a record (§12, MustAttemptImagePull) --------------------------------------------


@pytest.mark.parametrize("verification", ["NeverVerifyPreloadedImages", "AlwaysVerify"])
def test_a_pod_with_the_same_secret_coordinates_may_use_the_cached_image(
    shipped: Scenario, verification: str
) -> None:
    manifest = TEAM_A + pod("api-2", "team-a", "Never", ("payments-pull",))
    trace = run(manifest, gate_on(shipped, verification))
    assert_started_from_cache(trace, "team-a/api-2", ACCESSIBLE)
    assert "yes" in verdicts(trace, "team-a/api-2")


def test_a_different_secret_holding_the_identical_credential_may_use_the_cached_image(
    shipped: Scenario,
) -> None:
    manifest = (secret("payments-copy", "team-b", "team-a-robot", PASSWORD) + TEAM_A
                + pod("borrower", "team-b", "Never", ("payments-copy",)))
    trace = run(manifest, gate_on(shipped, "AlwaysVerify"))
    assert_started_from_cache(trace, "team-b/borrower", ACCESSIBLE)


def test_a_secret_of_the_same_name_in_another_namespace_with_another_credential_is_refused(
    shipped: Scenario,
) -> None:
    manifest = (secret("payments-pull", "team-b", "team-a-robot", "guessed") + TEAM_A
                + pod("borrower", "team-b", "Never", ("payments-pull",)))
    trace = run(manifest, gate_on(shipped, "AlwaysVerify"))
    assert_never_pull(trace, "team-b/borrower")


def test_an_anonymous_pull_makes_the_image_usable_by_every_pod_on_the_node() -> None:
    text = """\
name: public image on a shared node
nodes: [{name: shared-node}]
registries:
  - host: registry.company.com
    repositories:
      tools/cli:
        images: {v1: {layers: [{id: cli-1, size: 5MB}]}}
        tags: {"1": v1}
kubelet: {imagePullCredentialsVerificationPolicy: AlwaysVerify}
"""
    scenario = load_scenario(text)
    image = "registry.company.com/tools/cli:1"
    manifest = (pod("first", "team-a", "IfNotPresent", image=image)
                + pod("second", "team-b", "Never", image=image))
    trace = run(manifest, scenario)
    assert status(trace, "team-b/second").status == "Running"
    assert verdicts(trace, "team-b/second")[-1] == "yes"
    assert successful_pulls(trace, "team-b/second") == []


def test_a_pull_with_node_credentials_makes_the_image_usable_by_every_pod(
    shipped: Scenario,
) -> None:
    node = Node("shared-node", credentials={
        "registry.company.com": {"username": "team-a-robot", "password": PASSWORD}})
    scenario = replace(gate_on(shipped, "AlwaysVerify"), nodes=(node,))
    manifest = pod("api", "team-a", "IfNotPresent") + pod("borrower", "team-b", "Never")
    trace = run(manifest, scenario)
    assert successful_pulls(trace, "team-a/api") == ["team-a/api"]
    assert_started_from_cache(trace, "team-b/borrower", ACCESSIBLE)


def test_the_pull_record_names_the_secret_that_worked_not_one_that_was_refused(
    shipped: Scenario,
) -> None:
    manifest = (secret("stale-pull", "team-a", "team-a-robot", "rotated-away")
                + pod("api", "team-a", "IfNotPresent", ("stale-pull", "payments-pull"))
                + pod("stale", "team-a", "Never", ("stale-pull",)))
    trace = run(manifest, gate_on(shipped, "AlwaysVerify"))
    assert status(trace, "team-a/api").status == "Running"
    # The stale secret never got the image from the registry: it must not unlock the cache.
    assert_never_pull(trace, "team-a/stale")


def test_a_preloaded_image_stays_exempt_after_the_kubelet_pulls_another_tag_of_its_repository(
    shipped: Scenario,
) -> None:
    older = Image("build-1-3", (Layer("distroless-base-12", 20_000_000),
                                Layer("payments-api-1.3", 29_000_000)))
    node = Node("shared-node", images=(NodeImage(f"{NAME}:1.3", older),))
    # The init container's pull queues behind team A's, so the borrower's main container asks
    # for 1.3 only after the kubelet has pulled 1.4 with team A's secret.
    borrower = f"""\
apiVersion: v1
kind: Pod
metadata: {{name: borrower, namespace: team-b}}
spec:
  initContainers:
    - {{name: wait, image: "busybox:1.36", imagePullPolicy: IfNotPresent}}
  containers:
    - {{name: api, image: "{NAME}:1.3", imagePullPolicy: Never}}
"""
    trace = run(TEAM_A + borrower, replace(gate_on(shipped), nodes=(node,)))
    assert status(trace, "team-a/api").status == "Running"
    checked_at = [s.time for s in trace.steps
                  if s.pod == "team-b/borrower" and s.flow == "present" and s.container == "api"]
    assert checked_at and checked_at[0] > trace.pulls[0].finished
    assert status(trace, "team-b/borrower").status == "Running"


# --- Always and AlwaysPullImages -----------------------------------------------------------------


@pytest.mark.parametrize("gate", [False, True])
def test_always_is_unaffected_by_the_gate_and_always_asks_the_registry(
    shipped: Scenario, gate: bool
) -> None:
    scenario = gate_on(shipped) if gate else shipped
    trace = run(TEAM_A + pod("borrower", "team-b", "Always")
                + pod("api-2", "team-a", "Always", ("payments-pull",)), scenario)
    assert verdicts(trace, "team-b/borrower") == []
    assert verdicts(trace, "team-a/api-2") == []
    assert status(trace, "team-b/borrower").status in ("ErrImagePull", "ImagePullBackOff")
    assert successful_pulls(trace, "team-a/api-2") == ["team-a/api-2"]


@pytest.mark.parametrize("policy", ["IfNotPresent", "Never"])
def test_always_pull_images_admission_closes_the_hole_even_with_the_gate_off(
    shipped: Scenario, policy: str
) -> None:
    scenario = replace(shipped, always_pull_images=True)
    trace = run(TEAM_A + pod("borrower", "team-b", policy), scenario)
    borrower = status(trace, "team-b/borrower")
    assert [c.pull_policy for c in borrower.containers] == ["Always"]
    assert borrower.status in ("ErrImagePull", "ImagePullBackOff")
    assert successful_pulls(trace, "team-b/borrower") == []
    assert messages(trace, "team-b/borrower", "Pulled") == []
    assert status(trace, "team-a/api").status == "Running"
