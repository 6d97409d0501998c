"""A node during one evaluation: its image store, pull records and image puller."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..credentials import PluginProvider, ServiceAccountRef
from ..reference import ImageReference, parse_reference
from ..world import Image, KubeletConfig, Node


def store_key(ref: ImageReference) -> str:
    """How the runtime's image store names an image: by digest when pinned, else by tag."""
    if ref.digest:
        return f"{ref.name}@{ref.digest}"
    return f"{ref.name}:{ref.tag or 'latest'}"


@dataclass(frozen=True)
class PullRecord:
    """Who pulled an image onto the node (KEP-2535's pulled records, §12)."""

    node_wide: bool = False  # anonymous or node credentials: every pod may use it
    secret: tuple[str, str] | None = None  # (namespace, name) of the secret that worked
    uid: str = ""  # that secret's metadata.uid: a recreated secret is another secret
    credential: str | None = None  # a hash of the credential, for rotation and sharing
    # The pod's service account, when a credential provider plugin pulled with its token.
    service_account: ServiceAccountRef | None = None

    def same_holder(self, other: PullRecord) -> bool:
        """Do both vouch for the same secret (namespace, name, UID) or service account?"""
        if self.secret is not None:
            return self.secret == other.secret and self.uid == other.uid
        return self.service_account is not None and self.service_account == other.service_account


@dataclass
class PullJob:
    """A request waiting for (or holding) a puller slot on the node."""

    requested: float
    payload: Any


@dataclass
class NodeRuntime:
    node: Node
    config: KubeletConfig
    images: dict[str, Image] = field(default_factory=dict)  # store key -> image
    repo_digests: dict[str, str] = field(default_factory=dict)  # store key -> name@digest
    layers: set[str] = field(default_factory=set)
    records: dict[str, list[PullRecord]] = field(default_factory=dict)  # image ID (name@digest) ->
    # Image IDs (name@digest) the kubelet pulled itself; the others were preloaded (§12).
    pulled: set[str] = field(default_factory=set)
    active: int = 0
    queue: deque[PullJob] = field(default_factory=deque)
    tokens: float = -1.0  # registryBurst token bucket; -1 until first used (then full)
    tokens_at: float = 0.0
    # The plugins of the node's CredentialProviderConfig, each with its in-memory cache.
    credential_providers: tuple[PluginProvider, ...] = ()

    @classmethod
    def start(cls, node: Node, config: KubeletConfig) -> NodeRuntime:
        runtime = cls(node, config, credential_providers=tuple(
            PluginProvider(provider, config.service_account_token_for_credential_providers)
            for provider in node.credential_providers))
        for preloaded in node.images:
            ref = parse_reference(preloaded.ref)
            runtime.add_image(ref, preloaded.image, preloaded.repo_digest,
                              pulled=False)
        return runtime

    def add_image(self, ref: ImageReference, image: Image, digest: str, *,
                  pulled: bool = True) -> None:
        """Store an image under `ref` and its digest; `pulled=False` for preloaded images."""
        self.images[store_key(ref)] = image
        by_digest = f"{ref.name}@{digest}"
        self.images[by_digest] = image
        self.repo_digests[store_key(ref)] = by_digest
        self.repo_digests[by_digest] = by_digest
        self.layers.update(layer.digest for layer in image.layers)
        if pulled:
            self.pulled.add(by_digest)

    def remember(self, image_id: str, record: PullRecord) -> None:
        """Merge what a successful pull proved into the image's records (upstream
        pulledRecordMergeNewCreds): node-wide access replaces everything and stays; a secret or
        service account already recorded is updated in place (the newest hash wins)."""
        records = self.records.setdefault(image_id, [])
        if any(old.node_wide for old in records):
            return
        if record.node_wide:
            records[:] = [record]
            return
        for index, old in enumerate(records):
            if old.same_holder(record):
                records[index] = record
                return
        records.append(record)

    def lookup(self, ref: ImageReference) -> Image | None:
        return self.images.get(store_key(ref))

    def image_id(self, ref: ImageReference) -> str | None:
        return self.repo_digests.get(store_key(ref))

    def pulled_by_kubelet(self, ref: ImageReference) -> bool:
        """Did the kubelet pull the image `ref` names now (not another image of its repository)?"""
        return self.image_id(ref) in self.pulled

    @property
    def slots(self) -> int | None:
        """How many pulls may run at once (None: unlimited), per §10."""
        if self.config.serialize_image_pulls:
            return 1
        return self.config.max_parallel_image_pulls

    def try_accept_pull(self, now: float) -> bool:
        """client-go's token bucket (registryPullQPS, registryBurst) in front of PullImage.

        The bucket starts full and refills at QPS tokens per second; a pull that finds it empty
        fails at once (it does not wait). QPS 0 means no limit (KUBERNETES.md §10).
        """
        qps, burst = self.config.registry_pull_qps, self.config.registry_burst
        if qps <= 0:
            return True
        if self.tokens < 0:
            self.tokens, self.tokens_at = float(burst), now
        self.tokens = min(float(burst), self.tokens + (now - self.tokens_at) * qps)
        self.tokens_at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def can_start(self) -> bool:
        return self.slots is None or self.active < self.slots
