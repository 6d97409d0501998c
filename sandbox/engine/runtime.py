"""The exact texts the kubelet and containerd produce: pull errors, event messages, durations.

Everything here follows RUNTIME.md (what a learner sees, per version) and KUBERNETES.md §4-§5.
A pull failure's `<E>` in `Failed to pull image "<image>": <E>` is assembled in RUNTIME.md's
five layers: the resolver/fetcher error (5), the stage wrapper (4), the CRI wrapper (3), the gRPC
code containerd picks (2) and the kubelet's rendering of that code (1). The builders below return
a `PullFailure` (layers 2-5); `render_for_kubelet` applies layer 1 for a profile.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, Protocol
from urllib.parse import quote_plus

from .reference import ImageReference, docker_ref, go_quote, parse_reference


class RenderError(ValueError):
    """Bad input to a text builder (not a Kubernetes outcome): the message says what was wrong."""


# --- Go durations ------------------------------------------------------------------------------

MICROSECOND = 1_000
MILLISECOND = 1_000_000
SECOND = 1_000_000_000
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def to_nanoseconds(seconds: float) -> int:
    """Seconds as whole nanoseconds, rounded from the float's printed decimal (no float drift)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise RenderError(f"a duration must be a number of seconds, not {seconds!r}")
    if isinstance(seconds, int):
        ns = seconds * SECOND
    elif not math.isfinite(seconds):
        raise RenderError(f"a duration must be finite, not {seconds!r}")
    else:
        exact = Decimal(repr(seconds)) * SECOND
        ns = int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))
    if not _INT64_MIN <= ns <= _INT64_MAX:
        raise RenderError(f"{seconds!r} s does not fit in a Go time.Duration (about 292 years)")
    return ns


def _go_rem(value: int, unit: int) -> int:
    """Go's `%` on integers: the remainder has the sign of the dividend."""
    rem = abs(value) % unit
    return rem if value >= 0 else -rem


def truncate_ms(seconds: float) -> int:
    """`time.Duration.Truncate(time.Millisecond)` of `seconds`, in nanoseconds (toward zero)."""
    ns = to_nanoseconds(seconds)
    return ns - _go_rem(ns, MILLISECOND)


def _fraction(value: int, digits: int) -> str:
    """Go's fmtInt+fmtFrac: `value / 10**digits` with trailing zeros (and a bare point) dropped."""
    whole, frac = divmod(value, 10**digits)
    tail = str(frac).rjust(digits, "0").rstrip("0")
    return f"{whole}.{tail}" if tail else str(whole)


def go_duration_ns(ns: int) -> str:
    """Go's `time.Duration.String()` of `ns` nanoseconds: `1.234s`, `512ms`, `1m0s`, `0s`."""
    if isinstance(ns, bool) or not isinstance(ns, int):
        raise RenderError(f"a duration in nanoseconds must be an int, not {ns!r}")
    if not _INT64_MIN <= ns <= _INT64_MAX:
        raise RenderError(f"{ns} ns does not fit in a Go time.Duration")
    magnitude = abs(ns)
    if magnitude == 0:
        return "0s"
    if magnitude < MICROSECOND:
        text = f"{magnitude}ns"
    elif magnitude < MILLISECOND:
        text = _fraction(magnitude, 3) + "µs"
    elif magnitude < SECOND:
        text = _fraction(magnitude, 6) + "ms"
    else:
        whole_seconds = magnitude // SECOND
        text = _fraction(whole_seconds % 60 * SECOND + magnitude % SECOND, 9) + "s"
        minutes, hours = whole_seconds // 60 % 60, whole_seconds // 3600
        if whole_seconds >= 60:
            text = f"{minutes}m{text}"
        if hours:
            text = f"{hours}h{text}"
    return "-" + text if ns < 0 else text


def go_duration(seconds: float) -> str:
    """Go's `time.Duration.String()` of `seconds` (to the nanosecond; no truncation)."""
    return go_duration_ns(to_nanoseconds(seconds))


# --- Go's fmt with a message used as a format string -------------------------------------------


def _go_number(text: str, i: int, bad: str) -> tuple[str, int]:
    """Skip a width or precision; `*` wants an operand there is none of, so Go reports it."""
    if i < len(text) and text[i] == "*":
        return f"%!({bad})", i + 1
    while i < len(text) and text[i] in "0123456789":
        i += 1
    return "", i


def _go_verb(text: str, start: int) -> tuple[str, int]:
    """What Go's fmt prints for the directive after the `%` at `start - 1`, with no operands."""
    i = start
    while i < len(text) and text[i] in "+-# 0":
        i += 1
    out, i = _go_number(text, i, "BADWIDTH")
    if i < len(text) and text[i] == ".":
        precision, i = _go_number(text, i + 1, "BADPREC")
        out += precision
    if i >= len(text):
        return out + "%!(NOVERB)", i
    verb = text[i]
    return out + ("%" if verb == "%" else f"%!{verb}(MISSING)"), i + 1


def go_errorf_without_args(message: str) -> str:
    """`fmt.Sprintf(message)`: what containerd 1.x's `status.Errorf(code, err.Error())` printed.

    Every `%` starts a directive, so URL escapes such as `%3A` become `%!A(MISSING)`.
    """
    out, i = [], 0
    while i < len(message):
        percent = message.find("%", i)
        if percent < 0:
            out.append(message[i:])
            break
        out.append(message[i:percent])
        directive, i = _go_verb(message, percent + 1)
        out.append(directive)
    return "".join(out)


# --- profiles (RUNTIME.md §12) -----------------------------------------------------------------


def _version(value: object, parts: int, what: str) -> tuple[int, ...]:
    if (not isinstance(value, tuple) or len(value) != parts
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1000
                       for v in value)):
        raise RenderError(f"{what} must be a tuple of {parts} small non-negative ints, "
                          f"not {value!r}")
    return value


@dataclass(frozen=True)
class RuntimeProfile:
    """Which kubelet, kubectl and containerd a scenario's cluster runs; the wordings follow."""

    name: str
    kubelet: tuple[int, int]
    kubectl: tuple[int, int]
    containerd: tuple[int, int, int]
    # containerd 2.1+ pulls through the transfer service unless a config option forces the old
    # local pull (kind sets discard_unpacked_layers, so kind keeps `failed to resolve reference`).
    transfer_service: bool = False
    # Docker Hub's anonymous rate-limit text changed in 2025 (RUNTIME.md §6).
    docker_hub_2025: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise RenderError("a runtime profile needs a name")
        _version(self.kubelet, 2, "kubelet version")
        _version(self.kubectl, 2, "kubectl version")
        _version(self.containerd, 3, "containerd version")
        if self.containerd < (1, 3, 0):
            raise RenderError("containerd before 1.3 (no `failed to pull and unpack image` "
                              "wrapper) is not modelled")

    @property
    def strips_unknown(self) -> bool:
        """kubelet >= 1.28 drops `rpc error: code = Unknown desc = ` (kubernetes#117612)."""
        return self.kubelet >= (1, 28)

    @property
    def resolve_wording(self) -> Literal["reference", "image"]:
        """`failed to resolve reference "<ref>"` (local pull) or `failed to resolve image`."""
        return "image" if self.transfer_service and self.containerd >= (2, 1, 0) else "reference"

    @property
    def status_with_url(self) -> bool:
        """`<U>` names the method and URL since containerd 1.6.25 (`unexpected status from …`)."""
        return self.containerd >= (1, 6, 25)

    @property
    def basic_no_credentials(self) -> bool:
        """The Basic-challenge branch (`no basic auth credentials`): 1.6.25+, 1.7.8+, 2.x."""
        v = self.containerd
        return (1, 6, 25) <= v < (1, 7, 0) or v >= (1, 7, 8)

    @property
    def mangles_percent(self) -> bool:
        """containerd 1.x formatted non-Unknown messages with `status.Errorf` (`%!A(MISSING)`)."""
        return self.containerd < (2, 0, 0)

    @property
    def registry_error_on_new_line(self) -> bool:
        """containerd 2.1.3+ joins status and registry error with a newline (commit af068ff86)."""
        return self.containerd >= (2, 1, 3)

    @property
    def redacts_transport_urls(self) -> bool:
        """2026 releases replace query values in transport-error URLs with `%5BREDACTED%5D`."""
        v = self.containerd
        return (2, 0, 8) <= v < (2, 1, 0) or (2, 1, 7) <= v < (2, 2, 0) or v >= (2, 2, 2)

    @property
    def field_path_prefix(self) -> bool:
        """kubectl >= 1.35 prefixes event messages with `spec.containers{<name>}: `."""
        return self.kubectl >= (1, 35)

    @property
    def secret_pulled_images_gate(self) -> bool:
        """KubeletEnsureSecretPulledImages is on by default since 1.35 (KUBERNETES.md §12)."""
        return self.kubelet >= (1, 35)

    @property
    def seeker(self) -> str:
        return "httpReaderSeeker" if self.containerd < (1, 5, 0) else "httpReadSeeker"


PROFILES: dict[str, RuntimeProfile] = {
    # k8s 1.26-1.27 with containerd 1.6 before 1.6.25: the texts of most 2022-2023 reports.
    "classic": RuntimeProfile("classic", (1, 27), (1, 27), (1, 6, 20), docker_hub_2025=False),
    # k8s 1.30-1.34 with containerd 2.0 (kind of that era).
    "current": RuntimeProfile("current", (1, 34), (1, 34), (2, 0, 5)),
    # k8s 1.35 with containerd 2.3 configured as kind runs it (local pull: `resolve reference`).
    "newest": RuntimeProfile("newest", (1, 35), (1, 35), (2, 3, 4)),
}
DEFAULT_PROFILE = PROFILES["newest"]
# The same cluster with containerd's default config, where CRI pulls through the transfer service.
TRANSFER_SERVICE_PROFILE = RuntimeProfile("newest-transfer", (1, 35), (1, 35), (2, 3, 4),
                                          transfer_service=True)


def profile_for(profile: RuntimeProfile | str) -> RuntimeProfile:
    """The profile itself, or the named one of PROFILES."""
    if isinstance(profile, RuntimeProfile):
        return profile
    if isinstance(profile, str) and profile in PROFILES:
        return PROFILES[profile]
    if isinstance(profile, str) and profile == TRANSFER_SERVICE_PROFILE.name:
        return TRANSFER_SERVICE_PROFILE
    raise RenderError(f"unknown runtime profile {profile!r}; known: {', '.join(PROFILES)}")


# --- pull failures (RUNTIME.md §1-§8) ----------------------------------------------------------

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
    """The token endpoint refused an anonymous request (private or missing ghcr.io package)."""
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
                      profile: ProfileLike = DEFAULT_PROFILE) -> PullFailure:
    """Wrong username/password for the registry's auth scheme (Basic or bearer tokens)."""
    if registry.auth == "basic":
        return basic_wrong_password(image, profile)
    return oauth_token_refused(image, profile=profile)


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

    `image` is the reference with the default tag applied, as the kubelet formats it here.
    """
    for name, because in (("RegistryUnavailable", "the registry is unavailable"),
                          ("SignatureValidationFailed", "the signature validation failed")):
        if error.startswith(name):
            return name, f"image pull failed for {image} because {because}{error[len(name):]}"
    return "ErrImagePull", error


# --- event messages (KUBERNETES.md §4, RUNTIME.md §9-§11) --------------------------------------


def _image(image: object) -> str:
    if not isinstance(image, str):
        raise RenderError(f"an image must be a string, not {image!r}")
    return go_quote(image)


def _name(name: object, what: str = "a name") -> str:
    if not isinstance(name, str) or not name:
        raise RenderError(f"{what} must be a non-empty string, not {name!r}")
    return name


def msg_pulling(image: str) -> str:
    return f"Pulling image {_image(image)}"


def msg_pulled(image: str, pull_seconds: float, total_seconds: float, size: int,
               profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    """The `Pulled` message after a pull, in the wording of the profile's kubelet."""
    profile = profile_for(profile)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise RenderError(f"an image size is a non-negative number of bytes, not {size!r}")
    head = f"Successfully pulled image {_image(image)}"
    if profile.kubelet >= (1, 30):
        pulled, waited = go_duration_ns(truncate_ms(pull_seconds)), go_duration_ns(
            truncate_ms(total_seconds))
        return f"{head} in {pulled} ({waited} including waiting). Image size: {size} bytes."
    if profile.kubelet >= (1, 26):  # kubernetes#111772, release UNVERIFIED (≈ 1.26)
        return f"{head} in {go_duration(pull_seconds)} ({go_duration(total_seconds)} " \
               "including waiting)"
    if profile.kubelet >= (1, 19):
        return f"{head} in {go_duration(pull_seconds)}"
    return head


def msg_already_present(image: str, gate_on: bool) -> str:
    """`Pulled` without a pull; the KubeletEnsureSecretPulledImages gate adds the pod clause."""
    tail = " and can be accessed by the pod" if gate_on else ""
    return f"Container image {_image(image)} already present on machine{tail}"


def msg_failed_pull(image: str, error: str) -> str:
    return f"Failed to pull image {_image(image)}: {error}"


def msg_backoff(image: str) -> str:
    return f"Back-off pulling image {_image(image)}"


def backoff_status_message(image: str, error_name: str | None = None,
                           error_message: str | None = None) -> str:
    """The waiting message while in back-off: the event text plus the last pull error."""
    base = msg_backoff(image)
    if not error_name:
        return base
    return f"{base}: {error_name}: {error_message or ''}"


def msg_never_pull(image: str) -> str:
    return f"Container image {_image(image)} is not present with pull policy of Never"


def msg_invalid_name(image: str, parse_error: str) -> str:
    """`InspectFailed` for a reference that does not parse.

    Accepts the bare parse error (`invalid reference format`) or the kubelet's wrapped one.
    """
    wrapper = f"couldn't parse image reference {_image(image)}: "
    if not parse_error.startswith(wrapper):
        parse_error = wrapper + parse_error
    return f"Failed to apply default image tag {_image(image)}: {parse_error}"


def msg_error(name: str) -> str:
    """startContainer's `Failed` event after any image error: `Error: ErrImagePull`."""
    return f"Error: {_name(name, 'an error name')}"


def msg_failed_secrets(names: Sequence[str]) -> str:
    """`FailedToRetrieveImagePullSecret` for the pull secrets the kubelet could not read."""
    if isinstance(names, str) or not names:
        raise RenderError("msg_failed_secrets needs a non-empty list of secret names")
    joined = ", ".join(_name(n, "a secret name") for n in names)
    return (f"Unable to retrieve some image pull secrets ({joined}); "
            "attempting to pull the image may not succeed.")


def msg_scheduled(namespace: str, pod: str, node: str) -> str:
    return f"Successfully assigned {_name(namespace)}/{_name(pod)} to {_name(node)}"


_NOTE_LIMIT = 1024  # the scheduler truncates event notes to 1 KiB


def _histogram(counts: Mapping[str, int]) -> str:
    items = []
    for reason, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise RenderError(f"node count for {reason!r} must be a positive int, not {count!r}")
        items.append(f"{count} {_name(reason, 'a reason')}")
    return ", ".join(sorted(items))


def msg_failed_scheduling(total: int, reasons: Mapping[str, int],
                          preemption: Mapping[str, int] | None = None) -> str:
    """`FailedScheduling` (`FitError.Error()`): reasons sorted as whole strings, then preemption."""
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise RenderError(f"the node count must be a non-negative int, not {total!r}")
    if total == 0:
        return "no nodes available to schedule pods"
    message = f"0/{total} nodes are available:"
    if reasons:
        message += f" {_histogram(reasons)}."
    tail = _histogram(preemption or {"Preemption is not helpful for scheduling": total})
    message += f" preemption: 0/{total} nodes are available: {tail}."
    if len(message.encode()) > _NOTE_LIMIT:
        message = message.encode()[: _NOTE_LIMIT - 4].decode(errors="ignore") + " ..."
    return message


def msg_created(name: str, profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    kubelet = profile_for(profile).kubelet
    if kubelet >= (1, 35):
        return "Container created"
    if kubelet >= (1, 32):  # the release that added the colon is UNVERIFIED (1.32 assumed)
        return f"Created container: {_name(name)}"
    return f"Created container {_name(name)}" if kubelet >= (1, 14) else "Created container"


def msg_started(name: str, profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    kubelet = profile_for(profile).kubelet
    if kubelet >= (1, 35):
        return "Container started"
    return f"Started container {_name(name)}" if kubelet >= (1, 14) else "Started container"
