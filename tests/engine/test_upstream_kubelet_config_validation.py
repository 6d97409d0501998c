"""The scenario's kubelet section refuses what the kubelet refuses (KUBERNETES.md §12).

Ported from kubernetes: the allowlist patterns of `pkg/kubelet/images/pullmanager/
image_pull_policies_test.go` (TestNewNeverVerifyAllowListedPullPolicy, whose pattern errors are
the ones kubelet config validation reports), the gate and policy rules of
`pkg/kubelet/apis/config/validation` for `imagePullCredentialsVerificationPolicy` and
`preloadedImagesVerificationAllowlist`, and the defaulting of `v1beta1/defaults.go`. Each case is
a scenario file read by `load_scenario`; the error texts are compared whole.
"""

from __future__ import annotations

import textwrap

import pytest

from sandbox.engine import load_scenario
from sandbox.engine.problems import ManifestError, Problem
from sandbox.engine.scenario import VERIFICATION_POLICIES
from sandbox.engine.world import KubeletConfig

PATTERN = "invalid configuration: invalid image pattern in `preloadedImagesVerificationAllowlist`: "
NEEDS_ALLOWLIST_POLICY = (
    "invalid configuration: can't set `preloadedImagesVerificationAllowlist` if "
    "`imagePullCredentialsVerificationPolicy` is not \"NeverVerifyAllowlistedImages\"")
GATE_OFF = ("invalid configuration: `{}` must not be set if KubeletEnsureSecretPulledImages "
            "feature gate is not enabled")


def quoted(value: str) -> str:
    """A YAML single-quoted scalar: the entry exactly as written, spaces and `*` included."""
    return "'" + value.replace("'", "''") + "'"


def kubelet(text: str) -> KubeletConfig:
    return load_scenario(textwrap.dedent(text)).kubelet


def problems(text: str) -> list[Problem]:
    with pytest.raises(ManifestError) as caught:
        load_scenario(textwrap.dedent(text))
    return list(caught.value.problems)


def allowlisted(*entries: str) -> str:
    return f"""\
        kubelet:
          imagePullCredentialsVerificationPolicy: NeverVerifyAllowlistedImages
          preloadedImagesVerificationAllowlist: [{", ".join(quoted(e) for e in entries)}]
        """


# --- TestNewNeverVerifyAllowListedPullPolicy: invalid patterns -----------------------------------

DIGEST = "sha256:38a8906435c4dd5f4258899d46621bfd8eea3ad6ff494ee3c2f17ef0321625bd"


@pytest.mark.parametrize(("entry", "error"), [
    pytest.param("image.repo/pokus*/imagename",
                 "not a valid wildcard pattern, only patterns ending with '/*' are allowed: "
                 "image.repo/pokus*/imagename",
                 id="invalid allowlist pattern - wildcard in the middle"),
    pytest.param("image.repo/pokus*",
                 "not a valid wildcard pattern, only patterns ending with '/*' are allowed: "
                 "image.repo/pokus*",
                 id="invalid allowlist pattern - trailing non-segment wildcard middle"),
    pytest.param("image.repo/*/imagename",
                 "not a valid wildcard pattern, only patterns ending with '/*' are allowed: "
                 "image.repo/*/imagename",
                 id="invalid allowlist pattern - wildcard path segment in the middle"),
    pytest.param("/*", "at least registry hostname is required",
                 id="invalid allowlist pattern - only wildcard segment"),
    pytest.param("image.repo/", "failed to parse as an image name: invalid reference format",
                 id="invalid allowlist pattern - ends with a '/'"),
    pytest.param("", "the supplied pattern is too short: ",
                 id="invalid allowlist pattern - empty"),
    pytest.param("*", "not a valid wildcard pattern, only patterns ending with '/*' are "
                      "allowed: *",
                 id="invalid allowlist pattern - asterisk"),
    pytest.param("test.io/test/image1:tagged",
                 "neither tag nor digest is accepted in an image reference: "
                 "test.io/test/image1:tagged",
                 id="invalid allowlist pattern - image with a tag"),
    pytest.param(f"test.io/test/image1@{DIGEST}",
                 "neither tag nor digest is accepted in an image reference: "
                 f"test.io/test/image1@{DIGEST}",
                 id="invalid allowlist pattern - image with a digest"),
    pytest.param("test.io/test/image1 ",
                 "leading/trailing spaces are not allowed: test.io/test/image1 ",
                 id="invalid allowlist pattern - trailing whitespace"),
    pytest.param("alpine", "neither tag nor digest is accepted in an image reference: alpine",
                 id="a familiar name is not the normalized name it stands for"),
])
def test_invalid_allowlist_patterns_are_refused(entry: str, error: str) -> None:
    [problem] = problems(allowlisted("test.io/test/image1", entry))
    assert problem.message == PATTERN + error
    assert problem.path == "kubelet.preloadedImagesVerificationAllowlist[1]"
    assert problem.line == 3


@pytest.mark.parametrize("entries", [
    pytest.param(("test.io/test/image1", "test.io/test/image2", "test.io/test/image3"),
                 id="absolute names"),
    pytest.param(("test.io/test/image1", "test.io/test/image3", "test.io/test/image2",
                  "test.io/test/image3"), id="a repeated name"),
    pytest.param(("test.io/test/image1", "test.io/test/image2", "different.repo/test/*"),
                 id="different repo wildcard"),
    pytest.param(("test.io/test/image1", "test.io/test/image2", "test.io/test/*"),
                 id="org wildcard"),
    pytest.param(("test.io/test/image1", "test.io/test/image2", "test.io/*"),
                 id="repo wildcard"),
    pytest.param(("docker.io/library/alpine",), id="a Docker Hub name written in full"),
])
def test_valid_allowlists_are_kept_as_written(entries: tuple[str, ...]) -> None:
    config = kubelet(allowlisted(*entries))
    assert config.verification_policy == "NeverVerifyAllowlistedImages"
    assert config.preloaded_images_verification_allowlist == entries


def test_every_bad_entry_is_reported_at_once() -> None:
    found = problems(allowlisted("*", "test.io/ok", "x:1"))
    assert [p.path for p in found] == [
        "kubelet.preloadedImagesVerificationAllowlist[0]",
        "kubelet.preloadedImagesVerificationAllowlist[2]"]


# --- validation: policy, allowlist and the feature gate ------------------------------------------


@pytest.mark.parametrize("policy", VERIFICATION_POLICIES)
def test_each_known_policy_is_accepted(policy: str) -> None:
    assert kubelet(f"kubelet: {{imagePullCredentialsVerificationPolicy: {policy}}}\n"
                   ).verification_policy == policy


def test_an_unknown_policy_is_refused_with_the_valid_options() -> None:
    [problem] = problems("kubelet: {imagePullCredentialsVerificationPolicy: VerifyAll}\n")
    assert problem.message == (
        'invalid configuration: option "VerifyAll" specified for '
        'imagePullCredentialsVerificationPolicy. Valid options are "NeverVerify", '
        '"NeverVerifyPreloadedImages", "NeverVerifyAllowlistedImages", "AlwaysVerify"')
    assert problem.path == "kubelet.imagePullCredentialsVerificationPolicy"


@pytest.mark.parametrize("policy", ["NeverVerify", "NeverVerifyPreloadedImages", "AlwaysVerify",
                                    None])
def test_an_allowlist_needs_the_allowlist_policy(policy: str | None) -> None:
    line = f"  imagePullCredentialsVerificationPolicy: {policy}\n" if policy else ""
    [problem] = problems(f"kubelet:\n{line}  preloadedImagesVerificationAllowlist: [test.io/*]\n")
    assert problem.message == NEEDS_ALLOWLIST_POLICY
    assert problem.path == "kubelet.preloadedImagesVerificationAllowlist"


def test_an_empty_allowlist_is_fine_with_any_policy() -> None:
    config = kubelet("""\
        kubelet:
          imagePullCredentialsVerificationPolicy: AlwaysVerify
          preloadedImagesVerificationAllowlist: []
        """)
    assert (config.verification_policy, config.preloaded_images_verification_allowlist) == \
        ("AlwaysVerify", ())


@pytest.mark.parametrize(("setting", "field"), [
    ("imagePullCredentialsVerificationPolicy: AlwaysVerify",
     "imagePullCredentialsVerificationPolicy"),
    ("preloadedImagesVerificationAllowlist: [test.io/*]", "preloadedImagesVerificationAllowlist"),
])
def test_the_settings_need_the_feature_gate(setting: str, field: str) -> None:
    [problem] = problems(f"""\
        kubelet:
          featureGates: {{KubeletEnsureSecretPulledImages: false}}
          {setting}
        """)
    assert problem.message == GATE_OFF.format(field)
    assert problem.path == f"kubelet.{field}"


def test_the_classic_profile_has_the_gate_off_so_the_settings_are_refused() -> None:
    # The gate is off by default before 1.35 (the classic and current profiles).
    [problem] = problems("""\
        profile: classic
        kubelet: {imagePullCredentialsVerificationPolicy: NeverVerify}
        """)
    assert problem.message == GATE_OFF.format("imagePullCredentialsVerificationPolicy")


# --- defaulting (v1beta1/defaults.go) ------------------------------------------------------------


@pytest.mark.parametrize(("text", "gate", "policy"), [
    pytest.param("kubelet: {}\n", True, "NeverVerifyPreloadedImages",
                 id="gate on by default: empty policy defaults to NeverVerifyPreloadedImages"),
    pytest.param("kubelet: {featureGates: {KubeletEnsureSecretPulledImages: true}}\n"
                 "profile: classic\n", True, "NeverVerifyPreloadedImages",
                 id="gate turned on: the same default"),
    pytest.param("kubelet: {featureGates: {KubeletEnsureSecretPulledImages: false}}\n",
                 False, "NeverVerify", id="gate off: nothing is verified"),
])
def test_the_policy_defaults_with_the_gate(text: str, gate: bool, policy: str) -> None:
    config = kubelet(text)
    assert (config.ensure_secret_pulled_images, config.verification_policy) == (gate, policy)
