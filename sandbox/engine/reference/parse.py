"""Image references: parse, normalize, and default the tag and the imagePullPolicy.

Follows `distribution/reference` v0.6.0 (`Parse`, `ParseNormalizedNamed`, `ParseDockerRef`,
familiar names) with go-digest's checks for sha256/sha384/sha512, and the Kubernetes wrappers
built on it (`ParseImageName`, the API server's imagePullPolicy default, the kubelet's default
tag, the scheduler's ImageLocality name); see KUBERNETES.md §1-§3 and §13.

The grammar itself is `reference_grammar.py` and the learner hints `reference_hints.py`; their
public names are re-exported here, where callers import them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .grammar import (
    DEFAULT_TAG,
    DIGEST_HEX_LENGTHS,
    DOCKER_HUB,
    ERR_DIGEST_FORMAT,
    ERR_DIGEST_LENGTH,
    ERR_DIGEST_UNSUPPORTED,
    ERR_EMPTY,
    ERR_FORMAT,
    ERR_TOO_LONG,
    ERR_UPPERCASE,
    GO_LOWER,
    IDENTIFIER,
    LEGACY_DOCKER_HUB,
    MAX_PATH_LENGTH,
    MAX_TAG_LENGTH,
    OFFICIAL_PREFIX,
    InvalidReference,
    check_digest,
    match_grammar,
)
from .hints import explain, too_long_hint

__all__ = [
    "DEFAULT_TAG", "DIGEST_HEX_LENGTHS", "DOCKER_HUB", "ERR_DIGEST_FORMAT", "ERR_DIGEST_LENGTH",
    "ERR_DIGEST_UNSUPPORTED", "ERR_EMPTY", "ERR_FORMAT", "ERR_TOO_LONG", "ERR_UPPERCASE",
    "LEGACY_DOCKER_HUB", "MAX_PATH_LENGTH", "MAX_TAG_LENGTH", "OFFICIAL_PREFIX",
    "ImageReference", "InvalidReference", "apply_default_tag", "default_pull_policy",
    "default_pull_policy_reason", "docker_ref", "explain", "go_quote", "image_locality_name",
    "parse_image_name", "parse_reference", "parse_unnormalized",
]


@dataclass(frozen=True)
class ImageReference:
    """A parsed reference; `domain` is empty only for `parse_unnormalized` without a domain."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The repository: `docker.io/library/nginx`."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    @property
    def familiar_name(self) -> str:
        """The repository as people type it: `nginx`, `user/app`, `ghcr.io/org/app`."""
        if self.domain != DOCKER_HUB:
            return self.name
        rest = self.path.removeprefix(OFFICIAL_PREFIX)
        return rest if "/" not in rest else self.path

    @property
    def familiar(self) -> str:
        """The whole reference as people type it: `nginx:1.25`."""
        return self.familiar_name + self._suffix()

    def _suffix(self) -> str:
        tag = f":{self.tag}" if self.tag is not None else ""
        digest = f"@{self.digest}" if self.digest is not None else ""
        return tag + digest

    def __str__(self) -> str:
        return self.name + self._suffix()


def _parse(text: str) -> ImageReference:
    """distribution/reference `Parse`: the grammar, no normalization."""
    found = match_grammar(text)
    if found is None:
        if text == "":
            raise InvalidReference(ERR_EMPTY)
        if match_grammar(text.translate(GO_LOWER)) is not None:
            raise InvalidReference(ERR_UPPERCASE)
        raise InvalidReference(ERR_FORMAT)
    domain, path, tag, digest = found
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidReference(ERR_TOO_LONG, too_long_hint(path))
    if digest is not None:
        check_digest(digest)
    return ImageReference(domain=domain, path=path, tag=tag, digest=digest)


def _split_docker_domain(text: str) -> tuple[str, str]:
    """Where Docker Hub names get their `docker.io` and `library/`."""
    first, slash, rest = text.partition("/")
    is_domain = slash and (
        first == "localhost" or "." in first or ":" in first or first.lower() != first
    )
    domain, remainder = (first, rest) if is_domain else (DOCKER_HUB, text)
    if domain == LEGACY_DOCKER_HUB:
        domain = DOCKER_HUB
    if domain == DOCKER_HUB and "/" not in remainder:
        remainder = OFFICIAL_PREFIX + remainder
    return domain, remainder


def _normalize(text: str) -> ImageReference:
    """distribution/reference `ParseNormalizedNamed`."""
    if IDENTIFIER.fullmatch(text):
        raise InvalidReference(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
        )
    domain, remainder = _split_docker_domain(text)
    remote = remainder.partition(":")[0]
    if remote.lower() != remote:
        raise InvalidReference(f"{ERR_FORMAT}: repository name ({remote}) must be lowercase")
    return _parse(f"{domain}/{remainder}")


def _require_str(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidReference(
            f"{ERR_FORMAT}: an image is a string, not {type(value).__name__}",
            "write the image as text, e.g. `nginx:1.25`; quote it in YAML if it looks numeric",
        )
    return value


def _with_hint(parse: Callable[[str], ImageReference], text: str) -> ImageReference:
    try:
        return parse(text)
    except InvalidReference as error:
        if error.hint is None:
            error.hint = explain(text, str(error))
        raise


# --- public API --------------------------------------------------------------------------


def parse_reference(text: str) -> ImageReference:
    """Parse and normalize like the kubelet (`nginx` -> `docker.io/library/nginx`); no tag added."""
    text = _require_str(text)
    if len(text) <= _CACHED_LENGTH:
        return _parse_cached(text)
    return _with_hint(_normalize, text)


# One evaluation parses the same few references many times (kubelet, scheduler, hints); the
# result is immutable, so valid ones are cached. Errors are not cached (lru_cache never does).
_CACHED_LENGTH = 512


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> ImageReference:
    return _with_hint(_normalize, text)


def parse_unnormalized(text: str) -> ImageReference:
    """Parse with the bare grammar (`Parse`): `test.com:5000` is name `test.com`, tag `5000`."""
    return _with_hint(_parse, _require_str(text))


def parse_image_name(image: str) -> tuple[str, str, str]:
    """Kubernetes `ParseImageName`: (repository, tag, digest), tag `latest` if both are absent."""
    _require_str(image)
    try:
        ref = parse_reference(image)
    except InvalidReference as error:
        message = f"couldn't parse image name {go_quote(image)}: {error}"
        raise InvalidReference(message, error.hint) from error
    tag, digest = ref.tag or "", ref.digest or ""
    if not tag and not digest:
        tag = DEFAULT_TAG
    return ref.name, tag, digest


def default_pull_policy(image: str) -> str:
    """The API server's default imagePullPolicy: `Always` only when the tag is exactly `latest`."""
    _require_str(image)
    try:
        tag = parse_image_name(image)[1]
    except InvalidReference:
        tag = ""
    return "Always" if tag == DEFAULT_TAG else "IfNotPresent"


def default_pull_policy_reason(image: str) -> str:
    """One plain sentence saying which rule chose `default_pull_policy(image)`."""
    policy = default_pull_policy(image)
    try:
        ref = parse_reference(image)
    except InvalidReference:
        return f"the image does not parse, so it has no tag: defaulted to {policy}"
    ignored = " (the digest is not looked at)" if ref.digest is not None else ""
    if ref.tag is None and ref.digest is None:
        return f"no tag and no digest, so the tag is latest: defaulted to {policy}"
    if ref.tag is None:
        return f"pinned by digest with no tag: defaulted to {policy}"
    if ref.tag == DEFAULT_TAG:
        return f"the tag is latest{ignored}: defaulted to {policy}"
    if ref.tag.lower() == DEFAULT_TAG:
        ignored += " (the comparison is case-sensitive)"
    return f"the tag is {ref.tag}, not latest{ignored}: defaulted to {policy}"


def apply_default_tag(image: str) -> str:
    """The kubelet's first step: append `:latest` to a name without tag or digest, as written.

    Since Kubernetes 1.28 `applyDefaultImageTag` (pkg/kubelet/images/image_manager.go) returns
    `ParseImageName`'s error as it is: `couldn't parse image name "<image>": <error>`.
    """
    _, tag, digest = parse_image_name(image)
    if not digest and tag and not image.endswith(f":{tag}"):
        return f"{image}:{tag}"
    return image


def docker_ref(image: str) -> str:
    """containerd's name for the image (`ParseDockerRef`): normalized, tagged or digested."""
    ref = parse_reference(image)
    if ref.digest is not None:
        return f"{ref.name}@{ref.digest}"
    return f"{ref.name}:{ref.tag or DEFAULT_TAG}"


def image_locality_name(image: str) -> str:
    """The scheduler's ImageLocality lookup name: `:latest` added when the last part has no `:`."""
    _require_str(image)
    if image.rfind(":") <= image.rfind("/"):
        return f"{image}:{DEFAULT_TAG}"
    return image


_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(value: str) -> str:
    """The string as Go's `%q` prints it, so messages match the kubelet's byte for byte."""
    out = []
    for ch in value:
        code = ord(ch)
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'

