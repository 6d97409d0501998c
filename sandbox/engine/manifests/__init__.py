"""Kubernetes objects read from a positioned YAML tree, validated the way the API server does.

`load` reads documents into `KubeObject`s; `schema` has the field checks, `podspec` the pod
template, `workload_specs` the Deployments, Jobs and the rest, `secrets` the Secret kinds.
"""

from __future__ import annotations

from .load import (
    NOTHING_TO_RUN,
    STDIN,
    Validate,
    load_manifests,
    read_object,
    validation_directive,
)
from .schema import Report, check_dns_label, check_dns_subdomain

__all__ = [
    "NOTHING_TO_RUN",
    "STDIN",
    "Report",
    "Validate",
    "check_dns_label",
    "check_dns_subdomain",
    "load_manifests",
    "read_object",
    "validation_directive",
]
