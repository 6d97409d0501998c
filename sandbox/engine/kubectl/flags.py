"""kubectl's command-line flags, read with pflag's rules and reported in its words.

The tables list the flags of the commands `kubectl_commands` understands (and kubectl's global
flags), so that a flag kubectl knows is never called unknown; `NOT_HERE` names the ones whose
effect is not simulated. Parsing follows spf13/pflag: `--flag=value`, `--flag value` (the next
argument is taken even when it starts with `-`), `-n value`, `-nvalue`, `-n=value`, grouped
boolean shorthands, NoOptDefVal flags that never take the next argument (`--dry-run`), and `--`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..problems import Problem
from .shell_words import Word

__all__ = ["ACCOUNT_FLAGS", "ALL_FLAGS", "BOOLEANS", "DEPLOYMENT_FLAGS", "GLOBAL_FLAGS",
           "NOT_HERE", "PATCH_FLAGS", "RUN_FLAGS", "SECRET_FLAGS", "Args", "CommandError", "Flag",
           "parse_flags"]





@dataclass(frozen=True)
class Flag:
    """One flag: `value` takes an argument, `bool` and `optional` take one only after `=`."""

    name: str
    short: str = ""
    kind: Literal["value", "bool", "optional"] = "value"
    default: str = ""  # the value when written without one (pflag's NoOptDefVal)


def _table(*flags: Flag) -> dict[str, Flag]:
    return {flag.name: flag for flag in flags}


def _bools(*names: str) -> tuple[Flag, ...]:
    return tuple(Flag(name, kind="bool", default="true") for name in names)


GLOBAL_FLAGS = _table(
    *(Flag(name) for name in ("context", "cluster", "user", "kubeconfig", "token", "as",
                              "as-group", "as-uid", "request-timeout", "certificate-authority",
                              "client-certificate", "client-key", "tls-server-name", "cache-dir",
                              "vmodule", "profile", "profile-output")),
    Flag("namespace", "n"), Flag("server", "s"), Flag("v", "v"),
    *_bools("insecure-skip-tls-verify", "disable-compression", "match-server-version",
            "warnings-as-errors"),
    Flag("help", "h", "bool", "true"),
)
_PRINT = (Flag("output", "o"), Flag("template"),
          *_bools("allow-missing-template-keys", "show-managed-fields"))
_WRITE = (Flag("dry-run", kind="optional", default="unchanged"), Flag("field-manager"))
_CREATE = (*_PRINT, *_WRITE, *_bools("save-config"),
           Flag("validate", kind="optional", default="strict"))
SECRET_FLAGS = _table(*_CREATE, Flag("docker-username"), Flag("docker-password"),
                      Flag("docker-email"), Flag("docker-server"), Flag("from-file"),
                      *_bools("append-hash"))
ACCOUNT_FLAGS = _table(*_CREATE)
PATCH_FLAGS = _table(*_PRINT, *_WRITE, Flag("patch", "p"), Flag("type"), Flag("patch-file"),
                     Flag("filename", "f"), Flag("kustomize", "k"), Flag("subresource"),
                     Flag("recursive", "R", "bool", "true"), *_bools("local"))
# `kubectl run` (staging/src/k8s.io/kubectl/pkg/cmd/run/run.go, with its delete, print and
# record flags) and `kubectl create deployment` (pkg/cmd/create/create_deployment.go).
RUN_FLAGS = _table(
    *_PRINT, *_WRITE, *_bools("save-config", "command", "privileged", "leave-stdin-open",
                              "expose", "attach", "rm", "force", "wait", "record"),
    Flag("image"), Flag("image-pull-policy"), Flag("env"), Flag("port"), Flag("labels", "l"),
    Flag("annotations"), Flag("restart"), Flag("overrides"), Flag("pod-running-timeout"),
    Flag("detach-keys"), Flag("grace-period"), Flag("timeout"), Flag("cascade", kind="optional",
                                                                        default="background"),
    Flag("stdin", "i", "bool", "true"), Flag("tty", "t", "bool", "true"),
    Flag("quiet", "q", "bool", "true"),
)
DEPLOYMENT_FLAGS = _table(*_CREATE, Flag("image"), Flag("port"), Flag("replicas", "r"))
ALL_FLAGS = {**SECRET_FLAGS, **PATCH_FLAGS, **RUN_FLAGS, **DEPLOYMENT_FLAGS, **GLOBAL_FLAGS}

NOT_HERE = {
    "from-file": "Lunchbox cannot read files from your computer: give --docker-server, "
                 "--docker-username and --docker-password, or paste the Secret as YAML",
    "append-hash": "the hashed name is not computed here: remove --append-hash",
    "save-config": "remove --save-config (it only adds an annotation for `kubectl apply`)",
    "patch-file": "write the patch inline with -p '…'",
    "filename": "name the object: `kubectl patch serviceaccount NAME -p '…'`",
    "kustomize": "name the object: `kubectl patch serviceaccount NAME -p '…'`",
    "subresource": "patch the object itself, without --subresource",
    "local": "remove --local: a local patch changes nothing in the cluster",
    "help": "remove --help: it only prints kubectl's help",
    "stdin": "there is no terminal to attach to here: leave out -i/-t and watch the Pod with "
             "`kubectl get pods -w`",
    "tty": "there is no terminal to attach to here: leave out -i/-t and watch the Pod with "
           "`kubectl get pods -w`",
    "attach": "there is no terminal to attach to here: leave out --attach",
    "rm": "--rm only works with an attached Pod: leave it out and `kubectl delete pod NAME` "
          "when you are done",
    "expose": "Services are not simulated here: leave out --expose",
    "overrides": "write the Pod as YAML instead of --overrides, and paste that",
}
BOOLEANS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


class CommandError(Exception):
    """Why one command fails; the remaining commands are still read."""

    def __init__(self, message: str, at: Word, hint: str | None = None,
                 problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems) or [Problem(message, at.line, at.column, hint=hint)]


@dataclass
class Args:
    positionals: list[Word] = field(default_factory=list)
    values: dict[str, tuple[str, Word]] = field(default_factory=dict)  # last one wins
    every: dict[str, list[tuple[str, Word]]] = field(default_factory=dict)  # StringArray flags
    dash_at: int | None = None  # positionals before `--` (cobra's ArgsLenAtDash)


def parse_flags(words: list[Word], table: dict[str, Flag], *, lenient: bool = False) -> Args:
    """pflag's reading of the arguments; an unknown flag raises unless `lenient`."""
    args = Args()
    shorts = {flag.short: flag for flag in table.values() if flag.short}
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        text = word.text
        if args.dash_at is not None or text == "-" or not text.startswith("-"):
            args.positionals.append(word)
        elif text == "--":
            args.dash_at = len(args.positionals)
        elif text.startswith("--"):
            index = _long_flag(word, words, index, table, args, lenient)
        else:
            index = _short_flags(word, words, index, shorts, args, lenient)
    return args


def _long_flag(word: Word, words: list[Word], index: int, table: dict[str, Flag],
               args: Args, lenient: bool) -> int:
    name, equals, value = word.text[2:].partition("=")
    if not name or name[0] in "-=":
        raise CommandError(f"error: bad flag syntax: --{name}", word)
    flag = table.get(name)
    if flag is None:
        if lenient:
            return index
        close = difflib.get_close_matches(name, list(table), n=1)
        raise CommandError(f"error: unknown flag: --{name}", word,
                           f"did you mean --{close[0]}?" if close else "remove this flag")
    if not equals and flag.kind != "value":
        value = flag.default
    elif not equals:
        if index >= len(words):
            raise CommandError(f"error: flag needs an argument: --{name}", word,
                               f"write --{name}=<value>")
        value = words[index].text
        index += 1
    _store(flag, value, word, args)
    return index


def _short_flags(word: Word, words: list[Word], index: int, shorts: dict[str, Flag],
                 args: Args, lenient: bool) -> int:
    chars = word.text[1:]
    shown = word.text if len(word.text) <= 40 else word.text[:40] + "…"
    while chars:
        flag = shorts.get(chars[0])
        if flag is None:
            if lenient:
                return index
            raise CommandError(f"error: unknown shorthand flag: '{chars[0]}' in {shown}",
                               word, "remove this flag")
        if len(chars) > 2 and chars[1] == "=":
            value, chars = chars[2:], ""
        elif flag.kind != "value":
            value, chars = flag.default, chars[1:]
        elif len(chars) > 1:
            value, chars = chars[1:], ""
        elif index < len(words):
            value, chars = words[index].text, ""
            index += 1
        else:
            raise CommandError(f"error: flag needs an argument: '{chars[0]}' in {shown}", word,
                               f"write -{chars[0]} <value>")
        _store(flag, value, word, args)
    return index


def _store(flag: Flag, value: str, word: Word, args: Args) -> None:
    if flag.kind == "bool" and value not in BOOLEANS:
        shown = f"-{flag.short}, --{flag.name}" if flag.short else f"--{flag.name}"
        raise CommandError(f'error: invalid argument "{value}" for "{shown}" flag: '
                           f'strconv.ParseBool: parsing "{value}": invalid syntax', word,
                           "write true or false")
    args.values[flag.name] = (value, word)
    args.every.setdefault(flag.name, []).append((value, word))


