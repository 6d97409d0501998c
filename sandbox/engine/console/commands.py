"""One console line in, kubectl's (or crictl's, crane's) output and exit code out.

`run_command(state, line, files=…, key=…)` is the console's `apply(state, command)`: it works on
a copy of `state` and returns the new state with a `CommandResult`. A command that fails returns
the state unchanged (a real cluster would record nothing for a refused request either). Every
input is hostile: a line is at most MAX_LINE characters, a file at most the paste limit, and any
error is a message with the column it is about, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..kubectl.shell_words import Word, split_commands
from ..paste import load_paste
from ..problems import ManifestError
from ..trace import Trace
from .flags import bool_flag
from .nodes import crane, crictl
from .session import Change, CommandFailed, run, store_object
from .state import ClusterState, StateLimit

MAX_LINE = 8_000
MAX_SLEEP = 3600.0
RESOURCE_NAMES = {
    "Pod": ("pods", "pod", "po"),
    "Deployment": ("deployments", "deployment", "deploy", "deployments.apps",
                   "deployment.apps"),
    "ReplicaSet": ("replicasets", "replicaset", "rs", "replicasets.apps", "replicaset.apps"),
    "Event": ("events", "event", "ev"),
    "Secret": ("secrets", "secret"),
    "ServiceAccount": ("serviceaccounts", "serviceaccount", "sa"),
    "Node": ("nodes", "node", "no"),
    "Namespace": ("namespaces", "namespace", "ns"),
}
KINDS = {alias: kind for kind, aliases in RESOURCE_NAMES.items() for alias in aliases}
VALUE_FLAGS = {"-o": "output", "--output": "output", "-n": "namespace", "--namespace":
               "namespace", "-f": "filename", "--filename": "filename", "--replicas":
               "replicas", "--validate": "validate", "-l": "selector", "--selector": "selector",
               "--dry-run": "dry-run", "--request-timeout": "request-timeout",
               "--grace-period": "grace-period", "--to-revision": "to-revision",
               "--sort-by": "sort-by", "--field-selector": "field-selector", "--for": "for",
               "--types": "types"}
BOOL_FLAGS = {"-w": "watch", "--watch": "watch", "-A": "all-namespaces",
              "--all-namespaces": "all-namespaces", "--ignore-daemonsets": "ignore-daemonsets",
              "--force": "force", "--delete-emptydir-data": "delete-emptydir-data",
              "--now": "now", "--wait": "wait", "--ignore-not-found": "ignore-not-found",
              "--all": "all", "--show-events": "show-events", "--show-labels": "show-labels",
              "--client": "client", "--no-headers": "no-headers"}
# kubectl verbs a learner reaches for that touch what runs inside containers, which Lunchbox
# does not simulate (it simulates what happens to their images): said so, with what to use.
_INSIDE = ("Lunchbox simulates what happens to images, not what runs in containers: "
           "`kubectl describe pod NAME` shows each container's events and state")
NOT_SIMULATED = {"logs": _INSIDE, "exec": _INSIDE, "attach": _INSIDE, "cp": _INSIDE,
                 "port-forward": _INSIDE, "debug": _INSIDE, "top": "no metrics are simulated: "
                 "`kubectl describe node NAME` shows what a node holds"}
HELP = ("try `kubectl get pods`, `kubectl apply -f -` (the editor), `kubectl run NAME "
        "--image=IMAGE`, `kubectl describe pod NAME`, "
        "`kubectl set image deployment/NAME CONTAINER=IMAGE`, `kubectl delete pod NAME`, "
        "`ssh NODE crictl images`, `crane digest IMAGE`, `sleep 30`")


@dataclass
class CommandResult:
    """What the terminal shows for one command, and what the cluster did meanwhile."""

    command: str  # the line as typed, with secret values replaced (for history and logs)
    output: str = ""  # stdout
    error: str = ""  # stderr
    exit_code: int = 0
    changed: bool = False  # the state changed (and should be stored)
    trace: Trace | None = None  # the simulated time this command took, when any
    column: int | None = None  # where in the line an error is about (1-based)
    watch: list[str] = field(default_factory=list)  # `get -w`: a line per change


class _Usage(Exception):
    def __init__(self, message: str, word: Word | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.column = word.column if word else None
        self.hint = hint


@dataclass
class _Args:
    positionals: list[Word]
    values: dict[str, str]
    flags: set[str]

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def redact(line: str) -> str:
    """The line with every password flag's value replaced, read as the shell reads it (so a
    quoted value with spaces is hidden whole); a line that cannot be read is cut at the first
    password flag."""
    import shlex
    secret_flags = ("--docker-password", "--password")
    try:
        commands = split_commands(line)
    except ValueError:
        commands = []
    if len(commands) != 1:
        at = min((line.find(f) for f in secret_flags if f in line), default=-1)
        return line if at < 0 else line[:at] + "********"
    out = []
    hide_next = False
    for word in commands[0]:
        text = word.text
        name, eq, _ = text.partition("=")
        if hide_next:
            text, hide_next = "********", False
        elif name in secret_flags and eq:
            text = f"{name}=********"
        elif text in secret_flags:
            hide_next = True
        out.append(text if text == "********" or text.endswith("=********")
                   else shlex.quote(text) if not word.operator else text)
    return " ".join(out)


def _parse(words: list[Word]) -> _Args:
    args = _Args([], {}, set())
    index = 0
    while index < len(words):
        word = words[index]
        text = word.text
        index += 1
        if text == "--":
            args.positionals += words[index:]
            break
        if not text.startswith("-") or text == "-" or word.quoted and not text.startswith("--"):
            args.positionals.append(word)
            continue
        name, eq, value = text.partition("=")
        if name in BOOL_FLAGS:
            args.flags.add(bool_flag(name, value if eq else "true", BOOL_FLAGS, word))
            continue
        if name in VALUE_FLAGS:
            if not eq:
                if index >= len(words):
                    shown = name if name.startswith("--") else f"'{name[1]}' in {name}"
                    raise _Usage(f"error: flag needs an argument: {shown}", word)  # pflag
                value = words[index].text
                index += 1
            args.values[VALUE_FLAGS[name]] = value
            continue
        if len(name) > 2 and name[1] != "-" and name[:2] in VALUE_FLAGS:  # -owide, -ndefault
            args.values[VALUE_FLAGS[name[:2]]] = text[2:]
            continue
        if name.startswith("--"):
            raise _Usage(f"error: unknown flag: {name}", word, "see `kubectl <command> -h`")
        raise _Usage(f"error: unknown shorthand flag: '{name[1:2]}' in {name}", word)
    return args


def _kind(word: Word, verb: str) -> str:
    kind = KINDS.get(word.text.lower())
    if kind is None:
        raise _Usage(f'error: the server doesn\'t have a resource type "{word.text}"', word,
                     "resource types here: pods, deployments, replicasets, events, secrets, "
                     "serviceaccounts, nodes, namespaces")
    return kind


def _targets(args: _Args, verb: str) -> tuple[str, list[str], Word]:
    """`TYPE NAME…` or `TYPE/NAME`: the kind and names."""
    if not args.positionals:
        raise _Usage(f"error: you must specify the type of resource to {verb}", None,
                     "e.g. `kubectl get pods`")
    first = args.positionals[0]
    if "/" in first.text:
        kind_text, _, name = first.text.partition("/")
        fake = Word(kind_text, first.line, first.column)
        return _kind(fake, verb), [name], first
    return _kind(first, verb), [w.text for w in args.positionals[1:]], first


def _namespace(args: _Args) -> str | None:
    if "all-namespaces" in args.flags:
        return None
    return args.value("namespace", "default") or "default"


# --- commands ------------------------------------------------------------------------------


def run_command(state: ClusterState, line: str, *, files: dict[str, str] | None = None,
                key: bytes) -> tuple[ClusterState, CommandResult]:
    """Run one console line against a copy of `state`; the state it leaves, and the output."""
    shown = redact(line.strip())[:MAX_LINE]
    result = CommandResult(shown)
    if len(line) > MAX_LINE:
        result.error, result.exit_code = (f"error: a command line is at most {MAX_LINE} "
                                           "characters here; put long content in the editor "
                                           "and use `kubectl apply -f -`"), 1
        return state, result
    work = state.copy()
    try:
        commands = split_commands(line)
        if len(commands) != 1 or any(w.operator for w in commands[0]):
            raise _Usage("one command at a time here, without `;`, `&&` or pipes", None)
        _dispatch(work, commands[0], line, files or {}, key, result)
        if result.changed:
            work.check_bounds()
    except _Usage as error:
        result.error = str(error) + (f"\n{error.hint}" if error.hint else "")
        result.column, result.exit_code = error.column, 1
        return state, _ended(result)
    except CommandFailed as error:
        result.output = error.output
        result.error, result.exit_code = str(error), error.code
        return state, _ended(result)
    except StateLimit as error:
        result.error, result.exit_code, result.changed = f"error: {error}", 1, False
        return state, _ended(result)
    except ManifestError as error:
        in_file = "-f" in line or "--filename" in line
        result.error = "\n".join(_problem_line(p, in_file) for p in error.problems[:20])
        first = error.problems[0] if error.problems else None
        result.column = first.column if first is not None and not in_file else None
        result.exit_code = 1
        return state, _ended(result)
    except ValueError as error:  # shell quoting
        result.error, result.exit_code = f"error: {error}", 1
        return state, _ended(result)
    if not result.changed:
        return state, _ended(result)
    work.data["log"] = (work.data["log"] + [{"command": shown, "at": state.clock,
                                             "exit": result.exit_code}])[-200:]
    return work, _ended(result)


def _ended(result: CommandResult) -> CommandResult:
    """Output and errors end with a newline, as a terminal shows them."""
    if result.error and not result.error.endswith("\n"):
        result.error += "\n"
    if result.output and not result.output.endswith("\n"):
        result.output += "\n"
    return result


def _problem_line(problem: Any, in_file: bool) -> str:
    """A problem of a pasted file with its line and column; kubectl's own message (already
    `error: …`, `Error from server …` or `The Pod "x" is invalid: …`) of a command line as
    it is."""
    hint = f" ({problem.hint})" if getattr(problem, "hint", None) else ""
    if problem.message.lower().startswith("error") or problem.message.startswith("The "):
        return f"{problem.message}{hint}"
    where = f"line {problem.line}, column {problem.column}: " if problem.line and in_file else ""
    return f"error: {where}{problem.message}{hint}"


def _dispatch(state: ClusterState, words: list[Word], line: str, files: dict[str, str],
              key: bytes, result: CommandResult) -> None:
    if not words:
        raise _Usage("type a command", None, HELP)
    head = words[0]
    if head.text == "$" and len(words) > 1:
        words, head = words[1:], words[1]
    if head.text == "sleep":
        _sleep(state, words[1:], key, result)
    elif head.text == "ssh" and len(words) >= 3 and words[2].text == "crictl":
        crictl(state, words[1], words[3:], key, result)
    elif head.text == "crictl":
        nodes = [n.name for n in state.scenario.nodes]
        if len(nodes) != 1:
            raise _Usage("crictl runs on a node: say which one, e.g. "
                         f"`ssh {nodes[0] if nodes else 'node-1'} crictl images`", head)
        crictl(state, Word(nodes[0], head.line, head.column), words[1:], key, result)
    elif head.text == "crane":
        crane(state, words[1:], result)
    elif head.text == "docker":
        from .workstation import docker
        docker(state, words[1:], key, result)
    elif head.text == "kubectl":
        _kubectl(state, words, line, files, key, result)
    else:
        raise _Usage(f"{head.text}: command not found", head, HELP)


def _sleep(state: ClusterState, words: list[Word], key: bytes, result: CommandResult) -> None:
    text = words[0].text if words else ""
    seconds_text = text[:-1] if text[-1:] in ("s", "m") else text
    try:
        seconds = float(seconds_text) * (60 if text.endswith("m") else 1)
    except ValueError:
        raise _Usage(f"sleep: invalid time interval '{text}'", words[0] if words else None,
                     "e.g. `sleep 30` or `sleep 2m`") from None
    if not 0 <= seconds <= MAX_SLEEP:
        raise _Usage(f"sleep: at most {MAX_SLEEP:.0f} seconds at a time here", words[0])
    result.trace = run(state, Change(), key=key, seconds=seconds)
    result.changed = True


def _kubectl(state: ClusterState, words: list[Word], line: str, files: dict[str, str],
             key: bytes, result: CommandResult) -> None:
    rest = words[1:]
    verbs = _positionals(rest)
    if not verbs:
        raise _Usage("error: a kubectl command is needed", words[0], HELP)
    verb = verbs[0].text
    if verb in ("patch", "run") or verb == "create" and len(verbs) > 1 and verbs[1].text in (
            "secret", "serviceaccount", "sa", "deployment", "deploy", "namespace", "ns"):
        from .creating import command_paste
        command_paste(state, line, key, result)
        return
    args = _parse([w for w in rest if w is not verbs[0]])
    from .events_command import events_command
    from .reading import describe_command, get_command
    handlers = {"apply": _apply, "create": _apply, "replace": _apply, "get": get_command,
                "describe": describe_command, "delete": _delete, "events": events_command}
    from .actions import ACTIONS
    handler = handlers.get(verb) or ACTIONS.get(verb)
    if handler is None and verb in NOT_SIMULATED:
        raise _Usage(f"kubectl {verb} is not simulated here", verbs[0], NOT_SIMULATED[verb])
    if handler is None:
        raise _Usage(f'error: unknown command "{verb}" for "kubectl"', verbs[0], HELP)
    handler(state, verb, args, files, key, result)


def _positionals(words: list[Word]) -> list[Word]:
    """The words that are not flags or flag values (`kubectl -n default get pods`)."""
    out: list[Word] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.text.startswith("-") and word.text != "-":
            skip = word.text in VALUE_FLAGS
        else:
            out.append(word)
    return out


def _read_file(args: _Args, files: dict[str, str]) -> tuple[str, str]:
    name = args.value("filename")
    if not name:
        raise _Usage("error: must specify one of -f and -k", None,
                     "`kubectl apply -f -` applies the editor's text")
    if name not in files:
        available = ", ".join(sorted(files)) or "none"
        raise CommandFailed(f'error: the path "{name}" does not exist (files here: {available}; '
                            "`-f -` is the editor)")
    return ("STDIN" if name == "-" else name), files[name]


def _apply(state: ClusterState, verb: str, args: _Args, files: dict[str, str], key: bytes,
           result: CommandResult) -> None:
    source, text = _read_file(args, files)
    validate = args.value("validate", "strict")
    objects = load_paste(text, validate=validate)
    change = Change()
    lines = [store_object(state, obj, change, mode=verb, key=key, source=source)
             for obj in objects]
    warnings = [f"Warning: {w.message}" for w in objects.warnings if w.severity == "warning"]
    result.output = "\n".join(lines) + "\n"
    result.error = "\n".join(warnings) + ("\n" if warnings else "")
    result.trace = run(state, change, key=key)
    result.changed = True


def _delete(state: ClusterState, verb: str, args: _Args, files: dict[str, str], key: bytes,
            result: CommandResult) -> None:
    from .actions import delete
    delete(state, args, files, key, result)


__all__ = ["CommandResult", "run_command"]
