"""`learnerSettings:` and `apply_settings`: the kubelet and admission settings a scenario lets a
learner change (issue 11), read with positions, applied through the scenario's own reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.engine import (
    ManifestError,
    SettingsError,
    apply_settings,
    check_goals,
    load_manifests,
    load_scenario,
    simulate,
)
from sandbox.engine.world import Scenario

SHARED_NODE = (Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"
               / "shared-node.yaml").read_text()
GATE = "kubelet.featureGates.KubeletEnsureSecretPulledImages"
POLICY = "kubelet.imagePullCredentialsVerificationPolicy"
ALWAYS_PULL = "admission.alwaysPullImages"

SMALL = """\
name: small
nodes: [{name: node-1}]
kubelet:
  featureGates: {KubeletEnsureSecretPulledImages: false}
"""

TWO_TEAMS = """\
apiVersion: v1
kind: Pod
metadata: {name: payments, namespace: team-a}
spec:
  imagePullSecrets: [{name: payments-pull}]
  containers: [{name: api, image: registry.company.com/payments/api:1.4}]
---
apiVersion: v1
kind: Pod
metadata: {name: reports, namespace: team-b}
spec:
  containers:
    - {name: api, image: registry.company.com/payments/api:1.4, imagePullPolicy: Never}
"""


@pytest.fixture(scope="module")
def shared() -> Scenario:
    return load_scenario(SHARED_NODE)


def problems(text: str) -> list[tuple[int | None, int | None, str]]:
    with pytest.raises(ManifestError) as caught:
        load_scenario(text)
    return [(p.line, p.column, p.message) for p in caught.value.problems]


def reports(scenario: Scenario) -> str:
    trace = simulate(load_manifests(TWO_TEAMS), scenario)
    pod = next(p for p in trace.pods if p.name == "reports")
    return pod.status


def test_the_shared_node_scenario_lists_its_settings_with_their_values_in_force(shared) -> None:
    settings = {s.path: s for s in shared.learner_settings}
    assert list(settings) == [GATE, POLICY, ALWAYS_PULL]
    assert settings[GATE].values == (False, True) and settings[GATE].written is False
    assert settings[POLICY].written is None  # not set in the file
    assert settings[POLICY].in_force == "NeverVerify"  # the gate is off: nothing is verified
    assert settings[ALWAYS_PULL].in_force is False


def test_turning_the_gate_on_closes_the_hole(shared) -> None:
    assert reports(shared) == "Running"  # team B starts team A's private image
    closed = apply_settings(SHARED_NODE, shared, [(GATE, True)])
    assert closed.kubelet.ensure_secret_pulled_images
    assert closed.kubelet.verification_policy == "NeverVerifyPreloadedImages"  # the default
    assert reports(closed) == "ErrImageNeverPull"


def test_always_pull_images_rewrites_never_and_the_registry_refuses_team_b(shared) -> None:
    rewritten = apply_settings(SHARED_NODE, shared, [(ALWAYS_PULL, True)])
    assert rewritten.always_pull_images
    assert reports(rewritten) in ("ErrImagePull", "ImagePullBackOff")


def test_the_trace_records_the_settings_in_force(shared) -> None:
    scenario = apply_settings(SHARED_NODE, shared, [(GATE, True), (POLICY, "AlwaysVerify")])
    trace = simulate(load_manifests(TWO_TEAMS), scenario)
    assert dict(trace.settings) == {GATE: True, POLICY: "AlwaysVerify", ALWAYS_PULL: False}
    assert trace.to_dict()["settings"] == [[GATE, True], [POLICY, "AlwaysVerify"],
                                           [ALWAYS_PULL, False]]
    goals = "- setting: {kubelet.imagePullCredentialsVerificationPolicy: AlwaysVerify}\n"
    assert [g.passed for g in check_goals(trace, goals)] == [True]
    assert [g.passed for g in check_goals(simulate(load_manifests(TWO_TEAMS), shared),
                                          goals)] == [False]


def test_picking_the_scenarios_own_values_changes_nothing(shared) -> None:
    assert apply_settings(SHARED_NODE, shared, [(GATE, False), (POLICY, None)]) is shared


def test_a_policy_without_the_gate_is_refused_in_the_kubelets_words(shared) -> None:
    with pytest.raises(SettingsError) as caught:
        apply_settings(SHARED_NODE, shared, [(POLICY, "AlwaysVerify")])
    (problem,) = caught.value.problems
    assert problem.path == POLICY and problem.line is None
    assert problem.message == ("invalid configuration: `imagePullCredentialsVerificationPolicy` "
                               "must not be set if KubeletEnsureSecretPulledImages feature gate "
                               "is not enabled")


def test_a_setting_or_value_the_scenario_does_not_offer_is_refused(shared) -> None:
    with pytest.raises(SettingsError) as caught:
        apply_settings(SHARED_NODE, shared, [("kubelet.serializeImagePulls", False),
                                             (GATE, "yes"), (ALWAYS_PULL, 1)])  # type: ignore[list-item]
    messages = [p.message for p in caught.value.problems]
    assert messages == ["this scenario does not let learners change kubelet.serializeImagePulls",
                        f"{GATE} cannot be yes in this scenario",
                        f"{ALWAYS_PULL} cannot be 1 in this scenario"]
    assert caught.value.problems[1].hint == "pick one of false, true"


def test_a_scenario_without_learner_settings_refuses_every_change() -> None:
    scenario = load_scenario(SMALL)
    assert scenario.learner_settings == ()
    with pytest.raises(SettingsError, match="does not let learners change"):
        apply_settings(SMALL, scenario, [(GATE, True)])


def test_a_setting_is_written_where_the_scenario_has_no_section_yet() -> None:
    text = "nodes: [{name: node-1}]\nlearnerSettings:\n  admission.alwaysPullImages: [null, true]\n"
    scenario = load_scenario(text)
    assert apply_settings(text, scenario, [(ALWAYS_PULL, True)]).always_pull_images
    assert dict((s.path, s.in_force) for s in scenario.learner_settings) == {ALWAYS_PULL: False}


def test_learner_settings_are_validated_at_load_with_positions() -> None:
    text = SMALL + """\
learnerSettings:
  kubelet.maxParallelImagePulls: [1]
  kubelet.featureGates.KubeletEnsureSecretPulledImages: [false, 1, true, true, {a: b}]
  kubelet.imagePullCredentialsVerificationPolicy: [AlwaysVerify]
  admission.alwaysPullImages: []
  kubelet.serializeImagePulls: "true"
"""
    found = problems(text)
    assert found[0][:2] == (6, 3)
    assert found[0][2].startswith("learners cannot be given kubelet.maxParallelImagePulls")
    assert found[1:4] == [
        (7, 65, f"1 is not a value of {GATE}"),
        (7, 74, "true is listed twice"),
        (7, 80, f"a collection is not a value of {GATE}"),
    ]
    assert found[4] == (8, 3, f"the scenario's own value of {POLICY} (null) is not one of the "
                              "values learners may pick")
    assert found[5] == (9, 31, 'learnerSettings["admission.alwaysPullImages"] needs at least '
                               "one entry")
    assert found[6][:2] == (10, 32) and "must be a list" in found[6][2]
    assert len(found) == 7
