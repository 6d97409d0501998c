"""Image references: parse, normalize, and default the tag and the imagePullPolicy.

Follows `distribution/reference` v0.6.0 (`Parse`, `ParseNormalizedNamed`, `ParseDockerRef`,
familiar names) with go-digest's checks for sha256/sha384/sha512, and the Kubernetes wrappers
built on it (`ParseImageName`, the API server's imagePullPolicy default, the kubelet's default
tag, the scheduler's ImageLocality name); see KUBERNETES.md §1-§3 and §13.

Upstream matches one large regular expression. Here the string is cut at its fixed separators
(`@`, the last `:`, `/`) and each piece is checked on its own, which gives the same answers and
keeps the work linear in the input length, however hostile the input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
LEGACY_DOCKER_HUB = "index.docker.io"
OFFICIAL_PREFIX = "library/"
DEFAULT_TAG = "latest"
MAX_PATH_LENGTH = 255
MAX_TAG_LENGTH = 128
# Hex length of each digest algorithm Kubernetes registers (crypto/sha256 and crypto/sha512).
DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}

ERR_FORMAT = "invalid reference format"
ERR_UPPERCASE = "repository name must be lowercase"
ERR_EMPTY = "repository name must have at least one component"
ERR_TOO_LONG = f"repository name must not be more than {MAX_PATH_LENGTH} characters"
ERR_DIGEST_FORMAT = "invalid checksum digest format"
ERR_DIGEST_LENGTH = "invalid checksum digest length"
ERR_DIGEST_UNSUPPORTED = "unsupported digest algorithm"

_DIGITS = frozenset("0123456789")
_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz") | _DIGITS
_ALNUM = _LOWER_ALNUM | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_HEX = frozenset("0123456789abcdefABCDEF")
_LOWER_HEX = frozenset("0123456789abcdef")
_IPV6_CHARS = _HEX | {":"}
_LABEL_CHARS = _ALNUM | {"-"}
_TAG_FIRST = _ALNUM | {"_"}
_TAG_CHARS = _TAG_FIRST | {".", "-"}

# Each of these is linear: the separators never overlap the runs they separate.
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*", re.ASCII)
_DIGEST_ALGORITHM = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*", re.ASCII)
_GO_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+", re.ASCII)
_IDENTIFIER = re.compile(r"[a-f0-9]{64}", re.ASCII)
# Go's ToLower maps these two non-ASCII letters onto ASCII ones; nothing else can become ASCII.
_GO_LOWER = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | {0x130: "i", 0x212A: "k"}


class InvalidReference(ValueError):
    """An image string that is not a valid reference; `str()` carries the upstream error text.

    `hint` is a plain-language explanation for a learner, or None when there is nothing to add.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


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


# --- the grammar -------------------------------------------------------------------------


def _is_domain_name(host: str) -> bool:
    for label in host.split("."):
        if not label or label[0] not in _ALNUM or label[-1] not in _ALNUM:
            return False
        if not _LABEL_CHARS.issuperset(label):
            return False
    return True


def _is_port(port: str) -> bool:
    return bool(port) and _DIGITS.issuperset(port)


def _is_domain(text: str) -> bool:
    """Host (DNS-like labels, uppercase allowed, or bracketed IPv6) with an optional port."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return False
        inner, rest = text[1:end], text[end + 1 :]
        if not inner or not _IPV6_CHARS.issuperset(inner):
            return False
        return rest == "" or (rest[0] == ":" and _is_port(rest[1:]))
    host, colon, port = text.partition(":")
    return _is_domain_name(host) and (not colon or _is_port(port))


def _is_tag(tag: str) -> bool:
    return 0 < len(tag) <= MAX_TAG_LENGTH and tag[0] in _TAG_FIRST and _TAG_CHARS.issuperset(tag)


def _is_digest_shape(digest: str) -> bool:
    algorithm, colon, hex_part = digest.partition(":")
    return (
        bool(colon)
        and _DIGEST_ALGORITHM.fullmatch(algorithm) is not None
        and len(hex_part) >= 32
        and _HEX.issuperset(hex_part)
    )


def _split_name(name: str) -> tuple[str, str] | None:
    """(domain, path) the way the grammar reads a name; the first part is a domain if it can be."""
    parts = name.split("/")
    if not all(_PATH_COMPONENT.fullmatch(p) for p in parts[1:]):
        return None
    if len(parts) > 1 and _is_domain(parts[0]):
        return parts[0], "/".join(parts[1:])
    if _PATH_COMPONENT.fullmatch(parts[0]):
        return "", name
    return None


def _match(text: str) -> tuple[str, str, str | None, str | None] | None:
    """(domain, path, tag, digest) if `text` fits `name[:tag][@digest]`, else None."""
    rest, at, digest = text.partition("@")
    if at and not _is_digest_shape(digest):
        return None
    tag: str | None = None
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):  # a `:` after the last `/` can only start the tag
        rest, tag = rest[:colon], rest[colon + 1 :]
        if not _is_tag(tag):
            return None
    split = _split_name(rest)
    if split is None:
        return None
    return split[0], split[1], tag, digest if at else None


def _check_digest(digest: str) -> None:
    """go-digest's validation, with sha256, sha384 and sha512 available."""
    algorithm, _, hex_part = digest.partition(":")
    if algorithm not in DIGEST_HEX_LENGTHS:
        if _GO_DIGEST.fullmatch(digest) is None:
            raise InvalidReference(ERR_DIGEST_FORMAT)
        raise InvalidReference(ERR_DIGEST_UNSUPPORTED)
    if len(hex_part) != DIGEST_HEX_LENGTHS[algorithm]:
        raise InvalidReference(ERR_DIGEST_LENGTH)
    if not _LOWER_HEX.issuperset(hex_part):
        raise InvalidReference(ERR_DIGEST_FORMAT)


def _parse(text: str) -> ImageReference:
    """distribution/reference `Parse`: the grammar, no normalization."""
    found = _match(text)
    if found is None:
        if text == "":
            raise InvalidReference(ERR_EMPTY)
        if _match(text.translate(_GO_LOWER)) is not None:
            raise InvalidReference(ERR_UPPERCASE)
        raise InvalidReference(ERR_FORMAT)
    domain, path, tag, digest = found
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidReference(ERR_TOO_LONG, _too_long_hint(path))
    if digest is not None:
        _check_digest(digest)
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
    if _IDENTIFIER.fullmatch(text):
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
    return _with_hint(_normalize, _require_str(text))


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
    """The kubelet's first step: append `:latest` to a name without tag or digest, as written."""
    _require_str(image)
    try:
        ref = parse_reference(image)
    except InvalidReference as error:
        message = f"couldn't parse image reference {go_quote(image)}: {error}"
        raise InvalidReference(message, error.hint) from error
    if ref.tag is None and ref.digest is None:
        return f"{image}:{DEFAULT_TAG}"
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


# --- hints for learners ------------------------------------------------------------------

_SHAPE = (
    "an image reference looks like `[registry/]name[:tag][@digest]`, e.g. `ghcr.io/org/app:1.0`"
)


def _too_long_hint(path: str) -> str:
    extra = ""
    if path.startswith(OFFICIAL_PREFIX):
        extra = " (Docker Hub names without `/` get `library/` in front)"
    return f"the repository path is {len(path)} characters{extra}; the limit is {MAX_PATH_LENGTH}"


def _digest_hint(digest: str) -> str | None:
    algorithm, colon, hex_part = digest.partition(":")
    if not colon or not hex_part:
        return "after `@` comes a digest: `sha256:` followed by 64 hex characters"
    if algorithm.lower() in DIGEST_HEX_LENGTHS and algorithm not in DIGEST_HEX_LENGTHS:
        return f"write the digest algorithm in lowercase: `{algorithm.lower()}:`"
    if algorithm not in DIGEST_HEX_LENGTHS:
        return f"`{algorithm}` is not a supported digest algorithm: use sha256, sha384 or sha512"
    want = DIGEST_HEX_LENGTHS[algorithm]
    if len(hex_part) != want:
        return f"a {algorithm} digest has {want} hex characters; this one has {len(hex_part)}"
    if not _LOWER_HEX.issuperset(hex_part):
        return "a digest is written in lowercase hex: only 0-9 and a-f"
    return None


def _tag_hint(tag: str) -> str | None:
    if tag == "":
        return "nothing follows the `:`: add a tag such as `:1.25`, or remove the `:`"
    if len(tag) > MAX_TAG_LENGTH:
        return f"a tag is at most {MAX_TAG_LENGTH} characters; this one has {len(tag)}"
    if not _is_tag(tag):
        return "a tag uses letters, digits, `_`, `.` and `-`, and cannot start with `.` or `-`"
    return None


def _name_hint(name: str) -> str | None:
    if name == "":
        return "the repository name is missing before the tag or digest"
    if "//" in name or name.startswith("/") or name.endswith("/"):
        return "the name has an empty part between slashes: remove the extra `/`"
    if name.lower() != name and _match(name.lower()) is not None:
        return f"repository names are lowercase: try `{name.lower()}`"
    return None


def _text_hint(text: str) -> str | None:
    stripped = text.strip()
    if text == "":
        return "the image is empty: write a reference such as `nginx:1.25`"
    if "\x00" in text:
        return "the image contains a NUL character; retype it by hand"
    if any(ch.isspace() for ch in text):
        if stripped and not any(ch.isspace() for ch in stripped):
            return f"remove the spaces around the image: `{stripped}`"
        return "an image reference cannot contain spaces or line breaks"
    scheme, sep, rest = text.partition("://")
    if sep and scheme.isalpha():
        return f"leave out `{scheme}://`: a reference starts with the registry host, as in `{rest}`"
    return None


def explain(text: str, message: str) -> str | None:
    """A learner-facing hint for why `text` failed with upstream `message`."""
    hint = _text_hint(text)
    if hint is not None:
        return hint
    if "64-byte hexadecimal" in message:
        return (
            "64 hex characters alone are an image ID, not a name; to pin content write "
            "`name@sha256:` followed by them"
        )
    rest, at, digest = text.partition("@")
    if at and (hint := _digest_hint(digest)) is not None:
        return hint
    colon = rest.rfind(":")
    name, tag = (rest[:colon], rest[colon + 1 :]) if colon > rest.rfind("/") else (rest, None)
    if tag is not None and (hint := _tag_hint(tag)) is not None:
        return hint
    if "must be lowercase" in message:
        suggestion = name.lower() + text[len(name) :]
        return f"repository names are lowercase: try `{suggestion}`"
    return _name_hint(name) or _SHAPE
