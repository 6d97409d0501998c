"""Reading a Dockerfile's text into instructions, with the line and column of each.

The rules are Docker's own (the Dockerfile reference): a line whose first non-blank character is
`#` is a comment, also inside a continued instruction; a `\\` at the end of a line (trailing
blanks allowed) continues the instruction on the next line; keywords are case-insensitive;
`CMD ["a", "b"]` is the exec (JSON) form. Two choices are ours: RUN, CMD, ENTRYPOINT or SHELL
text that starts with `[` but is not a JSON array of strings is an error (Docker would silently
run it as a shell command; COPY and ADD keep Docker's fallback, since `[ab]*.py` is a glob),
and `# size: 12MB` on the comment lines just above an instruction is a size hint for the layer
it makes.

Parser directives (`# syntax=`, `# escape=`) are read as comments: the escape character is
always `\\`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..problems import ManifestError, Problem, suggestion
from ..units import parse_size

MAX_BYTES = 64 * 1024
MAX_INSTRUCTIONS = 500
MAX_FLAGS = 10  # per instruction
MAX_PROBLEMS = 50  # reading stops after this many

LAYER_INSTRUCTIONS = ("RUN", "COPY", "ADD")
CONFIG_INSTRUCTIONS = ("ENV", "WORKDIR", "USER", "EXPOSE", "CMD", "ENTRYPOINT", "ARG", "LABEL")
# Real instructions the sandbox accepts as config-only changes without modelling them further.
OTHER_INSTRUCTIONS = ("VOLUME", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "ONBUILD", "MAINTAINER")
INSTRUCTIONS = ("FROM",) + LAYER_INSTRUCTIONS + CONFIG_INSTRUCTIONS + OTHER_INSTRUCTIONS
EXEC_FORM = ("RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "SHELL", "VOLUME")
PATH_FORM = ("COPY", "ADD", "VOLUME")
# Flags each instruction takes (`--name=value`); others are refused as Docker does.
FLAGS: dict[str, tuple[str, ...]] = {
    "FROM": ("platform",),
    "COPY": ("from", "chown", "chmod", "link", "parents", "exclude"),
    "ADD": ("chown", "chmod", "link", "checksum", "keep-git-dir", "exclude"),
    "RUN": ("mount", "network", "security"),
    "HEALTHCHECK": ("interval", "timeout", "start-period", "start-interval", "retries"),
}

_CONTINUED = re.compile(r"\\[ \t]*$")
_KEYWORD = re.compile(r"([A-Za-z]+)(?=\s|$)")
_SIZE_HINT = re.compile(r"#\s*size\s*:(.*)", re.IGNORECASE | re.DOTALL)
_FLAG = re.compile(r"--([a-z][a-z-]*)(?:=(\S*))?")


@dataclass(frozen=True)
class Instruction:
    """One instruction as written: keyword, flags, arguments and where it starts."""

    line: int  # 1-based line of the keyword
    column: int  # 1-based column of the keyword
    keyword: str  # upper case
    args: str  # after the keyword and flags, continuations joined
    args_column: int  # column of the first argument character on `line` (best effort)
    flags: tuple[tuple[str, str], ...] = ()  # (name, value); value "" for a bare `--link`
    exec_form: tuple[str, ...] | None = None  # the JSON array, when written that way
    size_hint: int | None = None

    @property
    def text(self) -> str:
        """The instruction the way a build log prints it (keyword upper case, flags kept)."""
        flags = " ".join(f"--{name}={value}" if value else f"--{name}"
                         for name, value in self.flags)
        return " ".join(part for part in (self.keyword, flags, self.args) if part)

    def flag(self, name: str) -> str | None:
        for key, value in self.flags:
            if key == name:
                return value
        return None


@dataclass
class _Pending:
    """An instruction being collected across continuation lines."""

    line: int
    column: int
    parts: list[str]
    size_hint: int | None


def parse_dockerfile(text: str) -> tuple[Instruction, ...]:
    """The instructions of a Dockerfile; raises ManifestError with every problem's line."""
    instructions, problems = read_instructions(text)
    if problems:
        raise ManifestError(problems)
    return instructions


def read_instructions(text: str) -> tuple[tuple[Instruction, ...], list[Problem]]:
    """The instructions that could be read, and the problems of the others.

    Raises ManifestError only when the text as a whole is refused (too big, NUL characters).
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ManifestError([Problem(
            f"the Dockerfile is larger than {MAX_BYTES // 1024} KiB", 1, 1,
            hint="the sandbox builds small teaching Dockerfiles")])
    if "\x00" in text:
        raise ManifestError([Problem("the Dockerfile holds a NUL character", 1, 1)])
    problems: list[Problem] = []
    instructions: list[Instruction] = []
    for pending in _logical_lines(text, problems):
        if len(problems) >= MAX_PROBLEMS:
            break
        if len(instructions) >= MAX_INSTRUCTIONS:
            problems.append(Problem(
                f"the Dockerfile has more than {MAX_INSTRUCTIONS} instructions",
                pending.line, pending.column))
            break
        instruction = _instruction(pending, problems)
        if instruction is not None:
            instructions.append(instruction)
    if not instructions and not problems:
        problems.append(Problem("the Dockerfile cannot be empty", 1, 1,
                                hint="start with FROM <image>"))
    return tuple(instructions), problems


def _logical_lines(text: str, problems: list[Problem]) -> list[_Pending]:
    """Instructions with continuations joined, comments dropped and size hints attached."""
    found: list[_Pending] = []
    current: _Pending | None = None
    hint: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            if current is None:
                hint = _size_hint(stripped, number, raw, problems, hint)
            continue
        if not stripped:
            if current is None:
                hint = None  # a hint belongs to the instruction right below it
            continue
        continued = _CONTINUED.search(raw)
        body = raw[:continued.start()] if continued else raw
        if current is None:
            column = len(raw) - len(raw.lstrip()) + 1
            current = _Pending(number, column, [body.strip()], hint)
            hint = None
        else:
            current.parts.append(body.strip())
        if not continued:
            found.append(current)
            current = None
    if current is not None:  # a `\` on the last line: Docker ends the instruction there
        found.append(current)
    return found


def _size_hint(comment: str, number: int, raw: str, problems: list[Problem],
               previous: int | None) -> int | None:
    match = _SIZE_HINT.fullmatch(comment)
    if match is None:
        return previous
    try:
        size = parse_size(match.group(1).strip())
        if size == 0:
            raise ValueError("a layer holds at least one byte")
        return size
    except ValueError as error:
        problems.append(Problem(f"size hint: {error}", number,
                                len(raw) - len(raw.lstrip()) + 1,
                                hint="write it like `# size: 12MB`"))
        return None


def _instruction(pending: _Pending, problems: list[Problem]) -> Instruction | None:
    joined = " ".join(part for part in pending.parts if part)
    if not joined.strip():
        return None  # only line continuations (`\` lines) up to the end: nothing to run
    match = _KEYWORD.match(joined)
    word = match.group(1) if match else joined.split(maxsplit=1)[0]
    keyword = word.upper()
    if match is None or keyword not in INSTRUCTIONS:
        problems.append(Problem(f"unknown instruction: {short(word)}", pending.line,
                                pending.column,
                                hint=_did_you_mean(word)))
        return None
    rest = joined[len(word):].strip()
    flags, rest = _flags(keyword, rest, pending, problems)
    args_column = pending.column + len(pending.parts[0]) - len(rest) if rest else pending.column
    exec_form = _exec_form(keyword, rest, pending, problems) if keyword in EXEC_FORM else None
    return Instruction(pending.line, pending.column, keyword, rest, max(args_column, 1), flags,
                       exec_form, pending.size_hint)


def short(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters for a message."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _did_you_mean(word: str) -> str:
    close = suggestion(word.upper()[:20], INSTRUCTIONS)
    if close is not None:
        return close
    return "instructions are " + ", ".join(INSTRUCTIONS[:13])


def _flags(keyword: str, rest: str, pending: _Pending,
           problems: list[Problem]) -> tuple[tuple[tuple[str, str], ...], str]:
    """Leading `--name=value` flags; unknown ones are errors, as in Docker."""
    flags: list[tuple[str, str]] = []
    for count in range(MAX_FLAGS + 1):
        if not rest.startswith("--"):
            break
        if count == MAX_FLAGS:
            problems.append(Problem(f"{keyword} has more than {MAX_FLAGS} flags", pending.line,
                                    pending.column))
            return tuple(flags), ""
        token, _, after = rest.partition(" ")
        match = _FLAG.fullmatch(token)
        allowed = FLAGS.get(keyword, ())
        if match is None or match.group(1) not in allowed:
            name = short(match.group(1) if match else token.lstrip("-"))
            close = suggestion(name, allowed) if allowed else None
            problems.append(Problem(
                f"unknown flag: --{name}", pending.line, pending.column,
                hint=close or (f"{keyword} takes " + ", ".join(f"--{f}" for f in allowed)
                               if allowed else f"{keyword} takes no flags")))
        else:
            flags.append((match.group(1), match.group(2) or ""))
        rest = after.strip()
    return tuple(flags), rest


def _exec_form(keyword: str, rest: str, pending: _Pending,
               problems: list[Problem]) -> tuple[str, ...] | None:
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest)
    except ValueError as error:
        if keyword in PATH_FORM:
            return None  # `COPY [ab]*.py /app/`: a glob, read in the shell form as Docker does
        reason = str(error).split(":")[0]
        problems.append(Problem(
            f"{keyword}: malformed JSON array ({reason})", pending.line, pending.column,
            hint='write each argument in double quotes, like ["python", "app.py"]; Docker would '
                 "run a broken array as a shell command"))
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(Problem(f"{keyword}: the exec form must be a JSON array of strings",
                                pending.line, pending.column,
                                hint='like ["python", "app.py"]'))
        return None
    return tuple(value)
