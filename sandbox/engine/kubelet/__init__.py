"""Each node's kubelet, named after upstream's `pkg/kubelet/images` and pod workers.

`image_manager` decides per container (pull policy, present on the node, KEP-2535 pull records),
`puller` runs a pull against the registry, `pod_worker` syncs a pod, `pod_state` is what they
share, `backoff` and `crashloop` the two back-offs, `node_runtime` a node's image and layer store.
"""

from __future__ import annotations

from .backoff import Backoff
from .crashloop import CrashBackoff
from .image_manager import (
    ImageResult,
    Kubelet,
    PodContext,
    PodSecret,
    PullOutcome,
    credential_hash,
    default_secret_uid,
    effective_policy,
    may_use_cached,
    record_for,
    remember_secret,
    requires_verification,
    secret_uid,
)
from .node_runtime import NodeRuntime, PullRecord
from .pod_state import ContainerRun, Context, PodRun
from .pod_worker import INIT_RUN_SECONDS, RESYNC_SECONDS, PodWorker
from .puller import QPS_EXCEEDED, UNPACK_BYTES_PER_SECOND

__all__ = [
    "Backoff",
    "ContainerRun",
    "Context",
    "CrashBackoff",
    "INIT_RUN_SECONDS",
    "ImageResult",
    "Kubelet",
    "NodeRuntime",
    "PodContext",
    "PodRun",
    "PodSecret",
    "PodWorker",
    "PullOutcome",
    "PullRecord",
    "QPS_EXCEEDED",
    "RESYNC_SECONDS",
    "UNPACK_BYTES_PER_SECOND",
    "credential_hash",
    "default_secret_uid",
    "effective_policy",
    "may_use_cached",
    "record_for",
    "remember_secret",
    "requires_verification",
    "secret_uid",
]
