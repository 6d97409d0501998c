"""Reading a kubectl JSONPath template into text pieces and actions (client-go's parser.go).

Each action is a tuple of nodes: fields, wildcards, recursive descent, slices, unions,
filters, literals and the `range` / `end` keywords. Errors carry client-go's reasons
(`unterminated array`, `unrecognized character in action: U+0026 '&'`, …); `jsonpath.py` runs
what this reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_TEMPLATE", "Filter", "JSONPathError", "Keyword", "Literal", "Recursive", "Slice",
           "Text", "Union", "Wildcard", "Field", "parse"]

MAX_TEMPLATE = 2000  # characters: a template a learner types, not a program


class JSONPathError(ValueError):
    """kubectl's own message for a template that does not parse or cannot be run."""


# --- the template's nodes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Wildcard:
    pass


@dataclass(frozen=True)
class Recursive:
    pass


@dataclass(frozen=True)
class Slice:
    start: int | None
    stop: int | None
    step: int | None
    derived_stop: bool = False  # `[n]`: the stop is n + 1, not written


@dataclass(frozen=True)
class Union:
    branches: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Filter:
    left: tuple[Any, ...]
    operator: str  # ==, !=, <, >, <=, >=, or "exists"
    right: tuple[Any, ...]


@dataclass(frozen=True)
class Literal:
    value: int | float | bool


@dataclass(frozen=True)
class Keyword:
    name: str  # range, end, or what client-go calls an unrecognized identifier


_SLICE = re.compile(r"(-?\d*)(:-?\d*)?(:-?\d*)?")
_DICT_KEY = re.compile(r"'([^']*)'")
_FILTER = re.compile(r"([^!<>=]+)([!<>=]+)(.+?)", re.DOTALL)
_TERMINATORS = set(" \t\r\n.,[]$@{}")


def parse(template: str) -> list[Any]:
    """The template as text pieces and actions (tuples of nodes); JSONPathError if it cannot be
    read, with client-go's reason."""
    if len(template) > MAX_TEMPLATE:
        raise JSONPathError(f"a template of at most {MAX_TEMPLATE} characters is read here")
    items: list[Any] = []
    pos = 0
    while pos < len(template):
        start = template.find("{", pos)
        if start < 0:
            items.append(Text(template[pos:]))
            break
        if start > pos:
            items.append(Text(template[pos:start]))
        nodes, pos = _action(template, start + 1)
        items.append(tuple(nodes))
    return items


def _action(text: str, pos: int, stop: str = "}") -> tuple[list[Any], int]:
    """The nodes of one action from `pos`, and where it ended (after its `}`)."""
    nodes: list[Any] = []
    while True:
        if text.startswith(stop, pos) and stop:
            return nodes, pos + len(stop)
        if pos >= len(text):
            if not stop:
                return nodes, pos
            raise JSONPathError("unclosed action")
        if text.startswith("[?(", pos):
            node, pos = _filter(text, pos + 3)
            nodes.append(node)
            continue
        if text.startswith("..", pos):
            if nodes and isinstance(nodes[-1], Recursive):
                raise JSONPathError("invalid multiple recursive descent")
            nodes.append(Recursive())
            pos += 2
            if pos < len(text) and _alphanumeric(text[pos]):
                pos = _field(text, pos, nodes)
            continue
        pos = _token(text, pos, nodes)


def _token(text: str, pos: int, nodes: list[Any]) -> int:
    """One token of an action at `pos` (its first character decides); where it ends."""
    char = text[pos]
    if char in "\r\n":
        raise JSONPathError("unclosed action")
    if char in " @$":
        return pos + 1
    if char == "[":
        return _array(text, pos, nodes)
    if char in "\"'":
        return _quoted(text, pos, char, nodes)
    if char == ".":
        return _field(text, pos + 1, nodes)
    if char in "+-" or char.isdigit():
        return _number(text, pos, nodes)
    if _alphanumeric(char):
        end = pos
        while end < len(text) and text[end] not in _TERMINATORS:
            end += 1
        word = text[pos:end]
        nodes.append(Literal(word == "true") if word in ("true", "false") else Keyword(word))
        return end
    raise JSONPathError(f"unrecognized character in action: {_go_rune(char)}")


def _alphanumeric(char: str) -> bool:
    return char == "_" or char.isalpha() or char.isdigit()


def _go_rune(char: str) -> str:
    """Go's %#U: U+0026 '&'."""
    code = f"U+{ord(char):04X}"
    return f"{code} '{char}'" if char.isprintable() else code


def _field(text: str, pos: int, nodes: list[Any]) -> int:
    start = pos
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
            continue
        if text[pos] in _TERMINATORS:
            break
        pos += 1
    name = text[start:pos]
    nodes.append(Wildcard() if name == "*" else Field(name.replace("\\", "")))
    return pos


def _number(text: str, pos: int, nodes: list[Any]) -> int:
    start = pos
    if text[pos] in "+-":
        pos += 1
    while pos < len(text) and (text[pos] == "." or text[pos].isdigit()):
        pos += 1
    written = text[start:pos]
    try:
        nodes.append(Literal(int(written)))
    except ValueError:
        try:
            nodes.append(Literal(float(written)))
        except ValueError:
            raise JSONPathError(f"cannot parse number {written}") from None
    return pos


def _quoted(text: str, pos: int, quote: str, nodes: list[Any]) -> int:
    end = pos + 1
    while True:
        if end >= len(text) or text[end] == "\n":
            raise JSONPathError("unterminated quoted string")
        if text[end] == quote and text[end - 1] != "\\":
            break
        end += 1
    written = text[pos:end + 1]
    nodes.append(Text(_unquote(written[1:-1], written)))
    return end + 1


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", "'": "'", '"': '"'}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def _unquote(inner: str, written: str) -> str:
    """strconv.UnquoteChar over a quoted string's inside (client-go's UnquoteExtend)."""
    out: list[str] = []
    index = 0
    while index < len(inner):
        char = inner[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        code = inner[index + 1:index + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            index += 2
        elif code in _HEX_ESCAPES:
            digits = inner[index + 2:index + 2 + _HEX_ESCAPES[code]]
            if len(digits) != _HEX_ESCAPES[code] or not all(c in "0123456789abcdefABCDEF"
                                                            for c in digits):
                raise JSONPathError(f"unquote string {written} error invalid syntax")
            out.append(chr(int(digits, 16)) if int(digits, 16) <= 0x10FFFF else "\ufffd")
            index += 2 + len(digits)
        elif code.isdigit() and inner[index + 1:index + 4].isdigit():
            out.append(chr(int(inner[index + 1:index + 4], 8) & 0xFF))
            index += 4
        else:
            raise JSONPathError(f"unquote string {written} error invalid syntax")
    return "".join(out)


def _array(text: str, pos: int, nodes: list[Any]) -> int:
    close = pos + 1
    while True:
        if close >= len(text) or text[close] == "\n":
            raise JSONPathError("unterminated array")
        if text[close] == "]":
            break
        close += 1
    inside = text[pos + 1:close]
    inside = ":" if inside == "*" else inside
    after = close + 1
    parts = inside.split(",")
    if len(parts) > 1:
        branches = []
        for part in parts:
            branch, _ = _action("[" + part.strip(" ") + "]", 0, "")
            branches.append(tuple(branch))
        nodes.append(Union(tuple(branches)))
        return after
    key = _DICT_KEY.fullmatch(inside)
    if key is not None:
        branch, _ = _action("." + key.group(1), 0, "")
        nodes.extend(branch)
        return after
    found = _SLICE.fullmatch(inside)
    if found is None:
        raise JSONPathError(f"invalid array index {inside}")
    start, stop, step = (found.group(1), found.group(2), found.group(3))
    try:
        first = int(start) if start else None
        if stop is None:
            nodes.append(Slice(first, (first or 0) + 1, None, derived_stop=True))
        else:
            nodes.append(Slice(first, int(stop[1:]) if stop[1:] else None,
                               int(step[1:]) if step and step[1:] else None))
    except ValueError:
        raise JSONPathError(f"array index {inside} is not a number") from None
    return after


def _filter(text: str, pos: int) -> tuple[Filter, int]:
    start, quote, opened, closed = pos, "", False, False
    while True:
        if pos >= len(text) or text[pos] == "\n":
            raise JSONPathError("unterminated filter")
        char = text[pos]
        pos += 1
        if char in "\"'":
            if not opened:
                opened, quote = True, char
            elif char == quote and text[pos - 2] != "\\":
                closed = True
        elif char == ")" and opened == closed:
            break
    if pos >= len(text) or text[pos] != "]":
        raise JSONPathError("unclosed array expect ]")
    inside = text[start:pos - 1]
    compared = _FILTER.fullmatch(inside)
    if compared is None:
        left, _ = _action(inside, 0, "")
        return Filter(tuple(left), "exists", ()), pos + 1
    left, _ = _action(compared.group(1), 0, "")
    right, _ = _action(compared.group(3), 0, "")
    return Filter(tuple(left), compared.group(2), tuple(right)), pos + 1
