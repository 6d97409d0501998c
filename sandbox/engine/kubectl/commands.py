"""`parse_commands`: pasted kubectl commands in, the objects they would create out.

Only what a learner needs for pull secrets is understood: `kubectl create secret docker-registry`,
`kubectl create serviceaccount` and `kubectl patch serviceaccount NAME -p '{"imagePullSecrets":
…}'`. Anything else is a positioned "not supported here". Commands are split the way a POSIX
shell splits them (quotes, backslashes, line continuations, comments); a shell expansion (`$X`,
`` `…` ``) is refused, since its value is unknown here. Flags are read with pflag's rules and the
errors use kubectl's own wording (`staging/src/k8s.io/kubectl/pkg/cmd/create/
create_secret_docker.go`). A `---` YAML part after the commands is not supported.

`dry_run_yaml` prints an object as `kubectl … --dry-run=client -o yaml` does, the secret values
masked unless asked for.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..credentials import DOCKER_CONFIG_JSON_KEY, DOCKER_CONFIG_JSON_TYPE
from ..manifests import Report, check_dns_label, check_dns_subdomain, validation_directive
from ..objects import KubeObject, Manifests
from ..problems import ManifestError, Position, Problem
from ..yamlsafe import MAX_BYTES, MAX_PROBLEMS, Scalar
from ..yamlsafe.load import _checked_text
from .dry_run import dry_run_yaml, go_json
from .flags import (
    ACCOUNT_FLAGS,
    ALL_FLAGS,
    BOOLEANS,
    GLOBAL_FLAGS,
    NOT_HERE,
    PATCH_FLAGS,
    SECRET_FLAGS,
    CommandError,
    Flag,
    parse_flags,
)
from .shell_words import Word, split_commands

__all__ = ["DEFAULT_DOCKER_SERVER", "docker_config_json", "dry_run_yaml", "parse_commands"]

DEFAULT_DOCKER_SERVER = "https://index.docker.io/v1/"  # kubectl's --docker-server default
SUPPORTED = ("paste YAML, or `kubectl create secret docker-registry …` / "
             "`kubectl create serviceaccount …` / `kubectl patch serviceaccount …`")
_FIRST_LINE = re.compile(r"(\$\s+)?kubectl(\s|$)")
_YAML_START = re.compile(r"(---|[A-Za-z][-A-Za-z0-9_.]*:)(\s.*)?")


@dataclass
class _State:
    objects: list[KubeObject] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Command:
    kubectl: Word
    path: str  # `create secret docker-registry`
    path_end: Word  # its last word, where NAME should follow
    args: list[Word]  # positionals after the command path
    names_before_dash: int
    values: dict[str, tuple[str, Word]]
    index: int

    def value(self, name: str, default: str = "") -> str:
        return self.values[name][0] if name in self.values else default

    def word(self, name: str) -> Word:
        return self.values[name][1] if name in self.values else self.kubectl

    @property
    def position(self) -> Position:
        return Position(self.kubectl.line, self.kubectl.column)


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
    make(_Command(words[0], path, path_end, named, before_dash, args.values, index), state)


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
    return None


def _not_a_command(word: Word) -> CommandError:
    # Never echo the word: a stray line is often a flag (with its password) of the line above.
    hint = ("it looks like the rest of the command above: end that line with a backslash (\\) "
            "to continue it" if word.text.startswith("-") else SUPPORTED)
    return CommandError("this line is not a kubectl command", word, hint)


def _name(command: _Command) -> str:
    """NAME as kubectl's NameFromCommandArgs reads it."""
    if command.names_before_dash != 1:
        extra = command.args[1] if len(command.args) > 1 else None
        dry_run = command.values.get("dry-run")
        example = "regcred" if "secret" in command.path else "builder"
        hint = (f"write `--dry-run={extra.text}`: after a space kubectl reads it as a second NAME"
                if dry_run and extra and dry_run[0] == "unchanged"
                and extra.text in ("client", "server", "none") else
                f"one NAME, e.g. `kubectl {command.path} {example}`; quote a value "
                "with spaces")
        raise CommandError(f"error: exactly one NAME is required, got "
                           f"{command.names_before_dash}", extra or command.path_end,
                           hint + f" (see 'kubectl {command.path} -h')")
    if not command.args[0].text:
        raise CommandError("error: name must be specified", command.args[0],
                           "give the object a name")
    return command.args[0].text


def _dry_run(command: _Command, state: _State, kind: str) -> None:
    value = command.value("dry-run", "none")
    if value in ("client", "server", "unchanged") or BOOLEANS.get(value):
        word = command.word("dry-run")
        state.warnings.append(Problem(
            f"with --dry-run kubectl only prints the {kind} and changes nothing; "
            "here the change is made so that your Pods can use it", word.line, word.column,
            severity="warning"))
    elif value != "none" and value not in BOOLEANS:
        raise CommandError(f'error: Invalid dry-run value ({value}). Must be "none", "server", '
                           'or "client".', command.word("dry-run"), "write --dry-run=client")


def _metadata(command: _Command, name: str) -> tuple[dict[str, str], str | None]:
    """metadata as kubectl sends it (namespace only when given), checked as the API server does."""
    report = Report()
    check_dns_subdomain(_node(command.args[0]), "metadata.name", name, report)
    namespace = command.value("namespace") or None
    if namespace:
        check_dns_label(_node(command.word("namespace")), "metadata.namespace", namespace, report)
    if report.errors:
        raise CommandError("", command.kubectl, problems=report.problems)
    return ({"name": name, "namespace": namespace} if namespace else {"name": name}), namespace


def _node(word: Word) -> Scalar:
    return Scalar(word.text, word.line, word.column, quoted=True, text=word.text)


def _add(command: _Command, state: _State, obj: KubeObject, resource: str) -> None:
    taken = _lookup(state, obj.kind, obj.effective_namespace, obj.name)
    if taken is not None or (obj.kind == "ServiceAccount" and obj.name == "default"):
        message = (f'error: failed to create secret secrets "{obj.name}" already exists'
                   if obj.kind == "Secret" else
                   f'Error from server (AlreadyExists): {resource} "{obj.name}" already exists')
        raise CommandError(message, command.args[0], "give each object its own name")
    state.objects.append(obj)


def _lookup(state: _State, kind: str, namespace: str, name: str) -> int | None:
    return next((k for k, obj in enumerate(state.objects) if obj.kind == kind
                 and obj.name == name and obj.effective_namespace == namespace), None)


def _create_secret(command: _Command, state: _State) -> None:
    name = _name(command)
    _dry_run(command, state, "Secret")
    username, password = command.value("docker-username"), command.value("docker-password")
    server = command.value("docker-server", DEFAULT_DOCKER_SERVER)
    if "from-file" not in command.values and not (username and password and server):
        missing = [f"--docker-{flag}" for flag, value in
                   (("username", username), ("password", password), ("server", server))
                   if not value]
        raise CommandError("error: either --from-file or the combination of --docker-username, "
                           "--docker-password and --docker-server is required", command.kubectl,
                           "add " + ", ".join(f"{flag}=…" for flag in missing))
    if "from-file" in command.values:
        raise CommandError("--from-file is not supported here", command.word("from-file"),
                           NOT_HERE["from-file"])
    metadata, namespace = _metadata(command, name)
    if "docker-server" not in command.values:
        state.warnings.append(Problem(
            f"no --docker-server: kubectl uses {DEFAULT_DOCKER_SERVER}, so this Secret holds "
            "Docker Hub credentials only", command.kubectl.line, command.kubectl.column,
            severity="warning", hint="add --docker-server=<registry host> for another registry"))
    config = docker_config_json(server, username, password, command.value("docker-email"))
    body: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Secret", "metadata": metadata,
        "type": DOCKER_CONFIG_JSON_TYPE,
        "data": {DOCKER_CONFIG_JSON_KEY: base64.b64encode(config).decode("ascii")},
    }
    _add(command, state, KubeObject("v1", "Secret", name, namespace, position=command.position,
                                    document=command.index, body=body), "secrets")


def docker_config_json(server: str, username: str, password: str, email: str = "") -> bytes:
    """The `.dockerconfigjson` kubectl builds: Go's json.Marshal of {"auths": {server: entry}}.

    Entry fields in struct order (username, password, email, auth), each omitted when empty.
    """
    auth = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    entry = {"username": username, "password": password, "email": email, "auth": auth}
    fields = ",".join(f"{go_json(key)}:{go_json(value)}" for key, value in entry.items() if value)
    return f'{{"auths":{{{go_json(server)}:{{{fields}}}}}}}'.encode()


def _create_account(command: _Command, state: _State) -> None:
    name = _name(command)
    _dry_run(command, state, "ServiceAccount")
    metadata, namespace = _metadata(command, name)
    body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata}
    _add(command, state, KubeObject("v1", "ServiceAccount", name, namespace,
                                    position=command.position, document=command.index,
                                    body=body), "serviceaccounts")


def _patch(command: _Command, state: _State) -> None:
    """`kubectl patch serviceaccount NAME -p '{"imagePullSecrets": […]}'` on a known account."""
    args = command.args
    first = args[0].text.split("/", 1) if args else []
    resource, named = (first[0], first[1:]) if len(args) == 1 and "/" in args[0].text else (
        args[0].text if args else "", [a.text for a in args[1:]])
    if resource.lower() not in ("sa", "serviceaccount", "serviceaccounts"):
        raise CommandError(f"`kubectl patch {resource} …` is not supported here"
                           if resource else "error: you must specify the type of resource to "
                           "patch and its name", args[0] if args else command.kubectl,
                           "patch a service account: `kubectl patch serviceaccount default "
                           """-p '{"imagePullSecrets": [{"name": "regcred"}]}'`""")
    if len(named) != 1 or not named[0]:
        raise CommandError("error: exactly one service account name is required", args[0],
                           "e.g. `kubectl patch serviceaccount default -p '…'`")
    _dry_run(command, state, "patched ServiceAccount")
    names, strategic = _pull_secret_patch(command)
    namespace = command.value("namespace") or None
    at = _lookup(state, "ServiceAccount", namespace or "default", named[0])
    if at is None and named[0] != "default":
        raise CommandError(f'Error from server (NotFound): serviceaccounts "{named[0]}" not '
                           "found", args[-1], f"create it first: `kubectl create serviceaccount "
                           f"{named[0]}`")
    if at is None:
        metadata = {"name": "default", "namespace": namespace} if namespace else {"name": "default"}
        state.objects.append(KubeObject("v1", "ServiceAccount", "default", namespace,
                                        position=command.position, document=command.index,
                                        body={"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": metadata}))
        at = len(state.objects) - 1
    account = state.objects[at]
    body = dict(account.body)
    old = [e["name"] for e in body.get("imagePullSecrets", [])] if strategic else []
    merged = old + [n for n in names if n not in old]
    body["imagePullSecrets"] = [{"name": n} for n in merged]
    state.objects[at] = replace(account, body=body)


def _pull_secret_patch(command: _Command) -> tuple[list[str], bool]:
    """The secret names of the patch, and whether it is a strategic merge (merged by name)."""
    kind = command.value("type", "strategic")
    if kind not in ("json", "merge", "strategic"):
        raise CommandError(f'error: --type must be one of [json merge strategic], not "{kind}"',
                           command.word("type"), "leave --type out (strategic)")
    if kind == "json":
        raise CommandError("--type=json is not supported here", command.word("type"),
                           "write the patch as an object: -p '{\"imagePullSecrets\": [...]}'")
    if "patch" not in command.values:
        raise CommandError("error: must specify --patch or --patch-file containing the contents "
                           "of the patch", command.kubectl, "add -p '{\"imagePullSecrets\": "
                           "[{\"name\": \"regcred\"}]}'")
    word = command.word("patch")
    try:
        patch = json.loads(command.value("patch"))
    except RecursionError:  # a hostile `[[[[…`: Python's decoder recurses per level
        raise CommandError("error: unable to parse the patch: nested too deeply", word,
                           "write it as JSON in single quotes") from None
    except ValueError as error:
        raise CommandError(f"error: unable to parse the patch: {error}", word,
                           "write it as JSON in single quotes") from None
    entries = patch.get("imagePullSecrets") if isinstance(patch, dict) else None
    if (not isinstance(patch, dict) or set(patch) != {"imagePullSecrets"}
            or not isinstance(entries, list)
            or not all(isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries)):
        raise CommandError("only imagePullSecrets can be patched here", word,
                           """write -p '{"imagePullSecrets": [{"name": "regcred"}]}'""")
    return [e["name"] for e in entries if e["name"]], kind == "strategic"
