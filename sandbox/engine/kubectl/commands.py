"""`parse_commands`: pasted kubectl commands in, the objects they would create out.

Understood: what a learner needs for pull secrets (`kubectl create secret docker-registry`,
`kubectl create serviceaccount` and `kubectl patch serviceaccount NAME -p '{"imagePullSecrets":
…}'`, in `secret_commands.py`), the two quick ways to run an image, `kubectl run NAME
--image=…` and `kubectl create deployment NAME --image=…` (`workloads.py`), and `kubectl create
namespace NAME`. Anything else is a positioned "not supported here". Commands are split the
way a POSIX shell splits them (quotes, backslashes, line continuations, comments); a shell
expansion (`$X`, `` `…` ``) is refused, since its value is unknown here. Flags are read with
pflag's rules and the errors use kubectl's own wording (`staging/src/k8s.io/kubectl/pkg/cmd/
create/`, `…/cmd/run/run.go`). A `---` YAML part after the commands is not supported.

`dry_run_yaml` prints an object as `kubectl … --dry-run=client -o yaml` does, the secret values
masked unless asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ..manifests import validation_directive
from ..objects import KubeObject, Manifests
from ..problems import ManifestError, Problem
from ..yamlsafe import MAX_BYTES, MAX_PROBLEMS
from ..yamlsafe.load import MAX_DOCUMENTS, _checked_text
from .command_parts import _add, _Command, _dry_run, _name, _State
from .dry_run import dry_run_yaml
from .flags import (
    ACCOUNT_FLAGS,
    ALL_FLAGS,
    BOOLEANS,
    DEPLOYMENT_FLAGS,
    GLOBAL_FLAGS,
    NOT_HERE,
    PATCH_FLAGS,
    RUN_FLAGS,
    SECRET_FLAGS,
    CommandError,
    Flag,
    parse_flags,
)
from .secret_commands import (
    DEFAULT_DOCKER_SERVER,
    _create_account,
    _create_secret,
    _patch,
    docker_config_json,
)
from .shell_words import Word, split_commands
from .workloads import create_deployment, run_pod, typed

__all__ = ["DEFAULT_DOCKER_SERVER", "docker_config_json", "dry_run_yaml", "parse_commands",
           "printing"]

SUPPORTED = ("paste YAML, or `kubectl run NAME --image=…` / `kubectl create deployment …` / "
             "`kubectl create secret docker-registry …` / `kubectl create serviceaccount …` / "
             "`kubectl patch serviceaccount …`")
_FIRST_LINE = re.compile(r"(\$\s+)?kubectl(\s|$)")
_YAML_START = re.compile(r"(---|[A-Za-z][-A-Za-z0-9_.]*:)(\s.*)?")


def is_command_paste(text: str) -> bool:
    """True when the first line that is not blank or a comment is a kubectl command."""
    first = next((line.strip() for line in text.splitlines()
                  if line.strip() and not line.strip().startswith("#")), "")
    return bool(_FIRST_LINE.match(first))


def parse_commands(text: str, *, existing: Sequence[KubeObject] = ()) -> Manifests | None:
    """The objects the pasted kubectl commands would create; None when the text is not commands.

    `existing` are objects the cluster already holds (a learner's console): a create of one of
    them fails with AlreadyExists, a patch changes it, and the result lists them too.
    Raises ManifestError listing every command's problem, each with its line and column.
    """
    if not is_command_paste(text):
        return None
    text, errors = _without_yaml(_checked_text(text, MAX_BYTES).replace("\r\n", "\n"))
    state = _State(list(existing))
    for index, words in enumerate(split_commands(text)):
        if index == MAX_DOCUMENTS:  # as many commands as a YAML paste may hold documents
            errors.append(Problem(f"more than {MAX_DOCUMENTS} kubectl commands in one paste",
                                  words[0].line, words[0].column,
                                  hint="paste the first ones, run them, then the rest"))
            break
        try:
            _run(_strip_redirection(words, state), index, state)
        except CommandError as error:
            errors.extend(error.problems)
    if errors:
        # Warnings come along for context, as load_manifests does; errors first when capped.
        problems = sorted(errors, key=lambda p: (p.line or 0, p.column or 0)) + state.warnings
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS + 1
            problems = [*problems[:MAX_PROBLEMS - 1],
                        Problem(f"… and {more} more problems", hint="fix these first")]
        raise ManifestError(problems)
    return Manifests(state.objects, state.warnings)


def printing(text: str) -> tuple[str, str]:
    """The dry-run strategy of the first kubectl command of `text` (`client`, `server`, or ""
    for none: cmdutil.GetDryRunStrategy, a bare `--dry-run` and `--dry-run=true` being client)
    and its `-o` format ("" when none), as pflag reads that command's flags (after `--`
    nothing is a flag, and `--output yaml` is `-o yaml`); ("", "") for text that is not one.
    For the console, which prints what a dry run would send instead of storing it."""
    commands = split_commands(text) if is_command_paste(text) else []
    words = commands[0] if commands else []
    if words and words[0].text == "$" and not words[0].quoted:
        words = words[1:]
    rest = words[1:]
    found = _find([w.text for w in parse_flags(rest, ALL_FLAGS, lenient=True).positionals])
    if found is None:
        return "", ""
    try:
        args = parse_flags(rest, {**found[1], **GLOBAL_FLAGS})
    except CommandError:  # parse_commands has refused the command already, in its words
        return "", ""
    dry_run = args.values.get("dry-run", ("none",))[0]
    strategy = ("server" if dry_run == "server" else "client"
                if dry_run in ("client", "unchanged") or BOOLEANS.get(dry_run) else "")
    return strategy, args.values.get("output", ("",))[0]


def _without_yaml(text: str) -> tuple[str, list[Problem]]:
    """The commands before a `---` or a top-level `key:` line, and an error if YAML follows."""
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if _YAML_START.fullmatch(line):
            return "\n".join(lines[:number - 1]), [Problem(
                "YAML after kubectl commands is not supported here", number, 1,
                hint="paste only YAML: print the Secret with `--dry-run=client -o yaml` and put "
                     "that output above your other objects")]
    return text, []


def _strip_redirection(words: list[Word], state: _State) -> list[Word]:
    """The command without a final `> file`; any other shell operator is refused."""
    operators = [k for k, word in enumerate(words) if word.operator]
    if not operators:
        return words
    at = operators[0]
    if words[at].text in (">", ">>") and at == len(words) - 2 and len(operators) == 1:
        state.warnings.append(Problem(
            f"kubectl would write its output to {words[-1].text}; it is shown here instead",
            words[at].line, words[at].column, severity="warning"))
        return words[:at]
    raise CommandError(f"`{words[at].text}` (shell syntax) is not supported here", words[at],
                       "write one kubectl command per line, without pipes, `;` or `&&`")


def _run(words: list[Word], index: int, state: _State) -> None:
    prompt = words[0]
    if prompt.text == "$" and not prompt.quoted:
        words = words[1:]  # a copied prompt
    if not words or words[0].text != "kubectl":
        raise _not_a_command(words[0] if words else prompt)
    rest = words[1:]
    lenient = parse_flags(rest, ALL_FLAGS, lenient=True).positionals
    positionals = [word.text for word in lenient]
    found = _find(positionals)
    if found is None:
        shown = " ".join(positionals[:3 if positionals[:2] == ["create", "secret"] else 2])
        at = lenient[0] if lenient else words[0]
        raise CommandError(f"`kubectl {shown} …` is not supported here" if shown
                           else "`kubectl` alone is not supported here", at, SUPPORTED)
    path, table, make = found
    args = parse_flags(rest, {**table, **GLOBAL_FLAGS})
    for name, (_, word) in args.values.items():
        if name in NOT_HERE and name != "from-file":
            raise CommandError(f"--{name} is not supported here", word, NOT_HERE[name])
    if "validate" in args.values:
        _check_validate(*args.values["validate"])
    length = len(path.split())
    named = args.positionals[length:]
    before_dash = len(named) if args.dash_at is None else max(args.dash_at - length, 0)
    path_end = args.positionals[length - 1]
    make(_Command(words[0], path, path_end, named, before_dash, args.values, index, args.every),
         state)


def _check_validate(value: str, word: Word) -> None:
    """kubectl reads --validate before anything is sent (GetValidationDirective, called by
    create secret docker-registry, create serviceaccount, create and apply)."""
    try:
        validation_directive(value)
    except ValueError as error:
        raise CommandError(f"error: {error}", word, "write --validate=strict, warn or ignore "
                           "(or true, false)") from None


def _find(positionals: list[str]) -> tuple[str, dict[str, Flag],
                                           Callable[[_Command, _State], None]] | None:
    if positionals[:3] == ["create", "secret", "docker-registry"]:
        return "create secret docker-registry", SECRET_FLAGS, _create_secret
    if positionals[:1] == ["create"] and positionals[1:2] in (["serviceaccount"], ["sa"]):
        return f"create {positionals[1]}", ACCOUNT_FLAGS, _create_account
    if positionals[:1] == ["patch"]:
        return "patch", PATCH_FLAGS, _patch
    if positionals[:1] == ["create"] and positionals[1:2] in (["namespace"], ["ns"]):
        return (f"create {positionals[1]}", ACCOUNT_FLAGS,
                _workload(_namespace_body, "namespaces", "so that your objects can go in it"))
    if positionals[:1] == ["run"]:
        return "run", RUN_FLAGS, _workload(run_pod, "pods", "so that you can watch it pull")
    if positionals[:1] == ["create"] and positionals[1:2] in (["deployment"], ["deploy"]):
        return (f"create {positionals[1]}", DEPLOYMENT_FLAGS,
                _workload(create_deployment, "deployments.apps",
                          "so that you can watch its Pods pull"))
    return None


def _namespace_body(command: _Command) -> dict[str, Any]:
    """create_namespace.go: a Namespace with nothing but its name."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": _name(command)},
            "spec": {}, "status": {}}


def _workload(build: Callable[[_Command], dict[str, Any]], resource: str,
              why: str) -> Callable[[_Command, _State], None]:
    def make(command: _Command, state: _State) -> None:
        body = build(command)
        _dry_run(command, state, body["kind"], why)
        obj, warnings = typed(body, command)
        state.warnings.extend(warnings)
        _add(command, state, obj, resource)
    return make


def _not_a_command(word: Word) -> CommandError:
    # Never echo the word: a stray line is often a flag (with its password) of the line above.
    hint = ("it looks like the rest of the command above: end that line with a backslash (\\) "
            "to continue it" if word.text.startswith("-") else SUPPORTED)
    return CommandError("this line is not a kubectl command", word, hint)


