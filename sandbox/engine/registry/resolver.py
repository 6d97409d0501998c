"""How a simulated registry answers one pull: resolve the reference, authorize, pick the platform.

The answers are the ones a real registry gives and containerd reports (RUNTIME.md §2–§8): a
missing tag is `not found`, a missing Docker Hub repository looks private, wrong credentials fail
at the token endpoint, and so on. The error texts themselves are built in `runtime`.

containerd resolves a tag with a HEAD on the manifest (GET only when HEAD is refused with 405 or
lacks a digest: `core/remotes/docker/resolver.go`, `Resolve` and `retryRequest`) and then fetches
only what its content store lacks: `remotes.Fetch` opens a content writer, which fails with
`ErrAlreadyExists` for a stored digest, and `FetchHandler` takes that as done
(`core/remotes/handlers.go`, `plugins/content/local/store.go`). Docker Hub counts manifest GETs
against its pull rate limit, not HEADs (RUNTIME.md §6), so an unchanged cached image re-pulled
under the limit succeeds without touching it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

from .. import runtime
from ..credentials import Credential, password_matches
from ..reference import ImageReference
from ..trace import Exchange
from ..world import Image, ImageIndex, Node, Registry, Repository

DOCKER_HUB = "docker.io"
# ghcr.io's token endpoint refuses an anonymous request for a private or missing package, and a
# wrong token, with this status (RUNTIME.md §3, §4; 401 has also been seen anonymously).
GHCR_TOKEN_REFUSED = "403 Forbidden"


@dataclass(frozen=True)
class Resolution:
    """What a registry answered for one reference on one node."""

    image: Image | None = None  # the platform image to download
    digest: str | None = None  # the manifest (or index) digest the reference resolved to
    failure: runtime.PullFailure | None = None
    username: str | None = None  # the credential that was accepted
    credential: int | None = None  # its index in the credentials tried
    tried: tuple[str, ...] = ()  # usernames tried, in order
    requests: int = 0  # round-trips spent before the layers
    exchanges: tuple[Exchange, ...] = field(default=())
    stored: bool = False  # the node already held the resolved manifest: nothing was fetched


@dataclass
class RegistryState:
    """The registries during one evaluation: tags move as the timeline pushes."""

    registries: dict[str, Registry]
    profile: runtime.RuntimeProfile = runtime.DEFAULT_PROFILE
    moved: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (host, path, tag)->id
    # The key a stored cluster fingerprints passwords with (credentials/fingerprint.py).
    fingerprint_key: bytes | None = None

    def tag_target(self, registry: Registry, repo: Repository, tag: str) -> str | None:
        return self.moved.get((registry.host, repo.path, tag), repo.tags.get(tag))

    def push(self, host: str, path: str, tag: str, image_id: str) -> None:
        self.moved[(host, path, tag)] = image_id


def _manifest_path(ref: ImageReference) -> str:
    return f"/v2/{ref.path}/manifests/{ref.digest or ref.tag or 'latest'}"


def _find_by_digest(repo: Repository, digest: str) -> Image | ImageIndex | None:
    for candidate in repo.images.values():
        if candidate.manifest_digest == digest:
            return candidate
        if isinstance(candidate, ImageIndex):
            for child in candidate.manifests:
                if child.manifest_digest == digest:
                    return child
    return None


def _is_private(registry: Registry, repo: Repository | None) -> bool:
    if repo is not None and repo.private is not None:
        return repo.private
    return registry.private


class _Resolver:
    """One resolution: collects the exchange as it goes."""

    def __init__(self, state: RegistryState, ref: ImageReference, node: Node,
                 stored: Collection[str]) -> None:
        self.state = state
        self.ref = ref
        self.node = node
        self.stored = stored
        self.exchanges: list[Exchange] = []
        self.requests = 0

    def ask(self, request: str, response: str, actor: str = "registry") -> None:
        self.exchanges.append(Exchange(request, response, actor))
        self.requests += 1

    def fail(self, failure: runtime.PullFailure, tried: tuple[str, ...] = ()) -> Resolution:
        return Resolution(failure=failure, tried=tried, requests=self.requests,
                          exchanges=tuple(self.exchanges))

    def resolve(self, credentials: list[Credential]) -> Resolution:
        ref = self.ref
        registry = self.state.registries.get(ref.domain)
        if registry is None or ref.domain in self.node.unreachable:
            kind: runtime.UnreachableKind = "dns" if registry is None else "timeout"
            self.ask(f"HEAD https://{ref.domain}{_manifest_path(ref)}",
                     "no such host" if kind == "dns" else "i/o timeout")
            return self.fail(runtime.registry_unreachable(ref, kind, profile=self.state.profile))
        repo = registry.repository(ref.path)
        tried = tuple(c.username for c in credentials)
        accepted = self.authorize(registry, repo, credentials)
        if isinstance(accepted, runtime.PullFailure):
            return self.fail(accepted, tried)
        assert repo is not None  # authorize() refuses a missing repository
        if accepted is not None:
            tried = tried[:accepted + 1]  # the ones after the accepted credential never ran
        resolution = self.find_manifest(
            registry, repo, credentials[accepted].username if accepted is not None else None,
            tried)
        return replace(resolution, credential=accepted) if resolution.image else resolution

    def authorize(
        self, registry: Registry, repo: Repository | None, credentials: list[Credential]
    ) -> int | None | runtime.PullFailure:
        """The index of the credential accepted (None: anonymous), or why access was refused."""
        ref = self.ref
        key = self.state.fingerprint_key
        refused = GHCR_TOKEN_REFUSED if registry.behaves_as == "ghcr" else "401 Unauthorized"
        self.ask(f"HEAD {_manifest_path(ref)}", f"401 Unauthorized ({registry.auth} challenge)")
        if credentials:
            errors: list[runtime.PullFailure] = []
            for index, cred in enumerate(credentials):
                scope = f"repository:{ref.path}:pull"
                valid = repo is not None and any(
                    a.username == cred.username and password_matches(cred.password, a.password, key)
                    for a in registry.accounts)
                if registry.auth == "basic":  # credentials ride on the request itself
                    self.ask(f"HEAD {_manifest_path(ref)} (Basic {cred.username})",
                             "200 OK" if valid else "401 Unauthorized")
                else:
                    self.ask(f"GET token?scope={scope} as {cred.username}",
                             "200 OK (token)" if valid else refused, actor="auth")
                if valid:
                    return index
                errors.append(runtime.wrong_credentials(ref, registry, self.state.profile,
                                                        token_status=refused))
            return runtime.aggregate_failures(errors)
        if repo is None or _is_private(registry, repo):
            if registry.auth == "basic":
                return runtime.access_denied_basic(ref, self.state.profile)
            if registry.behaves_as == "ghcr":  # the token endpoint itself says no
                self.ask(f"GET token?scope=repository:{ref.path}:pull (anonymous)",
                         GHCR_TOKEN_REFUSED, actor="auth")
                return runtime.anonymous_token_refused(ref, GHCR_TOKEN_REFUSED,
                                                       profile=self.state.profile)
            self.ask(f"GET token?scope=repository:{ref.path}:pull (anonymous)",
                     "200 OK (token without pull access)", actor="auth")
            self.ask(f"HEAD {_manifest_path(ref)} (anonymous token)", "401 insufficient_scope")
            return runtime.access_denied_bearer(ref, profile=self.state.profile)
        if registry.auth == "bearer":
            self.ask(f"GET token?scope=repository:{ref.path}:pull (anonymous)", "200 OK (token)",
                     actor="auth")
        return None

    def find_manifest(
        self, registry: Registry, repo: Repository, username: str | None, tried: tuple[str, ...]
    ) -> Resolution:
        ref = self.ref
        target: Image | ImageIndex | None
        if ref.digest:
            target = _find_by_digest(repo, ref.digest)
        else:
            image_id = self.state.tag_target(registry, repo, ref.tag or "latest")
            target = repo.images.get(image_id) if image_id is not None else None
        if target is None:
            self.ask(f"HEAD {_manifest_path(ref)}", "404 Not Found")
            not_found = runtime.digest_not_found if ref.digest else runtime.tag_not_found
            return self.fail(not_found(ref, self.state.profile), tried)
        self.ask(f"HEAD {_manifest_path(ref)}", f"200 OK ({target.manifest_digest[:19]}…)")
        image: Image | None
        if isinstance(target, ImageIndex):
            failure = self.fetch(registry, target.manifest_digest, "index", username)
            if failure is not None:
                return self.fail(failure, tried)
            image = target.for_platform(self.node.architecture, self.node.os)
            if image is None:
                failure = runtime.no_platform_match(ref, target.manifest_digest,
                                                    self.state.profile)
                return self.fail(failure, tried)
        else:
            image = target
        failure = self.fetch(registry, image.manifest_digest, "manifest", username)
        if failure is not None:
            return self.fail(failure, tried)
        if image.config_digest not in self.stored:  # blob GETs are not rate limited
            self.ask(f"GET /v2/{ref.path}/blobs/{image.config_digest}", "200 OK (config)")
        return Resolution(image=image, digest=target.manifest_digest, username=username,
                          tried=tried, requests=self.requests, exchanges=tuple(self.exchanges),
                          stored=target.manifest_digest in self.stored)

    def fetch(self, registry: Registry, digest: str, what: str,
              username: str | None) -> runtime.PullFailure | None:
        """GET a manifest (or index) by digest unless the node's content store has it."""
        if digest in self.stored:
            return None
        request = f"GET /v2/{self.ref.path}/manifests/{digest}"
        if registry.rate_limited:  # Docker Hub counts manifest GETs, not HEADs
            self.ask(request, "429 Too Many Requests")
            return runtime.rate_limited(self.ref, digest, authenticated=bool(username),
                                        profile=self.state.profile)
        self.ask(request, f"200 OK ({what})")
        return None


def resolve(
    state: RegistryState, ref: ImageReference, node: Node, credentials: list[Credential],
    stored: Collection[str] = frozenset(),
) -> Resolution:
    """Ask the registry of `ref` for the image, as the node's runtime would.

    `stored` holds the digests (manifests, indexes, configs) already in the node's content
    store: those are not fetched again.
    """
    return _Resolver(state, ref, node, stored).resolve(credentials)
