"""The image-reference grammar of `distribution/reference` and go-digest, checked piece by piece.

Upstream matches one large regular expression. Here the string is cut at its fixed separators
(`@`, the last `:`, `/`) and each piece is checked on its own, which gives the same answers and
keeps the work linear in the input length, however hostile the input. `reference.py` builds the
parsing and normalizing API on `match_grammar` and `check_digest`; `reference_hints.py` reuses
the predicates to explain a failure.
"""

from __future__ import annotations

import re

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
LOWER_HEX = frozenset("0123456789abcdef")
_IPV6_CHARS = _HEX | {":"}
_LABEL_CHARS = _ALNUM | {"-"}
_TAG_FIRST = _ALNUM | {"_"}
_TAG_CHARS = _TAG_FIRST | {".", "-"}

# Each of these is linear: the separators never overlap the runs they separate.
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*", re.ASCII)
_DIGEST_ALGORITHM = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*", re.ASCII)
_GO_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+", re.ASCII)
IDENTIFIER = re.compile(r"[a-f0-9]{64}", re.ASCII)
# Go's ToLower maps these two non-ASCII letters onto ASCII ones; nothing else can become ASCII.
GO_LOWER = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | {0x130: "i", 0x212A: "k"}


class InvalidReference(ValueError):
    """An image string that is not a valid reference; `str()` carries the upstream error text.

    `hint` is a plain-language explanation for a learner, or None when there is nothing to add.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


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


def is_tag(tag: str) -> bool:
    """Letters, digits, `_`, `.` and `-`, at most MAX_TAG_LENGTH, not starting with `.`/`-`."""
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


def match_grammar(text: str) -> tuple[str, str, str | None, str | None] | None:
    """(domain, path, tag, digest) if `text` fits `name[:tag][@digest]`, else None."""
    rest, at, digest = text.partition("@")
    if at and not _is_digest_shape(digest):
        return None
    tag: str | None = None
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):  # a `:` after the last `/` can only start the tag
        rest, tag = rest[:colon], rest[colon + 1 :]
        if not is_tag(tag):
            return None
    split = _split_name(rest)
    if split is None:
        return None
    return split[0], split[1], tag, digest if at else None


def check_digest(digest: str) -> None:
    """go-digest's validation, with sha256, sha384 and sha512 available."""
    algorithm, _, hex_part = digest.partition(":")
    if algorithm not in DIGEST_HEX_LENGTHS:
        if _GO_DIGEST.fullmatch(digest) is None:
            raise InvalidReference(ERR_DIGEST_FORMAT)
        raise InvalidReference(ERR_DIGEST_UNSUPPORTED)
    if len(hex_part) != DIGEST_HEX_LENGTHS[algorithm]:
        raise InvalidReference(ERR_DIGEST_LENGTH)
    if not LOWER_HEX.issuperset(hex_part):
        raise InvalidReference(ERR_DIGEST_FORMAT)

