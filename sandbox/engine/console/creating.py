"""The console's create commands that the paste reader understands: `kubectl run`, `create
deployment`, `create namespace`, `create secret docker-registry`, `create serviceaccount` and
`patch serviceaccount`, read by `parse_commands` against what the cluster already holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kubectl import dry_run_yaml, parse_commands
from ..kubectl.commands import printing
from ..manifests.load import API_VERSIONS
from ..objects import KubeObject
from .session import GROUPS, Change, CommandFailed, run, store_object
from .state import ClusterState

if TYPE_CHECKING:
    from .commands import CommandResult

__all__ = ["command_paste"]


def command_paste(state: ClusterState, line: str, key: bytes, result: CommandResult) -> None:
    """`run`, `create deployment`, `create secret docker-registry`, `create serviceaccount`,
    `patch serviceaccount`: read by the paste's own kubectl reader, against the objects the
    cluster already has (a Pod or Deployment only by name: its body is never compared)."""
    from .controllers import parse_body
    existing = [parse_body(r["body"]) for kind in ("Secret", "ServiceAccount")
                for r in state.records(kind)]
    named = _names_taken(state)
    found = parse_commands(line, existing=existing + named)
    assert found is not None
    before = {(o.kind, o.effective_namespace, o.name): o.body for o in existing + named}
    dry_run, output = printing(line)
    if dry_run:  # kubectl prints what it would send, and nothing is stored
        made = [o for o in found if before.get((o.kind, o.effective_namespace, o.name)) != o.body]
        if output not in ("", "yaml", "name"):
            raise CommandFailed(f"error: -o {output} of a dry run is not printed here; "
                                "-o yaml prints the same object (its secrets masked)")
        # PrintFlagsWithDryRunStrategy's message; `-o name` prints the name alone.
        done = " created (server dry run)" if dry_run == "server" else " created (dry run)"
        result.output = "".join(
            dry_run_yaml(o) if output == "yaml" else
            f"{GROUPS[o.kind]}/{o.name}{'' if output == 'name' else done}\n" for o in made)
        return
    change = Change()
    lines = []
    for obj in found:
        old = before.get((obj.kind, obj.effective_namespace, obj.name))
        if old is not None and old == obj.body:
            continue
        if old is None:
            _check_namespace(state, obj)
            lines.append(store_object(state, obj, change, mode="create", key=key))
        else:
            record = state.record(obj.kind, obj.effective_namespace, obj.name)
            assert record is not None
            record["body"] = obj.body
            lines.append(f"{GROUPS[obj.kind]}/{obj.name} patched")
    if not lines:
        lines = [f"{GROUPS.get(o.kind, o.kind.lower())}/{o.name} patched (no change)"
                 for o in found[-1:]]
    result.output = "\n".join(lines) + "\n"
    result.trace = run(state, change, key=key)
    result.changed = True


def _check_namespace(state: ClusterState, obj: KubeObject) -> None:
    """`kubectl run` and `create deployment` into a namespace that is not there: their words
    (create_deployment.go wraps the API's error; run.go passes it on as it is)."""
    namespace = obj.effective_namespace
    if obj.kind not in ("Pod", "Deployment") or namespace == "default" or \
            state.record("Namespace", "", namespace) is not None:
        return
    wrap = "error: failed to create deployment: " if obj.kind == "Deployment" else \
        "Error from server (NotFound): "
    raise CommandFailed(f'{wrap}namespaces "{namespace}" not found')


def _names_taken(state: ClusterState) -> list[KubeObject]:
    """The Pods, Deployments and Namespaces `kubectl run` / `create deployment` / `create
    namespace` would collide with."""
    taken = [KubeObject("v1", "Pod", key.split("/", 1)[1], key.split("/", 1)[0], body=_TAKEN)
             for key in state.data["pods"] if "/" in key]
    taken += [KubeObject(API_VERSIONS[kind], kind, r["name"], r["namespace"] or None,
                         body=_TAKEN)
              for kind in ("Deployment", "Namespace") for r in state.records(kind)]
    return taken


_TAKEN = {"taken": True}  # a stand-in body: the object exists, and is never rewritten


