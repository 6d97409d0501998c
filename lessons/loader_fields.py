"""Reading a content file's fields for the loader (`lessons.loader`): each value checked, and
every problem raised as a ContentError placed at its line and column in the file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from lessons.models import normalize_newlines


class ContentError(Exception):
    """A content file that cannot be loaded, with where the problem is."""

    def __init__(self, path: Path, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.line is not None:
            where = f", line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{self.path}{where}: {self.message}"


def key_position(mapping: Any, key: str) -> tuple[int | None, int | None]:
    """1-based line and column of `key` in a round-trip mapping, when known."""
    try:
        line, column = mapping.lc.key(key)
    except (AttributeError, KeyError, TypeError):
        return None, None
    return line + 1, column + 1


def block_origin(mapping: Any, key: str, lines: Sequence[str]) -> tuple[int, int] | None:
    """For a `key: |` block scalar: (0-based file line of its first text line, its indent).

    Lets a problem found in the value (line 1 = first line of the block) be reported at its place
    in the file. Other scalar styles fold lines, so their positions cannot be mapped back.
    """
    value = mapping.get(key)
    if not isinstance(value, str) or type(value).__name__ != "LiteralScalarString":
        return None
    try:
        first = mapping.lc.value(key)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return None
    for line in lines[first:]:
        if line.strip():
            return first, len(line) - len(line.lstrip(" "))
    return None


def problem_error(path: Path, mapping: Any, key: str, lines: Sequence[str],
                   problems: Sequence[Any]) -> ContentError:
    """The first problem of a YAML-in-YAML value, placed in the file where possible."""
    problem = problems[0]
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    hint = f" ({problem.hint})" if problem.hint else ""
    origin = block_origin(mapping, key, lines)
    if origin is not None and problem.line is not None:
        first, indent = origin
        return ContentError(path, f"{key}: {problem.message}{hint}{more}",
                            first + problem.line, indent + (problem.column or 1))
    where = f" at line {problem.line} of the value" if problem.line is not None else ""
    line, column = key_position(mapping, key)
    return ContentError(path, f"{key}{where}: {problem.message}{hint}{more}", line, column)


def text_field(path: Path, mapping: Any, key: str, *, required: bool = False) -> str:
    value = mapping.get(key)
    if value is None:
        if required:
            raise ContentError(path, f"`{key}` is required", *first_line(mapping))
        return ""
    if not isinstance(value, str):
        raise ContentError(path, f"`{key}` must be text", *key_position(mapping, key))
    return normalize_newlines(str(value))


def settings_field(path: Path, mapping: Any, key: str) -> dict[str, bool | str | None]:
    """A challenge's `solution_settings`: setting to true, false, a name or null (checked
    against the scenario's `learnerSettings:` when the challenge is saved and in the tests)."""
    value = mapping.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, (bool, str)))
            for k, v in value.items()):
        raise ContentError(path, f"`{key}` must map each setting to true, false, a name or null",
                           *key_position(mapping, key))
    return {str(k): v for k, v in value.items()}


def integer_field(path: Path, mapping: Any, key: str, default: int) -> int:
    value = mapping.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError(path, f"`{key}` must be a whole number", *key_position(mapping, key))
    return int(value)


def first_line(mapping: Any) -> tuple[int | None, int | None]:
    try:
        return mapping.lc.line + 1, mapping.lc.col + 1
    except AttributeError:
        return None, None


def check_keys(path: Path, mapping: Any, allowed: set[str], what: str) -> None:
    for key in mapping:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise ContentError(path, f"unknown {what} key `{key}` (known keys: {known})",
                               *key_position(mapping, str(key)))


def hints_field(path: Path, mapping: Any) -> str:
    """Hints as text, one per paragraph; the file may also give them as a list."""
    value = mapping.get("hints")
    if isinstance(value, list):
        if not all(isinstance(hint, str) for hint in value):
            raise ContentError(path, "`hints` must be text or a list of texts",
                               *key_position(mapping, "hints"))
        return "\n\n".join(" ".join(hint.split()) for hint in value)
    return text_field(path, mapping, "hints").strip()


def questions_field(path: Path, mapping: Any) -> str:
    """`questions:` as a list of kinds (or one line of them), stored space-separated."""
    value = mapping.get("questions") or []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
        raise ContentError(path, "`questions` must be a list of question kinds",
                           *key_position(mapping, "questions"))
    return " ".join(value)


def item_position(sequence: Any, index: int) -> tuple[int | None, int | None]:
    try:
        line, column = sequence.lc.item(index)
    except (AttributeError, KeyError, TypeError):
        return None, None
    return line + 1, column + 1


def validation_error(path: Path, mapping: Any, error: ValidationError,
                      key_names: dict[str, str]) -> ContentError:
    name, messages = next(iter(error.message_dict.items()))
    key = key_names.get(name, name)
    line, column = key_position(mapping, key)
    if line is None:
        line, column = first_line(mapping)
    return ContentError(path, f"{key}: {' '.join(messages)}", line, column)
