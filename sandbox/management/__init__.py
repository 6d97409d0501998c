"""The sandbox's management commands and the input handling they share.

The commands are thin edges around the engine: they read files, call it, and translate its
domain errors (ManifestError, DigestLookupError) once, into `file:line:column: message (hint)`
lines on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import IO, Any, NoReturn

from django.core.management.base import CommandError, OutputWrapper

from sandbox.engine import ManifestError, Problem, Scenario, load_scenario
from sandbox.engine.units import parse_duration
from sandbox.engine.yamlsafe import MAX_BYTES

STDIN = "-"
STDIN_LABEL = "<stdin>"


class BadInput(Exception):
    """Input the engine was never asked about, or refused: each line is ready for stderr."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def problem_line(label: str, problem: Problem) -> str:
    """`file:line:column: message (hint)`, the shape compilers use and editors jump to."""
    where = label
    if problem.line is not None:
        where += f":{problem.line}"
        if problem.column is not None:
            where += f":{problem.column}"
    severity = "warning: " if problem.severity == "warning" else ""
    hint = f" ({problem.hint})" if problem.hint else ""
    return f"{where}: {severity}{problem.message}{hint}"


def problem_lines(label: str, error: ManifestError) -> list[str]:
    return [problem_line(label, p) for p in error.problems] or [f"{label}: {error}"]


def read_input(path: str, stdin: IO[Any] | None = None) -> tuple[str, bytes]:
    """(label for messages, content) of a file, or of standard input for `-`.

    Reads at most one byte more than the engine accepts, so a huge file or a device that never
    ends is refused without being read whole.
    """
    label = STDIN_LABEL if path == STDIN else path
    try:
        if path == STDIN:
            data = _read_stream(stdin if stdin is not None else sys.stdin)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise BadInput([f"{label}: cannot read: {error.strerror or error}"]) from None
    except UnicodeError as error:
        raise BadInput([f"{label}: cannot read: {error}"]) from None
    if len(data) > MAX_BYTES:
        size = _size_of(path)
        shown = f"{-(-size // 1024)} KiB" if size else f"more than {MAX_BYTES // 1024} KiB"
        raise BadInput([f"{label}: the file is {shown}; at most {MAX_BYTES // 1024} KiB is "
                        "accepted (paste only the objects you want to run)"])
    return label, data


def _read_stream(stream: IO[Any]) -> bytes:
    raw = getattr(stream, "buffer", stream)
    data = raw.read(MAX_BYTES + 1)
    if isinstance(data, str):
        # A text stream already decoded: keep lone surrogates so the engine reports them.
        return data.encode("utf-8", "surrogatepass")
    return bytes(data)


def _size_of(path: str) -> int:
    if path == STDIN:
        return 0
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def read_scenario(path: str | None, stdin: IO[Any] | None = None) -> Scenario | None:
    """The scenario of `--scenario FILE` (`-` for stdin), or None when the option is not given."""
    if path is None:
        return None
    label, data = read_input(path, stdin)
    try:
        return load_scenario(data)
    except ManifestError as error:
        raise BadInput(problem_lines(label, error)) from None


def read_duration(option: str, value: str | None) -> float | None:
    """Seconds from a duration option (`60s`, `5m`), or None when it is not given."""
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as error:
        raise BadInput([f"{option}: {error}"]) from None


def fail(stderr: OutputWrapper, lines: list[str], summary: str) -> NoReturn:
    """Write each problem line to stderr, then stop the command with a non-zero exit."""
    for line in lines:
        stderr.write(line)
    raise CommandError(summary, returncode=1)
