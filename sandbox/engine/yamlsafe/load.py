"""Hostile-input-safe YAML loading that keeps a 1-based line and column on every node.

Used by `load_manifests` (pastes) and `load_scenario` (scenario files). Nothing here constructs
Python objects from tags: we read ruamel.yaml's *event* stream (libyaml through
ruamel.yaml.clib when available) and compose our own tiny tree, so we can enforce every limit
while reading instead of after an expansion:

* the text is refused before parsing when it passes `max_bytes` (UTF-8 bytes), or holds NUL or
  other characters YAML forbids, or (as bytes) is not valid UTF-8;
* more than `max_documents` documents, nesting deeper than `max_depth`, or a document whose
  values, counting every alias expansion, pass `max_nodes` ("billion laughs") stop reading at
  once. Aliases are never copied: an alias is the same node object as its anchor, and each
  node's expanded size is computed once, when it is complete;
* duplicate keys, non-string keys, unknown tags (`!!python/object`, `!!binary`, `!custom`),
  integers beyond 64 bits and undefined aliases are collected, so one error lists them all.

Plain scalars are resolved the way kubectl reads YAML (sigs.k8s.io/yaml, i.e. go-yaml v2's
YAML 1.1 rules): `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0755` is octal, `1_000` is 1000,
timestamps stay strings. Merge keys (`<<: *base`) are supported, as in kubectl.

Everything wrong is raised as one `ManifestError` carrying `Problem`s with line and column.

The C parser (libyaml) reads a paste when it can. It refuses a colon inside a plain scalar of a
flow collection (`{image: nginx:1.25}`); such a paste is read by the C parser after `flowquote`
has quoted those scalars, its events mapped back and checked by `flowmap` (the same values and
positions as the pure parser's), or else by ruamel's pure-Python parser, about ten times slower.

This module is the entry point and the pre-parse checks. The tree is `tree`, the composer
`compose`, plain-scalar resolution `resolve`; the tree and limits are re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import ruamel.yaml.events as ev
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..problems import ManifestError, Problem
from .compose import MAX_PROBLEMS, Composer
from .flowmap import mapped_events
from .flowquote import Rewrite, Unproven, rewrite
from .tree import Document, Mapping, Node, Scalar, ScalarValue, Sequence, describe

__all__ = [
    "MAX_BYTES", "MAX_DEPTH", "MAX_DOCUMENTS", "MAX_NODES", "MAX_PROBLEMS",
    "Document", "Mapping", "Node", "Scalar", "ScalarValue", "Sequence",
    "describe", "load_yaml_mapping", "safe_load_documents",
]

try:  # libyaml through ruamel.yaml.clib: about ten times faster than the pure parser
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - the clib wheel is in our lock file
    _CParser = None

MAX_BYTES = 256 * 1024
MAX_DOCUMENTS = 100
MAX_DEPTH = 64
MAX_NODES = 100_000

# YAML forbids C0 controls other than tab/LF/CR, DEL, C1 controls except NEL, surrogates and
# U+FFFE/U+FFFF. A lone surrogate in a str is what a broken UTF-8 decode leaves behind.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# libyaml counts these as line breaks, editors mostly do not: use the pure parser then.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")



# ------------------------------------------------------------------------------- public calls


def safe_load_documents(
    text: str | bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_documents: int = MAX_DOCUMENTS,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> list[Document]:
    """Every document of `text`, empty ones included; raises ManifestError on anything wrong."""
    text = _checked_text(text, max_bytes)
    limits = {"max_documents": max_documents, "max_depth": max_depth, "max_nodes": max_nodes}
    try:
        return _compose(text, limits, pure=False)
    except _FlowColon:
        pass
    # The libyaml bundled with ruamel.yaml.clib refuses `{image: nginx:1.25}`, which kubectl
    # (go-yaml v2) and the pure parser accept. Quote such scalars for the C parser when that is
    # shown to read the same (`flowquote`), else read the paste with the pure parser.
    fast = rewrite(text[1:] if text.startswith("\ufeff") else text)
    if fast is not None:
        try:
            return _compose(text, limits, pure=False, fast=fast)
        except Unproven:
            pass
    return _compose(text, limits, pure=True)


class _FlowColon(Exception):
    """The C scanner stopped at a colon, or a `?`, inside a plain scalar of a flow collection."""


def _flow_refusal(error: MarkedYAMLError, text: str) -> bool:
    """Whether libyaml refused what the pure parser reads: a colon inside a flow plain scalar,
    or a `?` (libyaml ends a flow plain scalar there: `{url: x?y}`)."""
    if error.problem == "found unexpected ':'":
        return True
    mark = error.problem_mark
    if mark is None or not (error.problem or "").startswith("did not find expected ','"):
        return False
    line: int = mark.line
    column: int = mark.column
    lines = text.splitlines()
    return line < len(lines) and lines[line][column:column + 1] == "?"


def _compose(text: str, limits: dict[str, int], *, pure: bool,
             fast: Rewrite | None = None) -> list[Document]:
    composer = Composer(**limits)
    events = _events(text, pure=pure) if fast is None else \
        mapped_events(fast, _c_events(fast.text))
    try:
        for event in events:
            composer.feed(event)
    except MarkedYAMLError as error:
        if fast is not None:
            raise Unproven from None  # the pure parser says where the original text is wrong
        if not pure and _flow_refusal(error, text):
            raise _FlowColon from None
        raise ManifestError([*composer.problems, _syntax_problem(error, text),
                             *composer.dropped()]) from None
    except YAMLError as error:  # pragma: no cover - the reader's checks are done above
        if fast is not None:
            raise Unproven from None
        raise ManifestError([*composer.problems, Problem(f"YAML error: {error}")]) from None
    if composer.problems:
        raise ManifestError(composer.problems + composer.dropped())
    return composer.documents


def load_yaml_mapping(text: str | bytes, *, what: str = "file", **limits: int) -> Mapping:
    """The single top-level mapping of a one-document file (a scenario, a lesson)."""
    documents = [doc for doc in safe_load_documents(text, **limits) if doc.root is not None]
    if not documents:
        raise ManifestError([Problem(f"the {what} is empty", 1, 1)])
    if len(documents) > 1:
        extra = documents[1]
        raise ManifestError([Problem(
            f"the {what} must be a single YAML document", extra.line, extra.column,
            hint="remove the `---` separator and the text after it",
        )])
    root = documents[0].root
    if not isinstance(root, Mapping):
        assert root is not None
        raise ManifestError([Problem(
            f"the {what} must be a mapping (`key: value` lines), not {describe(root)}",
            root.line, root.column,
        )])
    return root


# ------------------------------------------------------------------------------- pre-checks


def _checked_text(text: str | bytes, max_bytes: int) -> str:
    """The text as str, refused when too big, not UTF-8 or holding forbidden characters."""
    if isinstance(text, bytes):
        raw = text
        if len(raw) > max_bytes:
            raise ManifestError([_too_big(len(raw), max_bytes)])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line, column = _offset_position(raw[: error.start].decode("utf-8", "replace"))
            raise ManifestError([Problem(
                f"invalid UTF-8 (byte 0x{raw[error.start]:02x})", line, column,
                hint="save the file as UTF-8 text",
            )]) from None
    # Each character is at least one UTF-8 byte: encode only when it may matter.
    if len(text) > max_bytes or len(text) * 4 > max_bytes:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise ManifestError([_too_big(size, max_bytes)])
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        raise ManifestError([_forbidden_character(text, bad.start())])
    return text


def _kib(size: int) -> str:
    """Rounded up to a tenth, so a text just over the limit never reads as equal to it."""
    tenths = -(-size * 10 // 1024)
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def _too_big(size: int, max_bytes: int) -> Problem:
    return Problem(
        f"the text is {_kib(size)} KiB; at most {_kib(max_bytes)} KiB is accepted",
        hint="paste only the objects you want to run",
    )


def _offset_position(before: str) -> tuple[int, int]:
    line = before.count("\n") + 1
    return line, len(before) - (before.rfind("\n") + 1) + 1


def _forbidden_character(text: str, offset: int) -> Problem:
    line, column = _offset_position(text[:offset])
    char = text[offset]
    if char == "\x00":
        return Problem("NUL byte in the text", line, column,
                       hint="the text looks binary: paste YAML text only")
    if "\ud800" <= char <= "\udfff":
        return Problem("invalid UTF-8 in the text", line, column,
                       hint="save the file as UTF-8 text")
    return Problem(f"control character U+{ord(char):04X} is not allowed in YAML", line, column,
                   hint="delete it; it is invisible in most editors")


def _events(text: str, *, pure: bool = False) -> Iterator[ev.Event]:
    if not pure and _CParser is not None and not _ODD_BREAKS.search(text):
        yield from _c_events(text)
        return
    yield from YAML(typ="safe", pure=True).parse(text)


def _c_events(text: str) -> Iterator[ev.Event]:
    if _CParser is None:  # pragma: no cover - the clib wheel is in our lock file
        raise Unproven
    parser = _CParser(text)
    try:
        while True:
            event = parser.get_event()
            yield event
            if isinstance(event, ev.StreamEndEvent):
                return
    finally:
        parser.dispose()


# ----------------------------------------------------------------------------- syntax errors

_PLAIN_MESSAGES = {
    "mapping values are not allowed in this context": "mapping values are not allowed here",
}
_HINTS = {
    "mapping values are not allowed here":
        "a colon inside a value needs quotes, or check the indentation",
    "did not find expected key": "check the indentation of this line against the lines above",
    "did not find expected '-' indicator":
        "a list and a mapping are mixed at the same indentation",
    "could not find expected ':'": "a key needs a colon after it, or a long value needs quotes",
    "found unexpected end of stream": "a quote or bracket is never closed",
    "found undefined tag handle": "quote the value: `!` starts a YAML tag",
    "found character that cannot start any token":
        "quote the value: `@` and a backtick cannot start a plain value",
}
_TAB_HINT = "YAML indents with spaces only: replace the tab with spaces"


def _syntax_problem(error: MarkedYAMLError, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    raw = (error.problem or error.context or "invalid YAML").strip()
    message = _PLAIN_MESSAGES.get(raw, raw)
    hint = _HINTS.get(message, "check the indentation and quoting around here")
    if mark is None:
        return Problem(f"invalid YAML: {message}", hint=hint)
    line, column = mark.line + 1, mark.column + 1
    lines = text.splitlines()
    here = lines[mark.line] if mark.line < len(lines) else ""
    indent = here[: len(here) - len(here.lstrip(" \t"))]
    if "\t" in indent or "tab" in message:
        message, hint = "tab character in the indentation", _TAB_HINT
        column = indent.index("\t") + 1 if "\t" in indent else column
    elif error.context and error.context_mark is not None and error.problem_mark is not None:
        started = error.context_mark
        message = f"{message} ({error.context} at line {started.line + 1}, " \
                  f"column {started.column + 1})"
    return Problem(message, line, column, hint=hint)

