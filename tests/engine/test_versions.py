"""Which Kubernetes and containerd each runtime profile models, and where that is shown (issue 12).

docs/versions.md lists the upstream files and tags behind every rule tested here.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import call_command

from sandbox.engine import Scenario, load_scenario
from sandbox.engine.console import new_cluster, run_command
from sandbox.engine.runtime import (
    DEFAULT_PROFILE,
    PROFILES,
    PullFailure,
    RenderError,
    RuntimeProfile,
    modelled_versions,
    profile_for,
    render_for_kubelet,
)
from sandbox.engine.trace import Trace
from sandbox.management.commands.kubectl import versions_epilog

K8S_137 = PROFILES["k8s-1.37"]
TWO_PODS = "".join(f"""\
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  containers: [{{name: {name}, image: "nginx:1.25"}}]
""" for name in ("web", "api"))


def _scenario(profile: str) -> Scenario:
    return load_scenario(f"name: versions\nprofile: {profile}\n")


def _simulate(manifest: str, profile: str, tmp_path: Path) -> str:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"name: versions\nprofile: {profile}\n")
    out = io.StringIO()
    call_command("simulate", "-", "--scenario", str(scenario), stdin=io.StringIO(manifest),
                 stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _get_nodes(profile: str, wide: bool = False) -> list[list[str]]:
    state = new_cluster(_scenario(profile), key=b"k" * 32)
    _, result = run_command(state, "kubectl get nodes" + (" -o wide" if wide else ""),
                            key=b"k" * 32)
    return [line.split() for line in result.output.splitlines()]


# --- every profile names its versions ----------------------------------------------------------


@pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
def test_every_profile_names_the_kubernetes_and_containerd_it_models(
        profile: RuntimeProfile) -> None:
    assert profile.kubernetes == f"{profile.kubelet[0]}.{profile.kubelet[1]}"
    assert re.fullmatch(r"v1\.\d+\.\d+", profile.kubelet_version)
    assert profile.kubelet_version.startswith(f"v{profile.kubernetes}.")
    assert profile.container_runtime_version == f"containerd://{profile.containerd_version}"
    assert modelled_versions(profile) == (
        f"Kubernetes {profile.kubernetes} · containerd {profile.containerd_version}")


@pytest.mark.parametrize(("name", "kubelet", "runtime"), [
    # Patch releases that upstream tagged (kubernetes/kubelet mirror: kubernetes-1.27.16,
    # kubernetes-1.34.10, kubernetes-1.35.7; v1.37.0 per CHANGELOG-1.38.md's "Changelog since
    # v1.37.0"); containerd tags v1.6.20, v2.0.5, v2.3.4.
    ("classic", "v1.27.16", "containerd://1.6.20"),
    ("current", "v1.34.10", "containerd://2.0.5"),
    ("newest", "v1.35.7", "containerd://2.3.4"),
    ("k8s-1.37", "v1.37.0", "containerd://2.3.4"),
])
def test_profiles_report_releases_that_exist_upstream(name: str, kubelet: str,
                                                      runtime: str) -> None:
    profile = PROFILES[name]
    assert (profile.kubelet_version, profile.container_runtime_version) == (kubelet, runtime)


def test_modelled_versions_takes_a_profile_name_and_defaults_to_the_default_profile() -> None:
    assert modelled_versions() == "Kubernetes 1.35 · containerd 2.3.4"
    assert modelled_versions("k8s-1.37") == "Kubernetes 1.37 · containerd 2.3.4"
    with pytest.raises(RenderError, match="unknown runtime profile"):
        modelled_versions("1.37")


@pytest.mark.parametrize("field", [{"kubelet_patch": -1}, {"kubelet_patch": True},
                                   {"unverified": ("",)}, {"unverified": "texts"}])
def test_profiles_reject_a_malformed_patch_or_unverified_list(field: dict[str, object]) -> None:
    with pytest.raises(RenderError):
        replace(DEFAULT_PROFILE, **field)  # type: ignore[arg-type]


# --- the default is the newest verified profile ------------------------------------------------


def test_the_default_profile_is_the_newest_verified_one() -> None:
    verified = [p for p in PROFILES.values() if p.verified]
    assert DEFAULT_PROFILE.verified
    assert all(p.kubelet <= DEFAULT_PROFILE.kubelet for p in verified)
    assert DEFAULT_PROFILE is PROFILES["newest"]


def test_kubernetes_137_is_modelled_but_not_verified_so_not_the_default() -> None:
    # The kubelet's event texts of 1.36/1.37 were not readable here (docs/versions.md).
    assert K8S_137.kubelet > DEFAULT_PROFILE.kubelet
    assert not K8S_137.verified
    assert any("image_manager.go" in part for part in K8S_137.unverified)


def test_scenarios_and_traces_default_to_the_default_profile() -> None:
    assert Scenario().profile == DEFAULT_PROFILE.name
    assert Trace((), (), ()).profile == DEFAULT_PROFILE.name
    assert load_scenario("name: no profile\n").profile == DEFAULT_PROFILE.name


def test_a_scenario_may_choose_kubernetes_137() -> None:
    assert _scenario("k8s-1.37").profile == "k8s-1.37"


# --- where the versions are shown --------------------------------------------------------------


@pytest.mark.parametrize("profile", list(PROFILES))
def test_get_nodes_shows_the_profiles_kubelet_version(profile: str) -> None:
    header, *rows = _get_nodes(profile)
    assert header == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert {row[4] for row in rows} == {PROFILES[profile].kubelet_version}


@pytest.mark.parametrize("profile", list(PROFILES))
def test_get_nodes_wide_shows_the_profiles_container_runtime(profile: str) -> None:
    header, *rows = _get_nodes(profile, wide=True)
    assert header[-1] == "CONTAINER-RUNTIME"
    assert {row[-1] for row in rows} == {PROFILES[profile].container_runtime_version}


def test_simulate_starts_with_the_versions_it_models(tmp_path: Path) -> None:
    out = _simulate(TWO_PODS, "current", tmp_path)
    assert out.splitlines()[:3] == [
        "# Modelled: Kubernetes 1.34 · containerd 2.0.5 (runtime profile current)", "",
        "$ kubectl get pods -o wide"]


def test_simulate_says_when_a_profiles_wording_is_partly_unverified(tmp_path: Path) -> None:
    assert _simulate(TWO_PODS, "k8s-1.37", tmp_path).splitlines()[0] == (
        "# Modelled: Kubernetes 1.37 · containerd 2.3.4 (runtime profile k8s-1.37; wording "
        "partly unverified, see docs/versions.md)")


def test_kubectl_help_names_every_profiles_versions_and_stdout_stays_kubectls() -> None:
    epilog = versions_epilog()
    assert "modelled on Kubernetes 1.35 · containerd 2.3.4 (runtime profile newest)" in epilog
    assert "k8s-1.37: Kubernetes 1.37 · containerd 2.3.4 (partly unverified)" in epilog
    assert "classic: Kubernetes 1.27 · containerd 1.6.20" in epilog


# --- what upstream changed between 1.35 and 1.37 -----------------------------------------------


def test_kubectl_136_and_later_describe_several_pods_without_events_unless_asked(
        tmp_path: Path) -> None:
    # kubectl pkg/cmd/describe/describe.go, commit b902e4389 (kubernetes#137145, tag
    # kubernetes-1.36.0): ShowEvents=false for more than one object unless --show-events is set.
    # simulate shows the events, so it names the flag that makes kubectl 1.36+ print them.
    assert PROFILES["newest"].describe_many_shows_events
    assert not K8S_137.describe_many_shows_events
    old, new = (_simulate(TWO_PODS, p, tmp_path) for p in ("newest", "k8s-1.37"))
    assert "\n$ kubectl describe pods\nName:" in old
    assert "\n$ kubectl describe pods --show-events\nName:" in new
    assert new.count("\nEvents:\n") == old.count("\nEvents:\n") == 2


def test_describing_one_pod_needs_no_flag_on_kubectl_137(tmp_path: Path) -> None:
    one = TWO_PODS.split("---\n")[1]
    assert "\n$ kubectl describe pods\nName:" in _simulate(one, "k8s-1.37", tmp_path)


def test_ensure_secret_pulled_images_gate_is_still_beta_and_on_in_kubernetes_137() -> None:
    # KEP-2535 kep.yaml (kubernetes/enhancements 63d38ed4e, 2026-06-11): stage beta,
    # latest-milestone v1.37, beta milestone v1.35. No GA in CHANGELOG-1.37 (v1.37.0-alpha.1).
    kubelet = _scenario("k8s-1.37").kubelet
    assert K8S_137.secret_pulled_images_gate
    assert (kubelet.ensure_secret_pulled_images, kubelet.verification_policy) == (
        True, "NeverVerifyPreloadedImages")


def test_kubelet_image_pull_defaults_are_unchanged_in_kubernetes_137() -> None:
    # kubernetes/kubelet config/v1beta1/types.go, v0.35.0 and v0.37.0-beta.0: serializeImagePulls
    # true, maxParallelImagePulls nil, registryPullQPS 5, registryBurst 10; no field added.
    assert _scenario("k8s-1.37").kubelet == _scenario("newest").kubelet
    kubelet = _scenario("k8s-1.37").kubelet
    assert (kubelet.serialize_image_pulls, kubelet.max_parallel_image_pulls,
            kubelet.registry_pull_qps, kubelet.registry_burst) == (True, None, 5, 10)


def test_kubelet_137_still_strips_only_the_unknown_code() -> None:
    # kubernetes/cri-client pkg/remote_image.go at v0.37.0-beta.0: pullImageV1 still returns
    # status.Message() for codes.Unknown and the whole status error otherwise.
    assert render_for_kubelet(PullFailure("Unknown", "boom"), K8S_137) == "boom"
    assert render_for_kubelet(PullFailure("NotFound", "gone"), K8S_137) == (
        "rpc error: code = NotFound desc = gone")


def test_kubectl_137_keeps_the_field_path_prefix_of_events() -> None:
    # kubectl pkg/describe/describe.go DescribeEvents is the same at v0.35.0 and v0.37.0-beta.0.
    assert profile_for("k8s-1.37").field_path_prefix
