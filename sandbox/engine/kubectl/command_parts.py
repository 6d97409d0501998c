"""What every pasted kubectl command shares: the command as read, the objects made so far, and
the checks kubectl and the API server make on any create (NAME, metadata, AlreadyExists,
`--dry-run`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..manifests import Report, check_dns_label, check_dns_subdomain
from ..objects import KubeObject
from ..problems import Position, Problem
from ..yamlsafe import Scalar
from .flags import BOOLEANS, CommandError
from .shell_words import Word

__all__ = ["_Command", "_State"]


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
    every: dict[str, list[tuple[str, Word]]] = field(default_factory=dict)  # repeated flags

    def value(self, name: str, default: str = "") -> str:
        return self.values[name][0] if name in self.values else default

    def word(self, name: str) -> Word:
        return self.values[name][1] if name in self.values else self.kubectl

    @property
    def position(self) -> Position:
        return Position(self.kubectl.line, self.kubectl.column)


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


def _dry_run(command: _Command, state: _State, kind: str,
             why: str = "so that your Pods can use it") -> None:
    value = command.value("dry-run", "none")
    if value in ("client", "server", "unchanged") or BOOLEANS.get(value):
        word = command.word("dry-run")
        state.warnings.append(Problem(
            f"with --dry-run kubectl only prints the {kind} and changes nothing; "
            f"here the change is made {why}", word.line, word.column, severity="warning"))
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
                   f'error: failed to create deployment: deployments.apps "{obj.name}" already '
                   "exists" if obj.kind == "Deployment" else
                   f'Error from server (AlreadyExists): {resource} "{obj.name}" already exists')
        raise CommandError(message, command.args[0], "give each object its own name")
    state.objects.append(obj)


def _lookup(state: _State, kind: str, namespace: str, name: str) -> int | None:
    return next((k for k, obj in enumerate(state.objects) if obj.kind == kind
                 and obj.name == name and obj.effective_namespace == namespace), None)
