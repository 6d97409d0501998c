"""The build context of a simulated `docker build`: its files, and which of them a COPY takes.

The context is a map from a relative path (`app.py`, `src/main.py`) to a version label (`v1`)
and, optionally, a size. Sources match as Docker matches them: a path names a file or a
directory (and everything under it), `.` is the whole context, and `*`, `?`, `[a-z]` and `\\`
follow Go's `filepath.Match`, where `*` never crosses a `/`. Matching is a dynamic programme
over the pattern and the path, so no pattern can make it slow.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from ..problems import suggestion
from .parse import short
from .sizes import ADD_URL, TAR_OVERHEAD, file_size, spread

MAX_FILES = 1000
MAX_PATH = 255
MAX_PATTERN = 255
MAX_SOURCES = 50  # per COPY or ADD
# Wildcard matching costs pattern length × path length; one build may spend this much.
MATCH_BUDGET = 2_000_000
_WILDCARDS = frozenset("*?[\\")


@dataclass(frozen=True)
class BuildFile:
    """A file of the build context: a version label (its content) and, if known, its size."""

    version: str
    size: int | None = None  # bytes; None: estimated from the name


class MatchBudget:
    """How much wildcard matching one build may still do, so no Dockerfile can be slow."""

    def __init__(self, cells: int = MATCH_BUDGET) -> None:
        self.left = cells

    def spend(self, cells: int) -> None:
        self.left -= cells
        if self.left < 0:
            raise ContextError("the wildcard sources are too many or too long to match",
                               "name the files, or use fewer `*`")


class ContextError(ValueError):
    """A path or pattern the build context cannot hold or match; the message says why."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def context_files(files: Mapping[str, str | BuildFile]) -> dict[str, BuildFile]:
    """The context with every path checked and normalized (`./app.py` is `app.py`)."""
    if len(files) > MAX_FILES:
        raise ContextError(f"the build context has more than {MAX_FILES} files")
    context: dict[str, BuildFile] = {}
    for path, value in files.items():
        clean = _context_path(path)
        entry = value if isinstance(value, BuildFile) else BuildFile(str(value))
        if clean in context:
            raise ContextError(f"file {path!r} is listed twice")
        context[clean] = entry
    for path in context:
        parent = posixpath.dirname(path)
        while parent:
            if parent in context:
                raise ContextError(f"{parent!r} is a file, so it cannot hold {path!r}")
            parent = posixpath.dirname(parent)
    return context


def _context_path(path: str) -> str:
    if not path or len(path) > MAX_PATH:
        raise ContextError(f"file path {path!r} must be 1 to {MAX_PATH} characters")
    if path.startswith("/") or "\\" in path:
        raise ContextError(f"file path {path!r} must be relative to the build context, "
                           "with `/` between directories")
    clean = posixpath.normpath(path)
    if clean in (".", "..") or clean.startswith("../"):
        raise ContextError(f"file path {path!r} is outside the build context")
    return clean


def source_pattern(source: str) -> str:
    """A COPY source as a pattern relative to the context root (`.` for the whole context)."""
    if len(source) > MAX_PATTERN:
        raise ContextError(f"source {source[:40]!r}… is longer than {MAX_PATTERN} characters")
    relative = posixpath.normpath(source) if source else "."
    if relative == ".." or relative.startswith("../"):
        raise ContextError(f"{source!r} is outside the build context")
    return posixpath.normpath("/" + relative).lstrip("/") or "."


def matching_files(pattern: str, context: Mapping[str, BuildFile],
                   budget: MatchBudget | None = None) -> list[str]:
    """The context paths a source pattern takes, sorted: a match on a directory takes its files."""
    if pattern == ".":
        return sorted(context)
    if _WILDCARDS.isdisjoint(pattern):
        return sorted(path for path in context
                      if path == pattern or path.startswith(pattern + "/"))
    (budget or MatchBudget()).spend(len(pattern) * sum(len(path) for path in context))
    tokens = [_tokens(part) for part in pattern.split("/")]
    found = []
    for path in context:
        parts = path.split("/")
        if len(parts) >= len(tokens) and all(
            _segment_matches(tokens[i], parts[i]) for i in range(len(tokens))
        ):
            found.append(path)
    return sorted(found)


def copy_inputs(keyword: str, sources: list[str], context: Mapping[str, BuildFile],
                budget: MatchBudget | None = None) -> tuple[tuple[str, ...], int]:
    """What COPY or ADD takes: (`path@version` of each file, or a URL; the layer's size)."""
    if len(sources) > MAX_SOURCES:
        raise ContextError(f"{keyword} names more than {MAX_SOURCES} sources",
                           "copy their directory, or `.`")
    inputs: set[str] = set()
    size = 0
    for source in sources:
        if keyword == "ADD" and is_url(source):
            inputs.add(source)
            size += spread(ADD_URL, source)
            continue
        try:
            paths = matching_files(source_pattern(source), context, budget)
        except ContextError as error:
            raise ContextError(f"{keyword} {short(source)}: {error}", error.hint) from None
        if not paths:
            raise ContextError(f'{keyword} failed: "/{short(source.lstrip("/"))}": not found in '
                               "the build context", _missing_hint(source, context))
        for path in paths:
            entry = context[path]
            inputs.add(f"{path}@{entry.version}")
            size += entry.size if entry.size is not None else file_size(path)
    return tuple(sorted(inputs)), size + TAR_OVERHEAD


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://", "git@")) or source.endswith(".git")


def _missing_hint(source: str, context: Mapping[str, BuildFile]) -> str:
    close = suggestion(source.lstrip("./"), context) if len(source) <= MAX_PATH else None
    if close is not None:
        return close
    if not context:
        return "the build has no files: list them under `files:`"
    names = sorted(context)
    shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
    return f"the build context holds {shown}"


# A token is ("*",), ("?",), ("=", char) or ("[", negated, ((low, high), ...)).
Token = tuple[object, ...]


def _tokens(pattern: str) -> list[Token]:
    """Go filepath.Match syntax for one path segment; ContextError on a bad pattern."""
    tokens: list[Token] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            if not tokens or tokens[-1] != ("*",):
                tokens.append(("*",))
            i += 1
        elif char == "?":
            tokens.append(("?",))
            i += 1
        elif char == "\\":
            if i + 1 >= len(pattern):
                raise ContextError(f"syntax error in pattern {pattern!r}")
            tokens.append(("=", pattern[i + 1]))
            i += 2
        elif char == "[":
            token, i = _char_class(pattern, i + 1)
            tokens.append(token)
        else:
            tokens.append(("=", char))
            i += 1
    return tokens


def _char_class(pattern: str, i: int) -> tuple[Token, int]:
    negated = i < len(pattern) and pattern[i] == "^"
    i += 1 if negated else 0
    ranges: list[tuple[str, str]] = []
    while True:
        if i >= len(pattern):
            raise ContextError(f"syntax error in pattern {pattern!r}: `[` is not closed")
        if pattern[i] == "]" and ranges:
            return ("[", negated, tuple(ranges)), i + 1
        low, i = _class_char(pattern, i)
        high = low
        if i < len(pattern) and pattern[i] == "-":
            high, i = _class_char(pattern, i + 1)
        if high < low:
            raise ContextError(f"syntax error in pattern {pattern!r}: bad range")
        ranges.append((low, high))


def _class_char(pattern: str, i: int) -> tuple[str, int]:
    if i >= len(pattern) or pattern[i] in "-]":
        raise ContextError(f"syntax error in pattern {pattern!r}")
    if pattern[i] == "\\":
        if i + 1 >= len(pattern):
            raise ContextError(f"syntax error in pattern {pattern!r}")
        return pattern[i + 1], i + 2
    return pattern[i], i + 1


def _one(token: Token, char: str) -> bool:
    if token[0] == "?":
        return True
    if token[0] == "=":
        return token[1] == char
    negated, ranges = token[1], token[2]
    assert isinstance(ranges, tuple)
    inside = any(low <= char <= high for low, high in ranges)
    return inside != negated


def _segment_matches(tokens: list[Token], text: str) -> bool:
    # reachable[j]: the tokens seen so far can match text[:j].
    reachable = [True] + [False] * len(text)
    for token in tokens:
        if token[0] == "*":
            for j in range(1, len(text) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
            continue
        nxt = [False] * (len(text) + 1)
        for j in range(len(text)):
            if reachable[j] and _one(token, text[j]):
                nxt[j + 1] = True
        reachable = nxt
    return reachable[len(text)]
