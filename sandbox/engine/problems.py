"""Where input went wrong: positions, problems, and the error that carries them to the edge.

Bad input is a `ManifestError` raised in the engine with every `Problem` found (line, column,
field path, what to do), and translated once at the edge (consumer, view, command).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in the text the learner pasted."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or suspicious) in the input, with where it is."""

    message: str
    line: int | None = None
    column: int | None = None
    path: str | None = None  # field path, e.g. spec.containers[0].imagePullPolicy
    severity: Literal["error", "warning"] = "error"
    hint: str | None = None  # what to do about it

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "severity": self.severity,
            "hint": self.hint,
        }


class ManifestError(ValueError):
    """Bad input: carries every problem found, each with line and column where known."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid input")



def _squash(word: str) -> str:
    return word.lower().replace("_", "").replace("-", "")


def suggestion(word: str, choices: Iterable[str]) -> str | None:
    """`did you mean "x"?` for the closest choice, or None when nothing is close."""
    options = list(choices)
    by_squash = {_squash(option): option for option in options}
    close = by_squash.get(_squash(word))
    if close is None:
        found = difflib.get_close_matches(word, options, n=1, cutoff=0.7)
        close = found[0] if found else None
    return f'did you mean "{close}"?' if close is not None else None
