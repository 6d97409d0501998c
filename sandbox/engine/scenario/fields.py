"""Typed, strict reading of fields from a positioned YAML tree (`yamlsafe` nodes).

`FieldReader` never raises: each getter records a `Problem` (message, line, column, field path)
and returns None, so a loader reports every mistake of a file at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from ..problems import Problem, suggestion
from ..yamlsafe import Mapping, Scalar, Sequence, describe
from ..yamlsafe import Node as YamlNode

T = TypeVar("T")

_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(\.{_DNS_LABEL})*")
_NAME_PART = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")


def child(path: str, key: str) -> str:
    """`path.key`, or `path["key"]` when the key holds dots, slashes or spaces."""
    if _SIMPLE_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f'{path}["{key}"]'


def where(node: YamlNode) -> str:
    """`line L, column C` of a node, for "first defined at …" hints."""
    return f"line {node.line}, column {node.column}"


def or_default(value: T | None, default: T) -> T:
    return default if value is None else value


def is_subdomain(name: str) -> bool:
    """An RFC 1123 subdomain, as node and Secret names must be."""
    return len(name) <= 253 and _SUBDOMAIN.fullmatch(name) is not None


def is_qualified_name(key: str) -> bool:
    """A label or taint key: optional `prefix/` (a subdomain) and a name of at most 63."""
    prefix, slash, name = key.rpartition("/")
    if slash and not (prefix and is_subdomain(prefix)):
        return False
    return len(name) <= 63 and _NAME_PART.fullmatch(name) is not None


def is_label_value(value: str) -> bool:
    return value == "" or (len(value) <= 63 and _NAME_PART.fullmatch(value) is not None)


class FieldReader:
    """Reads fields and collects problems; every getter treats an absent or null value as None."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, node: YamlNode | None, path: str, message: str,
              hint: str | None = None) -> None:
        line, column = (node.line, node.column) if node is not None else (None, None)
        self.problems.append(Problem(message, line, column, path or None, hint=hint))

    def _wrong_type(self, node: YamlNode, path: str, wanted: str, hint: str | None = None) -> None:
        where = f"{path} " if path else ""
        self.error(node, path, f"{where}must be {wanted}, not {describe(node)}", hint=hint)

    def mapping(self, node: YamlNode | None, path: str) -> Mapping | None:
        if node is None or is_null(node):
            return None
        if not isinstance(node, Mapping):
            self._wrong_type(node, path, "a mapping (`key: value` lines)")
            return None
        return node

    def fields(self, node: YamlNode | None, path: str, allowed: tuple[str, ...],
               required: tuple[str, ...] = ()) -> Mapping | None:
        """The mapping at `node`, after reporting unknown keys and missing required ones."""
        mapping = self.mapping(node, path)
        if mapping is None:
            if node is not None and is_null(node) and required:
                self.error(node, path, f"{path} needs {_needs(required)}")
            return None
        for key_node, _ in mapping.items():
            key = str(key_node.value)
            if key not in allowed:
                hint = suggestion(key, allowed) or "known fields: " + ", ".join(allowed)
                self.error(key_node, child(path, key), f"unknown field {key!r}", hint=hint)
        for key in required:
            value = mapping.get(key)
            if value is None:
                self.error(mapping, child(path, key), f"missing required field {key!r}")
            elif is_null(value):
                self.error(value, child(path, key), f"{key!r} needs a value")
        return mapping

    def sequence(self, node: YamlNode | None, path: str,
                 required: bool = False) -> tuple[YamlNode, ...]:
        if node is None or is_null(node):
            if required and node is not None:
                self.error(node, path, f"{path} needs at least one entry")
            return ()
        if not isinstance(node, Sequence):
            self._wrong_type(node, path, "a list (`- ` lines)")
            return ()
        if required and not node.items:
            self.error(node, path, f"{path} needs at least one entry")
        return node.items

    def string(self, node: YamlNode | None, path: str, empty: bool = False) -> str | None:
        if node is None or is_null(node):
            return None
        if not isinstance(node, Scalar) or not isinstance(node.value, str):
            self._wrong_type(node, path, "a string",
                             hint="put it in quotes" if isinstance(node, Scalar) else None)
            return None
        if not empty and not node.value.strip():
            self.error(node, path, f"{path} must not be empty")
            return None
        return node.value

    def boolean(self, node: YamlNode | None, path: str) -> bool | None:
        if node is None or is_null(node):
            return None
        if not isinstance(node, Scalar) or not isinstance(node.value, bool):
            self._wrong_type(node, path, "true or false")
            return None
        return node.value

    def integer(self, node: YamlNode | None, path: str) -> int | None:
        if node is None or is_null(node):
            return None
        value = node.value if isinstance(node, Scalar) else None
        if not isinstance(value, int) or isinstance(value, bool):
            self._wrong_type(node, path, "a whole number")
            return None
        return value

    def choice(self, node: YamlNode | None, path: str, choices: tuple[str, ...]) -> str | None:
        value = self.string(node, path)
        if value is None or value in choices:
            return value
        self.error(node, path, f"{value!r} is not one of {', '.join(choices)}",
                   hint=suggestion(value, choices))
        return None

    def unit(self, node: YamlNode | None, path: str, parse: Callable[[object], T]) -> T | None:
        """A value read by one of the `units` parsers; its ValueError becomes a problem."""
        if node is None or is_null(node):
            return None
        if not isinstance(node, Scalar):
            self._wrong_type(node, path, "a number or a string")
            return None
        try:
            return parse(node.value)
        except ValueError as error:
            self.error(node, path, str(error))
            return None

    def string_map(self, node: YamlNode | None, path: str) -> dict[str, str]:
        """A mapping of strings to strings (labels, annotations)."""
        mapping = self.mapping(node, path)
        result: dict[str, str] = {}
        for key_node, value in mapping.items() if mapping is not None else ():
            text = self.string(value, child(path, str(key_node.value)), empty=True)
            if text is not None:
                result[str(key_node.value)] = text
        return result


def is_null(node: YamlNode) -> bool:
    """A `key:` with nothing after it (or `~`, `null`)."""
    return isinstance(node, Scalar) and node.value is None and not node.quoted


def _needs(required: tuple[str, ...]) -> str:
    return ", ".join(f"`{key}`" for key in required)
