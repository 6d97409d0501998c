"""The argument grammars of Dockerfile instructions: variables, `key=value` lists, ports, forms.

Each reader raises `ValueProblem` (a ValueError with an optional hint) with Docker's wording
where Docker has one; `build_image` adds the instruction's line and column.
"""

from __future__ import annotations

import re
import shlex

from ..problems import Problem
from .parse import Instruction

# Directories every non-scratch base image has: WORKDIR into one of them makes no layer.
STANDARD_DIRS = frozenset((
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/media", "/mnt", "/opt", "/proc",
    "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/lib",
    "/usr/local", "/usr/local/bin", "/usr/local/lib", "/usr/sbin", "/usr/share", "/usr/src",
    "/var", "/var/cache", "/var/lib", "/var/log", "/var/tmp",
))

_REFERENCE = re.compile(r"\\\$|\$\{[^}]*\}?|\$[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])(.*))?", re.DOTALL)
_PORT = re.compile(r"(\d{1,5})(?:-(\d{1,5}))?(?:/([A-Za-z]+))?")
_STAGE_NAME = re.compile(r"[a-z][a-z0-9._-]*")
_COMMAND_SPLIT = re.compile(r"&&|\|\||[;|]")


# The most text the variables of one expansion may add: `ENV A=$A$A` repeated doubles a value
# each line, so a 64 KiB Dockerfile could otherwise ask for 2**500 characters.
MAX_EXPANSION = 64 * 1024


class ValueProblem(ValueError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def expand(text: str, variables: dict[str, str]) -> str:
    """`$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alternative}` replaced; `\\$` kept."""
    added = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal added
        value = _substitute(match)
        added += len(value)
        if added > MAX_EXPANSION:
            raise ValueProblem("variables expand this value to more than 64 KiB",
                               "a variable that refers to itself twice doubles at each line")
        return value

    def _substitute(match: re.Match[str]) -> str:
        found = match.group(0)
        if found == "\\$":
            return "$"
        if not found.startswith("${"):
            return variables.get(found[1:], "")
        if not found.endswith("}"):
            raise ValueProblem(f"missing '}}' in {text!r}")
        braced = _BRACED.fullmatch(found[2:-1])
        if braced is None:
            raise ValueProblem(f"bad substitution {found!r}")
        name, operator, word = braced.groups()
        value = variables.get(name, "")
        if operator == ":-":
            return value or word
        if operator == ":+":
            return word if value else ""
        return value

    return _REFERENCE.sub(replace, text)


def key_values(keyword: str, args: str) -> list[tuple[str, str]]:
    """ENV and LABEL arguments: `k=v k2="v 2"`, or the legacy `KEY value with spaces`."""
    if not args.strip():
        raise ValueProblem(f"{keyword} requires at least one argument", f"{keyword} NAME=value")
    first, _, rest = args.strip().partition(" ")
    if "=" not in first:
        if not rest.strip():
            raise ValueProblem(f"{keyword} must have two arguments", f"{keyword} NAME=value")
        return [(first, _unquote(rest.strip()))]
    try:
        words = shlex.split(args, posix=True)
    except ValueError:
        raise ValueProblem(f"{keyword}: unmatched quote in {args!r}") from None
    pairs = []
    for word in words:
        name, equals, value = word.partition("=")
        if not equals:
            raise ValueProblem(f"Syntax error - can't find = in {word!r}. Must be of the form: "
                               "name=value")
        if not name:
            raise ValueProblem(f"{keyword} names can not be blank")
        pairs.append((name, value))
    return pairs


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def exec_or_shell(ins: Instruction, problems: list[Problem]) -> tuple[str, ...] | None:
    """The command as argv: the exec form as written, the shell form under `/bin/sh -c`."""
    if ins.exec_form is not None:
        if not ins.exec_form and ins.keyword == "RUN":
            problems.append(Problem("RUN requires at least one argument", ins.line, ins.column))
            return None
        return ins.exec_form
    if ins.args.startswith("["):
        return None  # a malformed array, reported by the parser
    if not ins.args:
        problems.append(Problem(f"{ins.keyword} requires at least one argument", ins.line,
                                ins.column))
        return None
    return ("/bin/sh", "-c", ins.args)


def mkdir_paths(command: str) -> list[str]:
    """Directories a shell command creates with `mkdir` (so a later WORKDIR makes no layer)."""
    paths: list[str] = []
    for segment in _COMMAND_SPLIT.split(command):
        words = segment.split()
        if words and words[0].rsplit("/", 1)[-1] == "mkdir":
            paths.extend(word for word in words[1:] if not word.startswith("-"))
    return paths


def ports(words: list[str]) -> list[str]:
    """EXPOSE ports as `80/tcp`, ranges `8000-8010/udp`; invalid ones as Docker words them."""
    if not words:
        raise ValueProblem("EXPOSE requires at least one argument", "EXPOSE 8080")
    found = []
    for word in words:
        match = _PORT.fullmatch(word)
        if match is None:
            raise ValueProblem(f"invalid containerPort: {word}", "EXPOSE 8080 or 8080/udp")
        low, high, proto = match.groups()
        proto = (proto or "tcp").lower()
        if proto not in ("tcp", "udp", "sctp"):
            raise ValueProblem(f"invalid proto: {proto}", "tcp, udp or sctp")
        if not 0 < int(low) <= 65535 or (high is not None and not
                                          int(low) <= int(high) <= 65535):
            raise ValueProblem(f"invalid containerPort: {word}", "ports are 1 to 65535")
        found.append(f"{low}-{high}/{proto}" if high else f"{low}/{proto}")
    return found


def stage_name(name: str) -> str | None:
    """Why a stage name (`FROM x AS name`) is refused, or None."""
    if _STAGE_NAME.fullmatch(name.lower()) is None or len(name) > 128:
        return (f'invalid name for build stage: "{name}", name can\'t start with a number or '
                "contain symbols")
    return None
