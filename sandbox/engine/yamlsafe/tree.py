"""The YAML tree `yamlsafe` composes: scalars, lists and mappings that know where they are written.

Every node carries a 1-based line and column, so a problem found while reading a manifest or a
scenario can point at the exact key or value. Nodes are immutable; an alias is the same node
object as its anchor, and `size` / `height` count what alias expansion would produce.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..problems import Position

ScalarValue = str | int | float | bool | None


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

# The composer makes one node per value of a paste. A frozen dataclass's `__init__` goes through
# `object.__setattr__` for each field; these set the slots directly, about twice as fast.
_new = object.__new__
_SCALAR_SLOTS = tuple(Scalar.__dict__[name].__set__
                      for name in ("value", "line", "column", "quoted", "text"))
_SEQUENCE_SLOTS = tuple(Sequence.__dict__[name].__set__
                        for name in ("items", "line", "column", "size", "height"))
_MAPPING_SLOTS = tuple(Mapping.__dict__[name].__set__
                       for name in ("values", "keys", "line", "column", "size", "height"))


def new_scalar(value: ScalarValue, line: int, column: int, quoted: bool, text: str) -> Scalar:
    """`Scalar(value, line, column, quoted, text)`, faster."""
    node = _new(Scalar)
    set_value, set_line, set_column, set_quoted, set_text = _SCALAR_SLOTS
    set_value(node, value)
    set_line(node, line)
    set_column(node, column)
    set_quoted(node, quoted)
    set_text(node, text)
    return node


def new_sequence(items: tuple[Node, ...], line: int, column: int, size: int,
                 height: int) -> Sequence:
    """`Sequence(items, line, column, size, height)`, faster."""
    node = _new(Sequence)
    set_items, set_line, set_column, set_size, set_height = _SEQUENCE_SLOTS
    set_items(node, items)
    set_line(node, line)
    set_column(node, column)
    set_size(node, size)
    set_height(node, height)
    return node


def new_mapping(values: dict[str, Node], keys: dict[str, Scalar], line: int, column: int,
                size: int, height: int) -> Mapping:
    """`Mapping(values, keys, line, column, size, height)`, faster."""
    node = _new(Mapping)
    set_values, set_keys, set_line, set_column, set_size, set_height = _MAPPING_SLOTS
    set_values(node, values)
    set_keys(node, keys)
    set_line(node, line)
    set_column(node, column)
    set_size(node, size)
    set_height(node, height)
    return node


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

