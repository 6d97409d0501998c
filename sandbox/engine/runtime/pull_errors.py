"""Pull failures: the texts containerd returns for a failed CRI PullImage (RUNTIME.md §1-§8).

A pull failure's `<E>` in `Failed to pull image "<image>": <E>` is assembled in RUNTIME.md's
five layers: the resolver/fetcher error (5), the stage wrapper (4), the CRI wrapper (3), the gRPC
code containerd picks (2) and the kubelet's rendering of that code (1). The builders below return
a `PullFailure` (layers 2-5); `render_for_kubelet` applies layer 1 for a profile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import quote_plus

from ..reference import ImageReference, docker_ref, go_quote, parse_reference
from .gotext import RenderError, go_errorf_without_args
from .profiles import DEFAULT_PROFILE, RuntimeProfile, profile_for

GrpcCode = Literal["NotFound", "Unknown", "DeadlineExceeded", "Canceled"]
GRPC_CODES: tuple[str, ...] = ("NotFound", "Unknown", "DeadlineExceeded", "Canceled")


@dataclass(frozen=True)
class PullFailure:
    """What containerd returned for one CRI PullImage call: the gRPC code and its message.

    `parts` is set for the kubelet's aggregate of several credentials' failures.
    """

    code: GrpcCode
    text: str
    parts: tuple[PullFailure, ...] = ()

    def __post_init__(self) -> None:
        if self.code not in GRPC_CODES:
            raise RenderError(f"unknown gRPC code {self.code!r}")
        if not isinstance(self.text, str):
            raise RenderError("a pull failure's text must be a string")


ImageLike = str | ImageReference
ProfileLike = RuntimeProfile | str
_DENIED = "pull access denied, repository does not exist or may require authorization"
_DOCKER_HUB = "docker.io"
_DOCKER_HUB_HOST = "registry-1.docker.io"
_DOCKER_HUB_REALM = ("https://auth.docker.io/token", "registry.docker.io")
# The node's resolver for DNS failures: a placeholder (kind's Docker network gateway; UNVERIFIED
# for any particular cluster). Real reports show whatever the node's resolv.conf names.
NODE_RESOLVER = "172.18.0.1"
_RATE_LIMIT_URL = "https://www.docker.com/increase-rate-limit"


def _ref(image: ImageLike) -> ImageReference:
    """containerd's reference: normalized, `:latest` added, tag dropped when a digest is there."""
    if not isinstance(image, str | ImageReference):
        raise RenderError(f"an image must be a string or ImageReference, not {image!r}")
    return parse_reference(docker_ref(str(image)))


def _host(ref: ImageReference) -> str:
    return _DOCKER_HUB_HOST if ref.domain == _DOCKER_HUB else ref.domain


def _manifest_url(ref: ImageReference, obj: str | None = None) -> str:
    return f"https://{_host(ref)}/v2/{ref.path}/manifests/{obj or ref.digest or ref.tag}"


def _failure(code: GrpcCode, text: str, profile: ProfileLike) -> PullFailure:
    """Layer 2: containerd 1.x ran non-Unknown messages through Sprintf."""
    profile = profile_for(profile)
    if code != "Unknown" and profile.mangles_percent:
        text = go_errorf_without_args(text)
    return PullFailure(code, text)


def _unpack(ref: ImageReference, inner: str) -> str:
    """Layer 3, the CRI wrapper."""
    return f"failed to pull and unpack image {go_quote(str(ref))}: {inner}"


def _resolving(code: GrpcCode, ref: ImageReference, reason: str,
               profile: ProfileLike) -> PullFailure:
    """Layers 2-4 for a failure while resolving the tag or digest."""
    profile = profile_for(profile)
    if profile.resolve_wording == "image":
        stage = f"failed to resolve image: {reason}"
    else:
        stage = f"failed to resolve reference {go_quote(str(ref))}: {reason}"
    return _failure(code, _unpack(ref, stage), profile)


def _unexpected_status(method: str, url: str, status: str, profile: ProfileLike) -> str:
    """containerd's `ErrUnexpectedStatus` (`<U>`)."""
    profile = profile_for(profile)
    if profile.status_with_url:
        return f"unexpected status from {method} request to {url}: {status}"
    return f"unexpected status: {status}"


def _head_status(ref: ImageReference, status: str, profile: ProfileLike) -> str:
    """A non-404 status on the manifest HEAD, in the wording of the profile's containerd."""
    profile = profile_for(profile)
    if profile.status_with_url:
        return _unexpected_status("HEAD", _manifest_url(ref), status, profile)
    obj = ref.digest or ref.tag
    if profile.containerd >= (1, 5, 5):
        return f"pulling from host {_host(ref)} failed with status code [manifests {obj}]: {status}"
    return f"unexpected status code [manifests {obj}]: {status}"


def _check_status(status: str) -> str:
    if not isinstance(status, str) or not status[:3].isdigit():
        raise RenderError(f"an HTTP status line looks like `401 Unauthorized`, not {status!r}")
    return status


def tag_not_found(image: ImageLike, profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """404 on the manifest: `NotFound`, so even kubelet >= 1.28 keeps the `rpc error` prefix."""
    ref = _ref(image)
    return _resolving("NotFound", ref, f"{ref}: not found", profile)


def digest_not_found(image: ImageLike, profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """A well-formed digest the registry does not have: the same shape as a missing tag."""
    return tag_not_found(image, profile)


manifest_not_found = tag_not_found


def access_denied_bearer(image: ImageLike, server_error: str = "insufficient_scope",
                         profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """A token registry refused the (anonymous) token for this repository (Harbor, Docker Hub)."""
    reason = f"{_DENIED}: server message: {server_error}: authorization failed"
    return _resolving("Unknown", _ref(image), reason, profile)


def repository_not_found_docker_hub(image: ImageLike,
                                    profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """Docker Hub answers a missing repository like a private one: never `not found`."""
    return access_denied_bearer(image, profile=profile)


def access_denied_basic(image: ImageLike, profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """A Basic-auth registry (registry:2 + htpasswd) pulled without credentials."""
    profile = profile_for(profile)
    ref = _ref(image)
    if profile.basic_no_credentials:
        reason = f"{_DENIED}: authorization failed: no basic auth credentials"
    else:
        reason = _head_status(ref, "401 Unauthorized", profile)
    return _resolving("Unknown", ref, reason, profile)


def manifest_status(image: ImageLike, status: str,
                    profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """Any other 4xx/5xx on the manifest HEAD (HEAD has no body, so only the status shows)."""
    ref = _ref(image)
    return _resolving("Unknown", ref, _head_status(ref, _check_status(status), profile), profile)


def basic_wrong_password(image: ImageLike,
                         profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """Basic auth with a wrong password: containerd retries, then reports the HEAD's 401."""
    return manifest_status(image, "401 Unauthorized", profile)


def _realm(ref: ImageReference, realm: str | None, service: str | None) -> tuple[str, str]:
    if ref.domain == _DOCKER_HUB:
        default = _DOCKER_HUB_REALM
    else:
        default = (f"https://{ref.domain}/token", ref.domain)
    return realm or default[0], service or default[1]


def token_url(image: ImageLike, realm: str | None = None, service: str | None = None) -> str:
    """The token request URL (`url.Values.Encode`: keys sorted, `:` and `/` escaped)."""
    ref = _ref(image)
    realm, service = _realm(ref, realm, service)
    scope = quote_plus(f"repository:{ref.path}:pull", safe="")
    return f"{realm}?scope={scope}&service={quote_plus(service, safe='')}"


def _token_refused(kind: str, image: ImageLike, status: str, realm: str | None,
                   service: str | None, profile: ProfileLike) -> PullFailure:
    url = token_url(image, realm, service)
    reason = (f"failed to authorize: failed to fetch {kind} token: "
              f"{_unexpected_status('GET', url, _check_status(status), profile)}")
    return _resolving("Unknown", _ref(image), reason, profile)


def anonymous_token_refused(image: ImageLike, status: str = "401 Unauthorized",
                            realm: str | None = None, service: str | None = None,
                            profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """The token endpoint refused an anonymous request (private or missing ghcr.io package).

    containerd `core/remotes/docker/authorizer.go` (`fetchToken`): without a secret it GETs the
    realm and wraps any failure as `failed to fetch anonymous token: %w`; the inner text is
    `remotes/errors.ErrUnexpectedStatus` from `auth/fetch.go` (`FetchToken`, status >= 400).
    """
    return _token_refused("anonymous", image, status, realm, service, profile)


def oauth_token_refused(image: ImageLike, status: str = "401 Unauthorized",
                        realm: str | None = None, service: str | None = None,
                        profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """The token endpoint refused the credentials (wrong password on Docker Hub, ghcr, Harbor)."""
    return _token_refused("oauth", image, status, realm, service, profile)


class _RegistryLike(Protocol):
    @property
    def auth(self) -> str: ...


def wrong_credentials(image: ImageLike, registry: _RegistryLike,
                      profile: ProfileLike = DEFAULT_PROFILE,
                      token_status: str = "401 Unauthorized") -> PullFailure:
    """Wrong username/password for the registry's auth scheme (Basic or bearer tokens).

    `token_status` is the token endpoint's answer: `401 Unauthorized` on Docker Hub and Harbor,
    `403 Forbidden` on ghcr.io (RUNTIME.md §4). With a secret containerd POSTs first and retries
    with GET only on 400/401/404 (405 with a username), so the GET's status is what shows
    (`authorizer.go` `fetchToken`).
    """
    if registry.auth == "basic":
        return basic_wrong_password(image, profile)
    return oauth_token_refused(image, token_status, profile=profile)


def no_platform_match(image: ImageLike, index_digest: str | None = None,
                      profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """A multi-arch index without the node's platform (resolution itself succeeded)."""
    profile = profile_for(profile)
    if profile.resolve_wording == "image":
        # Transfer-service path (derived from source, UNVERIFIED in practice): no CRI wrapper.
        digest = _check_digest(index_digest)
        return _failure("NotFound", "get image config descriptor: no match for platform in "
                                    f"manifest {digest}: not found", profile)
    text = _unpack(_ref(image), "no match for platform in manifest: not found")
    return _failure("NotFound", text, profile)


def _check_digest(digest: object) -> str:
    if (not isinstance(digest, str) or not digest.startswith("sha256:") or len(digest) != 71
            or any(c not in "0123456789abcdef" for c in digest[7:])):
        raise RenderError(f"expected a sha256:<64 hex> digest, not {digest!r}")
    return digest


def rate_limited(image: ImageLike, manifest_digest: str, authenticated: bool = False,
                 profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """Docker Hub's 429 on the manifest GET (HEADs are free, so resolving succeeded)."""
    profile = profile_for(profile)
    ref = _ref(image)
    url = _manifest_url(ref, _check_digest(manifest_digest))
    if profile.docker_hub_2025 and not authenticated:
        hub = f"You have reached your unauthenticated pull rate limit. {_RATE_LIMIT_URL}"
    else:  # the pre-2025 text; what authenticated users get since 2025 is UNVERIFIED
        hub = ("You have reached your pull rate limit. You may increase the limit by "
               f"authenticating and upgrading: {_RATE_LIMIT_URL}")
    status = "429 Too Many Requests"
    if profile.registry_error_on_new_line:
        opened = f"{_unexpected_status('GET', url, status, profile)}\ntoomanyrequests: {hub}"
    else:
        opened = f"unexpected status code {url}: {status} - Server message: toomanyrequests: {hub}"
    return _failure("Unknown", _unpack(ref, f"failed to copy: {profile.seeker}: failed open: "
                                            f"{opened}"), profile)


def pull_canceled(image: ImageLike, blob_digest: str,
                  profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """A stalled download cancelled by `image_pull_progress_timeout` or the kubelet."""
    profile = profile_for(profile)
    ref = _ref(image)
    url = f"https://{_host(ref)}/v2/{ref.path}/blobs/{_check_digest(blob_digest)}"
    opened = f'failed to do request: Get "{url}": context canceled'
    return _failure("Canceled", _unpack(ref, f"failed to copy: {profile.seeker}: failed open: "
                                             f"{opened}"), profile)


UnreachableKind = Literal["dns", "refused", "timeout", "connect_timeout", "http"]


def _dial_target(host: str) -> tuple[str, str]:
    """(hostname, `ip:port`) for a dial error; the IP is a fixed documentation address."""
    hostname, _, port = host.partition(":")
    if hostname == "localhost":
        return hostname, f"[::1]:{port or 443}"
    octet = 1 + hashlib.sha256(hostname.encode()).digest()[0] % 254
    return hostname, f"203.0.113.{octet}:{port or 443}"


def _net_error(kind: str, host: str, resolver: str) -> str:
    hostname, address = _dial_target(host)
    texts = {
        "dns": f"dial tcp: lookup {hostname} on {resolver}:53: no such host",
        "refused": f"dial tcp {address}: connect: connection refused",
        "timeout": f"dial tcp {address}: i/o timeout",
        "connect_timeout": f"dial tcp {address}: connect: connection timed out",
        "http": "http: server gave HTTP response to HTTPS client",
    }
    if kind not in texts:
        raise RenderError(f"unknown kind of unreachable registry {kind!r}; "
                          f"known: {', '.join(texts)}")
    return texts[kind]


def _redact(url: str, profile: RuntimeProfile) -> str:
    base, sep, query = url.partition("?")
    if not sep or not profile.redacts_transport_urls:
        return url
    keys = [pair.partition("=")[0] for pair in query.split("&")]
    return base + "?" + "&".join(f"{key}=%5BREDACTED%5D" for key in keys)


def registry_unreachable(image: ImageLike, kind: UnreachableKind = "dns", *,
                         resolver: str = NODE_RESOLVER, at_token_endpoint: bool = False,
                         authenticated: bool = False,
                         profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """A transport error on the manifest HEAD, or on the token endpoint when that one fails."""
    profile = profile_for(profile)
    ref = _ref(image)
    # A dial timeout matches context.DeadlineExceeded in newer builds (observed 2024); which
    # containerd release switched is UNVERIFIED, 1.7 is assumed.
    code: GrpcCode = "DeadlineExceeded" if (
        kind == "timeout" and profile.containerd >= (1, 7, 0)) else "Unknown"
    if at_token_endpoint:
        url = token_url(ref)
        host = url.split("/")[2]
        who = "oauth" if authenticated else "anonymous"
        reason = (f"failed to authorize: failed to fetch {who} token: "
                  f'Get "{_redact(url, profile)}": {_net_error(kind, host, resolver)}')
    else:
        reason = (f'failed to do request: Head "{_manifest_url(ref)}": '
                  f"{_net_error(kind, _host(ref), resolver)}")
    return _resolving(code, ref, reason, profile)


def aggregate(errors: Sequence[str]) -> str:
    """`utilerrors.NewAggregate(errs).Error()`: one text as is, several distinct as `[e1, e2]`."""
    if isinstance(errors, str) or not errors or not all(isinstance(e, str) for e in errors):
        raise RenderError("aggregate needs a non-empty list of error texts")
    if len(errors) == 1:
        return errors[0]
    distinct = list(dict.fromkeys(errors))
    return distinct[0] if len(distinct) == 1 else "[" + ", ".join(distinct) + "]"


def aggregate_failures(failures: Sequence[PullFailure | str]) -> PullFailure:
    """The kubelet's result after every matching credential failed (KUBERNETES.md §9).

    Plain strings are taken as containerd texts with code Unknown.
    """
    parts = tuple(f if isinstance(f, PullFailure) else PullFailure("Unknown", f) for f in failures)
    if not parts:
        raise RenderError("aggregate_failures needs at least one failure")
    if len(parts) == 1:
        return parts[0]
    return PullFailure("Unknown", aggregate([p.text for p in parts]), parts)


def render_for_kubelet(failure: PullFailure, profile: RuntimeProfile | str = DEFAULT_PROFILE
                       ) -> str:
    """Layer 1: the `<E>` of `Failed to pull image "<image>": <E>` for the profile's kubelet."""
    profile = profile_for(profile)
    if not isinstance(failure, PullFailure):
        raise RenderError(f"expected a PullFailure, not {failure!r}")
    if failure.parts:
        return aggregate([render_for_kubelet(part, profile) for part in failure.parts])
    if failure.code == "Unknown" and profile.strips_unknown:
        return failure.text
    return f"rpc error: code = {failure.code} desc = {failure.text}"


render = render_for_kubelet


def classify_pull_error(image: str, error: str) -> tuple[str, str]:
    """(error name, status message) the kubelet derives from a pull error (`evalCRIPullErr`).

    `image` is the image as written in the pod spec (upstream passes it unchanged).
    """
    for name, because in (("RegistryUnavailable", "the registry is unavailable"),
                          ("SignatureValidationFailed", "the signature validation failed")):
        if error.startswith(name):
            return name, f"image pull failed for {image} because {because}{error[len(name):]}"
    return "ErrImagePull", error

