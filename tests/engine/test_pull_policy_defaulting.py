"""The API server's imagePullPolicy default (KUBERNETES.md §2): only the tag `latest` means Always.

Cases follow kubernetes `pkg/apis/core/v1/defaults.go` `SetDefaults_Container` and its tests
(an init container with image `busybox` defaults to Always; an empty image to IfNotPresent).
"""

from __future__ import annotations

import pytest

from sandbox.engine.reference import (
    InvalidReference,
    default_pull_policy,
    default_pull_policy_reason,
)

DIGEST = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(
    "image",
    [
        "busybox",
        "nginx",
        "root",
        "user/repo",
        "localhost:5000/app",
        "url:5000/repo",
        "docker.io/library/nginx",
        "nginx:latest",
        "ghcr.io/org/app:latest",
        f"nginx:latest@{DIGEST}",
        f"url:5000/repo:latest@{DIGEST}",
    ],
)
def test_tag_latest_written_or_implied_defaults_to_always(image: str) -> None:
    assert default_pull_policy(image) == "Always"


@pytest.mark.parametrize(
    "image",
    [
        "nginx:1.25",
        "ghcr.io/org/app:v2",
        "test.com:5000",
        "localhost:5000",
        "nginx:LATEST",
        "nginx:Latest",
        "nginx:latest-alpine",
        f"nginx@{DIGEST}",
        f"nginx:1.25@{DIGEST}",
    ],
)
def test_any_other_tag_or_a_digest_alone_defaults_to_if_not_present(image: str) -> None:
    assert default_pull_policy(image) == "IfNotPresent"


@pytest.mark.parametrize(
    "image",
    [
        "",
        "FAILED_IMAGE",
        "Nginx",
        "ROOT",
        "http://root",
        "nginx:",
        " nginx",
        "nginx\x00",
        "myapp@sha256:abc123",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "a" * 248,
    ],
)
def test_unparseable_image_has_no_tag_so_defaults_to_if_not_present(image: str) -> None:
    assert default_pull_policy(image) == "IfNotPresent"


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("nginx", "no tag and no digest, so the tag is latest: defaulted to Always"),
        ("nginx:latest", "the tag is latest: defaulted to Always"),
        (
            f"nginx:latest@{DIGEST}",
            "the tag is latest (the digest is not looked at): defaulted to Always",
        ),
        ("nginx:1.25", "the tag is 1.25, not latest: defaulted to IfNotPresent"),
        (
            f"nginx:1.25@{DIGEST}",
            "the tag is 1.25, not latest (the digest is not looked at): defaulted to IfNotPresent",
        ),
        (f"nginx@{DIGEST}", "pinned by digest with no tag: defaulted to IfNotPresent"),
        (
            "nginx:LATEST",
            "the tag is LATEST, not latest (the comparison is case-sensitive): "
            "defaulted to IfNotPresent",
        ),
        ("Nginx", "the image does not parse, so it has no tag: defaulted to IfNotPresent"),
        ("", "the image does not parse, so it has no tag: defaulted to IfNotPresent"),
    ],
)
def test_reason_names_the_rule_that_chose_the_policy(image: str, reason: str) -> None:
    assert default_pull_policy_reason(image) == reason


@pytest.mark.parametrize(
    "image", ["nginx", "nginx:1.25", f"nginx:latest@{DIGEST}", f"nginx@{DIGEST}", "Nginx", ""]
)
def test_reason_always_ends_with_the_policy_it_explains(image: str) -> None:
    assert default_pull_policy_reason(image).endswith(default_pull_policy(image))


@pytest.mark.parametrize("value", [None, 5, b"nginx"])
def test_non_string_image_is_an_invalid_reference(value: object) -> None:
    with pytest.raises(InvalidReference):
        default_pull_policy(value)  # type: ignore[arg-type]
    with pytest.raises(InvalidReference):
        default_pull_policy_reason(value)  # type: ignore[arg-type]
