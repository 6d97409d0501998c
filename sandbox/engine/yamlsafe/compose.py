"""The composer behind `safe_load_documents`: parser events in, `yamltree` documents out.

It enforces the document, depth and node limits while it reads (an alias is never copied, so an
alias bomb is refused after counting, not after expanding), resolves plain scalars through
`yamlresolve`, and collects duplicate keys, non-string keys, unknown tags, too-large integers
and undefined aliases as problems, so one error can list them all. Merge keys (`<<: *base`) are
applied when their mapping closes.
"""

from __future__ import annotations

import ruamel.yaml.events as ev

from ..problems import ManifestError, Problem
from .resolve import TooLarge, resolve_plain
from .tree import (
    Document,
    Mapping,
    Node,
    Scalar,
    ScalarValue,
    Sequence,
    describe,
    new_mapping,
    new_scalar,
    new_sequence,
)

MAX_PROBLEMS = 50  # collected per paste; the rest are counted

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}
_MAP_TAGS = {"!", f"{_YAML_TAG}map"}
_SEQ_TAGS = {"!", f"{_YAML_TAG}seq"}


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Frame:
    """A collection being read (a plain slots class: one is made per collection)."""

    __slots__ = ("anchor", "column", "height", "is_mapping", "items", "key", "key_pending",
                 "keys", "line", "merges", "size", "values")

    def __init__(self, is_mapping: bool, line: int, column: int, anchor: str | None) -> None:
        self.is_mapping, self.line, self.column, self.anchor = is_mapping, line, column, anchor
        self.items: list[Node] = []
        self.values: dict[str, Node] = {}
        self.keys: dict[str, Scalar] = {}
        self.key: Scalar | None = None
        self.key_pending = False  # a key was read (maybe a bad one): the next node is its value
        self.merges: list[Node] = []
        self.size = 1
        self.height = 1


class _MergeKey(Scalar):
    """The `<<` key of a merge."""

    __slots__ = ()


class Composer:
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
        if type(event) is ev.ScalarEvent or isinstance(event, ev.ScalarEvent):
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
                value = resolve_plain(text)
            elif tag in _SCALAR_TAGS:
                value = self._tagged(tag, text, line, column)
            elif tag is not None and tag != "!":
                self._unknown_tag(tag, line, column)
        except TooLarge:
            self.report(Problem(
                f"integer {_short(text)} is too large (more than 64 bits)", line, column,
                hint="quote it if it is meant as text"))
        return new_scalar(value, line, column, not plain, text)

    def _tagged(self, tag: str, text: str, line: int, column: int) -> ScalarValue:
        kind = tag[len(_YAML_TAG):]
        if kind == "str":
            return text
        value = resolve_plain(text)
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
            node = new_mapping(frame.values, frame.keys, frame.line, frame.column, frame.size,
                               frame.height)
        else:
            node = new_sequence(tuple(frame.items), frame.line, frame.column, frame.size,
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
        height = node.height
        if height >= frame.height:
            frame.height = height + 1
        if frame.size > self.max_nodes:
            self._too_many_nodes(frame)
        if len(self.stack) + height > self.max_depth:
            raise ManifestError([*self.problems, self._too_deep(node)])
        if not frame.is_mapping:
            frame.items.append(node)
        elif not frame.key_pending:
            frame.key, frame.key_pending = self._key(node), True
        else:
            key, frame.key, frame.key_pending = frame.key, None, False
            if key is not None:
                self._put(frame, key, node)

    def _too_deep(self, node: Node) -> Problem:
        if not self.aliases:  # a scalar one level below the deepest collection `_open` allows
            return Problem(f"nesting deeper than {self.max_depth} levels", node.line,
                           node.column, hint="no Kubernetes object is nested this deep")
        return Problem(f"aliases nest this document deeper than {self.max_depth} levels",
                       node.line, node.column,
                       hint="write the values out instead of nesting aliases")

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

