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
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ruamel.yaml.events as ev
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .objects import ManifestError, Position, Problem

try:  # libyaml through ruamel.yaml.clib: about ten times faster than the pure parser
    from _ruamel_yaml import CParser as _CParser
except ImportError:  # pragma: no cover - the clib wheel is in our lock file
    _CParser = None

MAX_BYTES = 256 * 1024
MAX_DOCUMENTS = 100
MAX_DEPTH = 64
MAX_NODES = 100_000
MAX_PROBLEMS = 50  # collected per paste; the rest are counted

ScalarValue = str | int | float | bool | None

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}
_MAP_TAGS = {"!", f"{_YAML_TAG}map"}
_SEQ_TAGS = {"!", f"{_YAML_TAG}seq"}

# YAML forbids C0 controls other than tab/LF/CR, DEL, C1 controls except NEL, surrogates and
# U+FFFE/U+FFFF. A lone surrogate in a str is what a broken UTF-8 decode leaves behind.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# libyaml counts these as line breaks, editors mostly do not: use the pure parser then.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


# ----------------------------------------------------------------------------------- the tree


@dataclass(frozen=True, slots=True, eq=False)
class Scalar:
    """A string, number, boolean or null, with where it is written."""

    value: ScalarValue
    line: int
    column: int
    quoted: bool = False  # written in quotes (or as a block scalar): never resolved
    text: str = field(default="", repr=False)  # as written, before resolving

    size = 1  # nodes reachable, counting alias expansions
    height = 1  # levels of nesting, counting alias expansions

    @property
    def position(self) -> Position:
        return Position(self.line, self.column)

    def plain(self) -> ScalarValue:
        return self.value


@dataclass(frozen=True, slots=True, eq=False)
class Sequence:
    """A YAML list: `items` in order."""

    items: tuple[Node, ...]
    line: int
    column: int
    size: int = field(default=1, repr=False)  # nodes reachable, counting alias expansions
    height: int = field(default=1, repr=False)  # levels, counting alias expansions

    @property
    def value(self) -> tuple[Node, ...]:
        return self.items

    @property
    def position(self) -> Position:
        return Position(self.line, self.column)

    def plain(self) -> list[Any]:
        return [item.plain() for item in self.items]

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, slots=True, eq=False)
class Mapping:
    """A YAML mapping with string keys, in written order (merged keys after written ones).

    `values[key]` is the value node, `keys[key]` the key node (to point at the key itself).
    """

    values: dict[str, Node]
    keys: dict[str, Scalar]
    line: int
    column: int
    size: int = field(default=1, repr=False)
    height: int = field(default=1, repr=False)

    @property
    def value(self) -> dict[str, Node]:
        return self.values

    @property
    def position(self) -> Position:
        return Position(self.line, self.column)

    def get(self, key: str) -> Node | None:
        return self.values.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def items(self) -> Iterator[tuple[Scalar, Node]]:
        """(key node, value node) pairs in order."""
        for name, value in self.values.items():
            yield self.keys[name], value

    def plain(self) -> dict[str, Any]:
        return {name: value.plain() for name, value in self.values.items()}


Node = Scalar | Sequence | Mapping


@dataclass(frozen=True, slots=True)
class Document:
    """One document of a stream; `root` is None for an empty document (`---` alone, `~`)."""

    index: int  # 0-based, counting empty documents too
    root: Node | None
    line: int
    column: int


def describe(node: Node | None) -> str:
    """`a string`, `a list`, … for error messages."""
    if node is None:
        return "nothing"
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    return "a string"


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
    composer = _Composer(max_documents=max_documents, max_depth=max_depth, max_nodes=max_nodes)
    try:
        for event in _events(text):
            composer.feed(event)
    except MarkedYAMLError as error:
        raise ManifestError([*composer.problems, _syntax_problem(error, text),
                             *composer.dropped()]) from None
    except YAMLError as error:  # pragma: no cover - the reader's checks are done above
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


def _events(text: str) -> Iterator[ev.Event]:
    if _CParser is not None and not _ODD_BREAKS.search(text):
        parser = _CParser(text)
        try:
            while True:
                event = parser.get_event()
                yield event
                if isinstance(event, ev.StreamEndEvent):
                    return
        finally:
            parser.dispose()
    yield from YAML(typ="safe", pure=True).parse(text)


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


# --------------------------------------------------------------------------------- composing


_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
                    True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
                    False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_FLOATS = {".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}
for _sign, _factor in (("", 1.0), ("+", 1.0), ("-", -1.0)):
    for _word in (".inf", ".Inf", ".INF"):
        _FLOATS[_sign + _word] = _factor * math.inf
_INT = re.compile(r"[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[1-9][0-9_]*|0)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INT_MIN, _UINT_MAX = -(2**63), 2**64 - 1
_MAX_INT_CHARS = 70  # 0b + 64 binary digits + sign + a few underscores


class _TooLarge(ValueError):
    pass


def _resolve(text: str) -> ScalarValue:
    """The value of a plain (unquoted) scalar, by go-yaml v2's YAML 1.1 rules."""
    if text in _NULLS:
        return None
    if not text or text[0] not in "0123456789+-.ynYNtTfFoO":
        return text
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _FLOATS:
        return _FLOATS[text]
    if _INT.fullmatch(text) and not text.endswith("_"):
        return _to_int(text)
    if _FLOAT.fullmatch(text.replace("_", "")):
        return float(text.replace("_", ""))
    return text


def _to_int(text: str) -> int:
    digits = text.replace("_", "")
    if len(digits) > _MAX_INT_CHARS:
        raise _TooLarge(text)
    sign = -1 if digits.startswith("-") else 1
    body = digits.lstrip("+-")
    if body.startswith(("0b", "0x", "0o")):
        number = int(body[2:], {"b": 2, "x": 16, "o": 8}[body[1]])
    elif len(body) > 1 and body.startswith("0"):
        number = int(body, 8)
    else:
        number = int(body)
    number *= sign
    if not _INT_MIN <= number <= _UINT_MAX:
        raise _TooLarge(text)
    return number


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _Frame:
    """A collection being read."""

    is_mapping: bool
    line: int
    column: int
    anchor: str | None
    items: list[Node] = field(default_factory=list)
    values: dict[str, Node] = field(default_factory=dict)
    keys: dict[str, Scalar] = field(default_factory=dict)
    key: Scalar | None = None
    key_pending: bool = False  # a key was read (maybe a bad one): the next node is its value
    merges: list[Node] = field(default_factory=list)
    size: int = 1
    height: int = 1


class _MergeKey(Scalar):
    """The `<<` key of a merge."""

    __slots__ = ()


class _Composer:
    """Builds `Document`s from parser events, enforcing the limits as it goes."""

    def __init__(self, *, max_documents: int, max_depth: int, max_nodes: int) -> None:
        self.max_documents = max_documents
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.documents: list[Document] = []
        self.problems: list[Problem] = []
        self.anchors: dict[str, Node] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []
        self.root: Node | None = None
        self.start = (1, 1)
        self.aliases = 0
        self.more = 0  # problems past MAX_PROBLEMS, counted only

    def report(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more += 1

    def dropped(self) -> list[Problem]:
        """A last problem saying how many were left out, if any."""
        if not self.more:
            return []
        return [Problem(f"… and {self.more} more problems of the same kinds",
                        hint="fix these first")]

    def feed(self, event: ev.Event) -> None:
        mark = event.start_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        if isinstance(event, ev.ScalarEvent):
            scalar = self._scalar(event, line, column)
            if event.anchor:
                self.anchors[event.anchor] = scalar
            self._add(scalar)
        elif isinstance(event, ev.AliasEvent):
            self._add(self._alias(event.anchor, line, column))
        elif isinstance(event, ev.MappingStartEvent | ev.SequenceStartEvent):
            self._open(event, line, column)
        elif isinstance(event, ev.MappingEndEvent | ev.SequenceEndEvent):
            self._close()
        elif isinstance(event, ev.DocumentStartEvent):
            if len(self.documents) >= self.max_documents:
                raise ManifestError([*self.problems, Problem(
                    f"more than {self.max_documents} YAML documents", line, column,
                    hint="split the paste into smaller pieces")])
            self.anchors, self.open_anchors, self.aliases = {}, set(), 0
            self.root, self.start = None, (line, column)
        elif isinstance(event, ev.DocumentEndEvent):
            root = self.root
            if isinstance(root, Scalar) and root.value is None and not root.quoted:
                root = None
            self.documents.append(Document(len(self.documents), root, *self.start))

    # -- nodes

    def _scalar(self, event: ev.ScalarEvent, line: int, column: int) -> Scalar:
        tag, text = event.tag, event.value
        plain = bool(event.implicit and event.implicit[0]) and event.style in (None, "")
        value: ScalarValue = text
        try:
            if tag is None and plain:
                value = _resolve(text)
            elif tag in _SCALAR_TAGS:
                value = self._tagged(tag, text, line, column)
            elif tag is not None and tag != "!":
                self._unknown_tag(tag, line, column)
        except _TooLarge:
            self.report(Problem(
                f"integer {_short(text)} is too large (more than 64 bits)", line, column,
                hint="quote it if it is meant as text"))
        return Scalar(value, line, column, not plain, text)

    def _tagged(self, tag: str, text: str, line: int, column: int) -> ScalarValue:
        kind = tag[len(_YAML_TAG):]
        if kind == "str":
            return text
        value = _resolve(text)
        if kind == "null" and value is None or kind == "bool" and isinstance(value, bool):
            return value
        if kind in ("int", "float") and isinstance(value, int) and not isinstance(value, bool):
            return float(value) if kind == "float" else value
        if kind == "float" and isinstance(value, float):
            return value
        self.report(Problem(
            f"{_short(text)!r} is not a valid {_show_tag(tag)}", line, column))
        return text

    def _unknown_tag(self, tag: str, line: int, column: int) -> None:
        self.report(Problem(
            f"YAML tag {_short(_show_tag(tag), 60)} is not allowed", line, column,
            hint="remove the tag: only plain YAML data (no tags) is read"))

    def _alias(self, anchor: str, line: int, column: int) -> Node:
        self.aliases += 1
        node = self.anchors.get(anchor)
        if node is not None:
            return node
        if anchor in self.open_anchors:
            message = f"alias *{_short(anchor)} points into its own anchor (a cycle)"
        else:
            message = f"alias *{_short(anchor)} has no anchor &{_short(anchor)} before it"
        self.report(Problem(message, line, column,
                                     hint="aliases refer to an earlier `&anchor` of the document"))
        return Scalar(None, line, column)

    def _open(self, event: ev.CollectionStartEvent, line: int, column: int) -> None:
        if len(self.stack) >= self.max_depth:
            raise ManifestError([*self.problems, Problem(
                f"nesting deeper than {self.max_depth} levels", line, column,
                hint="no Kubernetes object is nested this deep")])
        is_mapping = isinstance(event, ev.MappingStartEvent)
        tag = event.tag
        if tag is not None and tag not in (_MAP_TAGS if is_mapping else _SEQ_TAGS):
            self._unknown_tag(tag, line, column)
        if event.anchor:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(is_mapping, line, column, event.anchor))

    def _close(self) -> None:
        frame = self.stack.pop()
        node: Node
        if frame.is_mapping:
            self._apply_merges(frame)
            node = Mapping(frame.values, frame.keys, frame.line, frame.column, frame.size,
                           frame.height)
        else:
            node = Sequence(tuple(frame.items), frame.line, frame.column, frame.size,
                            frame.height)
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = node
        self._add(node)

    # -- placing a finished node into its parent

    def _add(self, node: Node) -> None:
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        frame.size += node.size
        frame.height = max(frame.height, node.height + 1)
        if frame.size > self.max_nodes:
            self._too_many_nodes(frame)
        if len(self.stack) + node.height > self.max_depth:  # deep only through aliases
            raise ManifestError([*self.problems, Problem(
                f"aliases nest this document deeper than {self.max_depth} levels",
                node.line, node.column, hint="write the values out instead of nesting aliases")])
        if not frame.is_mapping:
            frame.items.append(node)
        elif not frame.key_pending:
            frame.key, frame.key_pending = self._key(node), True
        else:
            key, frame.key, frame.key_pending = frame.key, None, False
            if key is not None:
                self._put(frame, key, node)

    def _too_many_nodes(self, frame: _Frame) -> None:
        if self.aliases:
            message = (f"aliases expand this document to more than {self.max_nodes} values "
                       "(an alias bomb?)")
            hint = "write the values out instead of nesting aliases"
        else:
            message = f"the document has more than {self.max_nodes} values"
            hint = "paste only the objects you want to run"
        raise ManifestError([*self.problems, Problem(message, frame.line, frame.column,
                                                     hint=hint)])

    def _key(self, node: Node) -> Scalar | None:
        if isinstance(node, Scalar) and isinstance(node.value, str):
            if node.value == "<<" and not node.quoted:
                return _MergeKey(node.value, node.line, node.column, node.quoted, node.text)
            return node
        written = f" (`{_short(node.text)}` reads as {describe(node)})" \
            if isinstance(node, Scalar) and not node.quoted else f", not {describe(node)}"
        self.report(Problem(
            f"mapping keys must be strings{written}", node.line, node.column,
            hint="put the key in quotes"))
        return None

    def _put(self, frame: _Frame, key: Scalar, value: Node) -> None:
        if isinstance(key, _MergeKey):
            frame.merges.append(value)
            return
        name = str(key.value)
        first = frame.keys.get(name)
        if first is not None:
            self.report(Problem(
                f'duplicate key "{_short(name)}" (first at line {first.line}, '
                f"column {first.column})", key.line, key.column,
                hint="a key may appear only once in a mapping: remove one of them"))
            return
        frame.keys[name] = key
        frame.values[name] = value

    def _apply_merges(self, frame: _Frame) -> None:
        """`<<: *base` / `<<: [*a, *b]`: add the keys the mapping does not write itself."""
        for value in frame.merges:
            sources = value.items if isinstance(value, Sequence) else (value,)
            for source in sources:
                if not isinstance(source, Mapping):
                    self.report(Problem(
                        f"a merge key `<<` takes a mapping or a list of mappings, not "
                        f"{describe(source)}", source.line, source.column))
                    continue
                for name, entry in source.values.items():
                    if name not in frame.values:
                        frame.keys[name] = source.keys[name]
                        frame.values[name] = entry

