"""`resolve_digest`: the sandbox's `crane digest` (tag -> digest at a simulated time)."""

from __future__ import annotations

import pytest

from sandbox.engine.registry import DigestLookupError, resolve_digest
from sandbox.engine.world import (
    Account,
    Image,
    ImageIndex,
    Layer,
    Push,
    Registry,
    Repository,
    Scenario,
    TimelineEntry,
)

BUILD_1 = Image("build-1", (Layer("debian-12", 48_000_000), Layer("app-1", 1_000_000)))
BUILD_2 = Image("build-2", (Layer("debian-12", 48_000_000), Layer("app-2", 1_000_000)))
BUILD_3 = Image("build-3", (Layer("debian-12", 48_000_000), Layer("app-3", 1_000_000)))
NGINX_AMD = Image("1.25-amd64", (Layer("bookworm-slim", 29_000_000), Layer("nginx", 41_000_000)))
NGINX_ARM = Image("1.25-arm64", (Layer("bookworm-slim-arm", 28_000_000),
                                 Layer("nginx-arm", 40_000_000)), architecture="arm64")
NGINX = ImageIndex("1.25.5", (NGINX_AMD, NGINX_ARM))


def hub() -> Registry:
    nginx = Repository("library/nginx", {"1.25.5": NGINX}, {"1.25": "1.25.5", "latest": "1.25.5"})
    tools = Repository("team/tools", {"build-1": BUILD_1}, {"v1": "build-1"})
    return Registry("docker.io", repositories={"library/nginx": nginx, "team/tools": tools})


def company() -> Registry:
    webapp = Repository("webapp", {"build-1": BUILD_1, "build-2": BUILD_2, "build-3": BUILD_3},
                        {"v1": "build-1", "v2": "build-2"})
    return Registry("registry.company.com", private=True,
                    accounts=(Account("myuser", "mypass123"),), repositories={"webapp": webapp})


def world(*timeline: TimelineEntry) -> Scenario:
    return Scenario("test", registries=(company(), hub()), timeline=timeline)


def push(at: float, tag: str, image: str) -> TimelineEntry:
    return TimelineEntry(at, Push("registry.company.com/webapp", tag, image))


def test_tag_resolves_to_the_manifest_digest_of_the_image_it_points_to() -> None:
    lookup = resolve_digest(world(), "registry.company.com/webapp:v2")
    assert lookup.digest == BUILD_2.manifest_digest
    assert lookup.digest.startswith("sha256:") and len(lookup.digest) == 71
    assert lookup.reference == "registry.company.com/webapp:v2"
    assert lookup.pinned == f"registry.company.com/webapp@{BUILD_2.manifest_digest}"
    assert lookup.media_type == "manifest"
    assert lookup.platform_digest is None


def test_private_registry_answers_the_lookup_as_an_authorized_user() -> None:
    # The learner asks from a workstation logged in to the registry, not from a node.
    assert resolve_digest(world(), "registry.company.com/webapp:v1").digest == \
        BUILD_1.manifest_digest


@pytest.mark.parametrize(("at", "expected"), [
    (0.0, BUILD_2),
    (59.9, BUILD_2),
    (60.0, BUILD_3),  # a push at 60 s has happened when asking at 60 s
    (119.0, BUILD_3),
    (120.0, BUILD_1),
    (3600.0, BUILD_1),
])
def test_digest_follows_the_timeline_pushes_made_up_to_the_time_asked(
        at: float, expected: Image) -> None:
    # Listed out of order on purpose: pushes apply in time order.
    scenario = world(push(120, "v2", "build-1"), push(60, "v2", "build-3"))
    assert resolve_digest(scenario, "registry.company.com/webapp:v2", at=at).digest == \
        expected.manifest_digest


def test_tag_created_by_a_push_exists_only_after_the_push() -> None:
    scenario = world(push(30, "v3", "build-3"))
    with pytest.raises(DigestLookupError, match="not found"):
        resolve_digest(scenario, "registry.company.com/webapp:v3", at=29)
    assert resolve_digest(scenario, "registry.company.com/webapp:v3", at=30).digest == \
        BUILD_3.manifest_digest


def test_multi_architecture_tag_resolves_to_the_index_digest() -> None:
    lookup = resolve_digest(world(), "nginx:1.25")
    assert lookup.digest == NGINX.manifest_digest
    assert lookup.digest not in (NGINX_AMD.manifest_digest, NGINX_ARM.manifest_digest)
    assert lookup.media_type == "index"
    assert [(p.architecture, p.digest) for p in lookup.platforms] == [
        ("amd64", NGINX_AMD.manifest_digest), ("arm64", NGINX_ARM.manifest_digest)]
    assert lookup.platform_digest is None


@pytest.mark.parametrize(("architecture", "expected"), [("amd64", NGINX_AMD),
                                                        ("arm64", NGINX_ARM)])
def test_architecture_picks_the_platform_manifest_of_an_index(
        architecture: str, expected: Image) -> None:
    lookup = resolve_digest(world(), "nginx:1.25", architecture=architecture)
    assert lookup.digest == NGINX.manifest_digest  # pinning the index keeps every platform
    assert lookup.platform_digest == expected.manifest_digest


def test_architecture_of_a_single_platform_image_gives_no_platform_digest() -> None:
    lookup = resolve_digest(world(), "registry.company.com/webapp:v1", architecture="arm64")
    assert lookup.digest == BUILD_1.manifest_digest
    assert lookup.platform_digest is None


def test_index_without_the_architecture_is_a_platform_not_found_error() -> None:
    with pytest.raises(DigestLookupError) as caught:
        resolve_digest(world(), "nginx:1.25", architecture="s390x")
    assert "no match for platform in manifest: not found" in str(caught.value)
    assert caught.value.hint is not None and "linux/amd64, linux/arm64" in caught.value.hint


@pytest.mark.parametrize(("image", "pinned"), [
    ("nginx", "nginx@"),  # Docker Hub official image: familiar form, no docker.io/library/
    ("docker.io/library/nginx:1.25", "nginx@"),
    ("index.docker.io/library/nginx:latest", "nginx@"),
    ("team/tools:v1", "team/tools@"),
    ("registry.company.com/webapp:v1", "registry.company.com/webapp@"),
])
def test_pinned_reference_is_in_the_familiar_form_people_paste(image: str, pinned: str) -> None:
    lookup = resolve_digest(world(), image)
    assert lookup.pinned == pinned + lookup.digest


def test_no_tag_means_latest() -> None:
    lookup = resolve_digest(world(), "nginx")
    assert lookup.reference == "docker.io/library/nginx:latest"
    assert lookup.digest == NGINX.manifest_digest


@pytest.mark.parametrize("digest", [NGINX.manifest_digest, NGINX_ARM.manifest_digest])
def test_reference_by_digest_resolves_to_itself_when_the_repository_has_it(digest: str) -> None:
    lookup = resolve_digest(world(), f"nginx:1.25@{digest}")
    assert lookup.digest == digest
    assert lookup.pinned == f"nginx@{digest}"
    assert lookup.reference == f"docker.io/library/nginx@{digest}"


def test_unknown_digest_is_not_found() -> None:
    missing = "sha256:" + "0" * 64
    with pytest.raises(DigestLookupError) as caught:
        resolve_digest(world(), f"nginx@{missing}")
    assert str(caught.value) == f"docker.io/library/nginx@{missing}: not found"


def test_unknown_tag_is_not_found_with_the_known_tags_as_hint() -> None:
    with pytest.raises(DigestLookupError) as caught:
        resolve_digest(world(), "registry.company.com/webapp:v9")
    assert str(caught.value) == "registry.company.com/webapp:v9: not found"
    assert caught.value.hint is not None and "v1, v2" in caught.value.hint


def test_unknown_repository_of_a_registry_is_not_found() -> None:
    with pytest.raises(DigestLookupError) as caught:
        resolve_digest(world(), "registry.company.com/webap:v1")
    assert str(caught.value) == "registry.company.com/webap:v1: not found"
    assert caught.value.hint == 'did you mean "webapp"?'


def test_unknown_docker_hub_repository_answers_like_a_private_one() -> None:
    with pytest.raises(DigestLookupError) as caught:
        resolve_digest(world(), "ngnix:1.25")
    message = str(caught.value)
    assert message.startswith(
        "pull access denied, repository does not exist or may require authorization")
    assert "not found" not in message
    assert caught.value.hint == 'did you mean "nginx"?'


@pytest.mark.parametrize(("image", "expected"), [
    ("registry.example.com/webapp:v1", "dial tcp: lookup registry.example.com: no such host"),
    ("registry.example.com:5000/webapp", "dial tcp: lookup registry.example.com: no such host"),
    ("10.0.0.5:5000/webapp:v1", "dial tcp 10.0.0.5:5000: connect: connection refused"),
])
def test_unknown_registry_host_fails_like_a_host_nobody_answers_on(
        image: str, expected: str) -> None:
    with pytest.raises(DigestLookupError) as caught:
        resolve_digest(world(), image)
    assert str(caught.value).endswith(expected)
    assert str(caught.value).startswith('failed to do request: Head "https://')


def test_registry_host_typo_suggests_the_scenario_host() -> None:
    with pytest.raises(DigestLookupError) as caught:
        resolve_digest(world(), "registry.compnay.com/webapp:v1")
    assert caught.value.hint == 'did you mean "registry.company.com"?'


@pytest.mark.parametrize(("image", "message", "hint"), [
    ("Nginx", "repository name (library/Nginx) must be lowercase", "try `nginx`"),
    ("nginx:", "invalid reference format", None),
    ("", "invalid reference format", None),
    ("nginx@sha256:" + "a" * 63, "invalid checksum digest length", None),
])
def test_invalid_reference_carries_the_parser_message_and_hint(
        image: str, message: str, hint: str | None) -> None:
    with pytest.raises(DigestLookupError) as caught:
        resolve_digest(world(), image)
    assert message in str(caught.value)
    if hint is not None:
        assert caught.value.hint is not None and hint in caught.value.hint


@pytest.mark.parametrize("architecture", ["x86_64", "aarch64", "linux/arm64", ""])
def test_unknown_architecture_is_refused(architecture: str) -> None:
    with pytest.raises(DigestLookupError, match="unknown architecture"):
        resolve_digest(world(), "nginx:1.25", architecture=architecture)


@pytest.mark.parametrize("at", [-1.0, float("nan"), float("inf")])
def test_time_must_be_a_finite_number_not_below_zero(at: float) -> None:
    with pytest.raises(DigestLookupError, match="simulated time"):
        resolve_digest(world(), "nginx", at=at)


def test_scenario_without_docker_hub_cannot_resolve_docker_hub_names() -> None:
    scenario = Scenario("bare", registries=(company(),))
    with pytest.raises(DigestLookupError, match="no such host"):
        resolve_digest(scenario, "nginx")
