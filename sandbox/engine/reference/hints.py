"""Plain-language hints for a learner whose image reference does not parse.

`explain(text, message)` looks at what was typed and at upstream's error text and says what to
change (`remove the spaces around the image`, `write the digest algorithm in lowercase`). The
upstream message itself is never changed: the hint travels beside it on `InvalidReference`.
"""

from __future__ import annotations

from .grammar import (
    DIGEST_HEX_LENGTHS,
    LOWER_HEX,
    MAX_PATH_LENGTH,
    MAX_TAG_LENGTH,
    OFFICIAL_PREFIX,
    is_tag,
    match_grammar,
)

_SHAPE = (
    "an image reference looks like `[registry/]name[:tag][@digest]`, e.g. `ghcr.io/org/app:1.0`"
)


def too_long_hint(path: str) -> str:
    """The hint for a repository path past MAX_PATH_LENGTH (set by the parser itself)."""
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
    if not LOWER_HEX.issuperset(hex_part):
        return "a digest is written in lowercase hex: only 0-9 and a-f"
    return None


def _tag_hint(tag: str) -> str | None:
    if tag == "":
        return "nothing follows the `:`: add a tag such as `:1.25`, or remove the `:`"
    if len(tag) > MAX_TAG_LENGTH:
        return f"a tag is at most {MAX_TAG_LENGTH} characters; this one has {len(tag)}"
    if not is_tag(tag):
        return "a tag uses letters, digits, `_`, `.` and `-`, and cannot start with `.` or `-`"
    return None


def _name_hint(name: str) -> str | None:
    if name == "":
        return "the repository name is missing before the tag or digest"
    if "//" in name or name.startswith("/") or name.endswith("/"):
        return "the name has an empty part between slashes: remove the extra `/`"
    if name.lower() != name and match_grammar(name.lower()) is not None:
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
