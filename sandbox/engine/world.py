"""The simulated world a manifest lands in: registries, images, nodes and kubelet settings.

`load_scenario` builds these from YAML; the simulator reads them and never mutates them (tag
moves during an evaluation are tracked in the simulator's own state). The digests of layers and
images are worked out once, when first asked for, and kept on the object (`cached_property`);
they are left out of a pickle (`_Digests`), so a scenario pickles to the same bytes before and
after an evaluation read them, and the run cache's key of it (`sandbox.run_cache`) holds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from .objects import KubeObject


def content_digest(kind: str, content: Any) -> str:
    """A real `sha256:` digest of canonical JSON, so equal content always has the same digest."""
    canonical = json.dumps([kind, content], sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


_CACHED_NAMES: dict[type, frozenset[str]] = {}


def _cached_names(klass: type) -> frozenset[str]:
    names = _CACHED_NAMES.get(klass)
    if names is None:
        names = _CACHED_NAMES[klass] = frozenset(
            name for base in klass.__mro__ for name, value in vars(base).items()
            if isinstance(value, cached_property))
    return names


class _Digests:
    """Pickled without the values its cached properties have worked out (made again on use)."""

    def __getstate__(self) -> dict[str, Any]:
        cached = _cached_names(type(self))
        return {name: value for name, value in self.__dict__.items() if name not in cached}


@dataclass(frozen=True)
class Layer(_Digests):
    """A filesystem layer: `label` names its content, the digest is derived from it."""

    label: str
    size: int  # compressed bytes, as downloaded

    @cached_property
    def digest(self) -> str:
        return content_digest("layer", self.label)


@dataclass(frozen=True)
class Image(_Digests):
    """A single-platform image (one manifest, one config, a stack of layers)."""

    id: str  # the scenario's name for it (`build-1`, `1.25`)
    layers: tuple[Layer, ...]
    architecture: str = "amd64"
    os: str = "linux"

    @cached_property
    def config_digest(self) -> str:
        """The image ID the runtime reports (`sha256:` of the config)."""
        return content_digest(
            "config", {"arch": self.architecture, "os": self.os,
                       "layers": [layer.digest for layer in self.layers]}
        )

    @cached_property
    def manifest_digest(self) -> str:
        """The digest a reference `name@sha256:…` pins."""
        return content_digest(
            "manifest", {"config": self.config_digest,
                         "layers": [[layer.digest, layer.size] for layer in self.layers]}
        )

    @cached_property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)


@dataclass(frozen=True)
class ImageIndex(_Digests):
    """A multi-architecture image: a list of per-platform manifests."""

    id: str
    manifests: tuple[Image, ...]

    @cached_property
    def manifest_digest(self) -> str:
        return content_digest("index", [m.manifest_digest for m in self.manifests])

    def for_platform(self, architecture: str, os: str = "linux") -> Image | None:
        for image in self.manifests:
            if image.architecture == architecture and image.os == os:
                return image
        return None


@dataclass(frozen=True)
class Repository:
    """A repository of a registry: its images by scenario id and tags pointing at them."""

    path: str  # e.g. `library/nginx`, `webapp`
    images: dict[str, Image | ImageIndex] = field(default_factory=dict, hash=False)
    tags: dict[str, str] = field(default_factory=dict, hash=False)  # tag -> image id
    private: bool | None = None  # None: as the registry


@dataclass(frozen=True)
class Account:
    username: str
    password: str = field(repr=False)


RegistryFlavour = Literal["distribution", "ghcr"]
REGISTRY_FLAVOURS: tuple[RegistryFlavour, ...] = ("distribution", "ghcr")


@dataclass(frozen=True)
class Registry:
    host: str  # as in a normalized reference: `docker.io`, `registry.company.com:5000`
    private: bool = False
    accounts: tuple[Account, ...] = ()
    bandwidth: int = 50_000_000  # bytes per second
    latency: float = 0.05  # seconds per request
    # Bearer token (Docker Hub, Harbor, ghcr) or Basic (plain registry:2 with htpasswd).
    auth: Literal["bearer", "basic"] = "bearer"
    repositories: dict[str, Repository] = field(default_factory=dict, hash=False)
    rate_limited: bool = False  # answers manifest GETs with 429 toomanyrequests
    # How its token service refuses a pull: `distribution` (Docker Hub, Harbor) hands out a
    # token without pull access, `ghcr` answers 403 Forbidden. None: by host (RUNTIME.md §3-§4).
    flavour: RegistryFlavour | None = None

    def repository(self, path: str) -> Repository | None:
        return self.repositories.get(path)

    @property
    def behaves_as(self) -> RegistryFlavour:
        if self.flavour is not None:
            return self.flavour
        return "ghcr" if self.host == "ghcr.io" else "distribution"


@dataclass(frozen=True)
class Taint:
    key: str
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = "NoSchedule"


@dataclass(frozen=True)
class NodeImage:
    """An image already in a node's store under a reference (possibly an older build)."""

    ref: str  # normalized reference with tag or digest, e.g. docker.io/library/nginx:1.25
    image: Image
    # The repo digest the node recorded: the index's when the image came from a multi-arch
    # index (what a pull of the same tag reports as image ID), else the image's own manifest.
    digest: str | None = None

    @property
    def repo_digest(self) -> str:
        return self.digest or self.image.manifest_digest


@dataclass(frozen=True)
class NodeFaults:
    """Failures a scenario injects into a node's container runtime, as the kubelet sees them."""

    # The error every CRI ImageStatus call returns, as the kubelet receives it (the gRPC status
    # text, `rpc error: code = … desc = …`: the CRI client passes it through unchanged).
    image_status: str | None = None


ProviderCacheKeyType = Literal["Image", "Registry", "Global"]
TokenCacheType = Literal["ServiceAccount", "Token"]


@dataclass(frozen=True)
class TokenAttributes:
    """A provider's `tokenAttributes` (KEP-4412): the plugin is sent a service-account token."""

    service_account_token_audience: str
    require_service_account: bool
    cache_type: TokenCacheType
    required_annotation_keys: tuple[str, ...] = ()
    optional_annotation_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class PluginAnswer:
    """What a credential provider plugin answers: the scenario's fake of the real binary.

    `auth` maps a registry key (a glob like the config's matchImages) to an account; `error` is
    what the plugin writes on stderr when it exits with status 1 (then `auth` is not read).
    """

    cache_key_type: ProviderCacheKeyType = "Registry"
    cache_duration: float | None = None  # seconds; None: the provider's defaultCacheDuration
    auth: tuple[tuple[str, Account], ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class CredentialProvider:
    """One entry of a node's CredentialProviderConfig, and what its plugin answers."""

    name: str
    match_images: tuple[str, ...]
    default_cache_duration: float  # seconds
    api_version: str = "credentialprovider.kubelet.k8s.io/v1"
    token_attributes: TokenAttributes | None = None
    answer: PluginAnswer = PluginAnswer()


@dataclass(frozen=True)
class Node:
    name: str
    architecture: str = "amd64"
    os: str = "linux"
    labels: tuple[tuple[str, str], ...] = ()
    taints: tuple[Taint, ...] = ()
    images: tuple[NodeImage, ...] = ()
    unreachable: tuple[str, ...] = ()  # registry hosts this node cannot reach
    # Node-wide docker config (`auths` map), as the kubelet's config.json would hold it.
    credentials: dict[str, Any] = field(default_factory=dict, hash=False, repr=False)
    faults: NodeFaults = NodeFaults()
    # The kubelet's CredentialProviderConfig (--image-credential-provider-config), in order.
    credential_providers: tuple[CredentialProvider, ...] = ()

    def all_labels(self) -> dict[str, str]:
        """The node's labels plus the well-known ones the kubelet sets."""
        labels = {
            "kubernetes.io/hostname": self.name,
            "kubernetes.io/arch": self.architecture,
            "kubernetes.io/os": self.os,
        }
        labels.update(dict(self.labels))
        return labels


VERIFICATION_POLICIES = (
    "NeverVerify",
    "NeverVerifyPreloadedImages",
    "NeverVerifyAllowlistedImages",
    "AlwaysVerify",
)


@dataclass(frozen=True)
class KubeletConfig:
    serialize_image_pulls: bool = True
    max_parallel_image_pulls: int | None = None
    backoff_initial: float = 10.0
    backoff_max: float = 300.0
    # KubeletEnsureSecretPulledImages: beta and on by default since 1.35 (KUBERNETES.md §12).
    ensure_secret_pulled_images: bool = True
    verification_policy: str = "NeverVerifyPreloadedImages"
    preloaded_images_verification_allowlist: tuple[str, ...] = ()
    # registryPullQPS / registryBurst (§10): a token bucket in front of the runtime's pulls;
    # 0 QPS means unlimited.
    registry_pull_qps: int = 5
    registry_burst: int = 10
    # KubeletServiceAccountTokenForCredentialProviders (KEP-4412): beta and on since 1.34.
    service_account_token_for_credential_providers: bool = True


@dataclass(frozen=True)
class Push:
    """A timeline action: point `tag` of `repository` at `image` (an image id of that repo)."""

    repository: str  # host/path, e.g. registry.company.com/webapp
    tag: str
    image: str


@dataclass(frozen=True)
class TimelineEntry:
    at: float  # simulated seconds
    push: Push | None = None


SettingValue = bool | str | None  # a learner setting's value; None: not set (the default)


@dataclass(frozen=True)
class LearnerSetting:
    """A kubelet or admission setting the scenario lets a learner change (`learnerSettings:`)."""

    path: str  # as written in the scenario, e.g. kubelet.imagePullCredentialsVerificationPolicy
    values: tuple[SettingValue, ...]  # what a learner may pick, None meaning "not set"
    written: SettingValue = None  # what the scenario file sets; None when it does not
    in_force: SettingValue = None  # what the cluster runs with (a default when not set)


@dataclass(frozen=True)
class Scenario:
    name: str = "Default cluster"
    description: str = ""
    nodes: tuple[Node, ...] = (Node("node-1"), Node("node-2"))
    registries: tuple[Registry, ...] = ()  # Docker Hub is added by load_scenario
    timeline: tuple[TimelineEntry, ...] = ()
    objects: tuple[KubeObject, ...] = ()
    kubelet: KubeletConfig = KubeletConfig()
    always_pull_images: bool = False  # the AlwaysPullImages admission plugin (§11)
    horizon: float = 300.0  # how many simulated seconds to run
    profile: str = "newest"  # the runtime wording profile of RUNTIME.md §12
    learner_settings: tuple[LearnerSetting, ...] = ()  # docs/scenarios.md, `learnerSettings:`

    def registry(self, host: str) -> Registry | None:
        for registry in self.registries:
            if registry.host == host:
                return registry
        return None
