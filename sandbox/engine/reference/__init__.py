"""Image references, parsed and normalized as distribution/reference and the kubelet do.

`grammar` is the reference grammar, `parse` the normalizing parser and the pull-policy default,
`hints` explains in plain words why a reference is invalid.
"""

from __future__ import annotations

from .grammar import DOCKER_HUB, InvalidReference
from .parse import (
    ImageReference,
    apply_default_tag,
    default_pull_policy,
    default_pull_policy_reason,
    docker_ref,
    go_quote,
    image_locality_name,
    parse_image_name,
    parse_reference,
    parse_unnormalized,
)

__all__ = [
    "DOCKER_HUB",
    "ImageReference",
    "InvalidReference",
    "apply_default_tag",
    "default_pull_policy",
    "default_pull_policy_reason",
    "docker_ref",
    "go_quote",
    "image_locality_name",
    "parse_image_name",
    "parse_reference",
    "parse_unnormalized",
]
