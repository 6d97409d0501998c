"""kubectl's verbs that change a cluster: delete, set image, scale, rollout, cordon, drain.

Output and errors as kubectl 1.35 prints them: `pkg/cmd/delete/delete.go` (`pod "web" deleted
from default namespace`, since 1.34), `pkg/cmd/set/set_image.go` (`image updated`, nothing at
all when nothing changed), `pkg/cmd/scale/scale.go`, `pkg/cmd/rollout/` with
`polymorphichelpers/rollout_status.go` and `rollback.go`, and `pkg/cmd/drain/drain.go` with
`pkg/drain/filters.go`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..kubectl.shell_words import Word
from ..paste import load_paste
from ..runtime import profile_for
from .controllers import replica_sets_of
from .session import GROUPS, POD_UPDATE_FORBIDDEN, Change, CommandFailed, run
from .state import ClusterState, object_key, rfc3339
from .workload_status import deployment_conditions, deployment_status

if TYPE_CHECKING:
    from .commands import CommandResult, _Args

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def _usage(message: str, word: Word | None = None, hint: str | None = None) -> Exception:
    from .commands import _Usage
    return _Usage(message, word, hint)


def _resolve(args: _Args, verb: str) -> tuple[str, str, str]:
    from .commands import _namespace, _targets
    kind, names, word = _targets(args, verb)
    if len(names) != 1:
        raise _usage(f"error: exactly one NAME is required for {verb}", word,
                     f"e.g. `kubectl {verb} deployment/web`")
    return kind, _namespace(args) or "default", names[0]


def _not_found(kind: str, name: str) -> CommandFailed:
    from .reading import not_found as text
    return CommandFailed(text(kind, name))


def _deleted_line(kind: str, name: str, namespace: str) -> str:
    group = GROUPS.get(kind, kind.lower())
    kind_text = group if "." in group else kind.lower()
    if kind in ("Node", "Namespace"):
        return f'{kind_text} "{name}" deleted'
    return f'{kind_text} "{name}" deleted from {namespace} namespace'


def _selecting(args: _Args) -> bool:
    """Whether `-l` or `--field-selector` selects anything: blank text is no selector."""
    from .reading import given
    return any(given(args.values.get(flag)) for flag in ("selector", "field-selector"))


def _delete_targets(state: ClusterState, args: _Args, files: dict[str, str]
                    ) -> tuple[list[tuple[str, str, str]], str | None]:
    """(kind, namespace, name) to delete, from `-f`, names, `-l` or `--all`, and the file's
    name (for not-found messages)."""
    if args.value("filename"):
        from .commands import _read_file
        source, text = _read_file(args, files)
        return [(o.kind, o.effective_namespace, o.name) for o in load_paste(text)], source
    from .commands import _namespace, _targets
    kind, names, word = _targets(args, "delete")
    namespace = _namespace(args) or "default"
    for flag in ("selector", "field-selector"):  # delete.go's Validate: any text at all
        if "all" in args.flags and args.values.get(flag):
            raise _usage(f"error: cannot set --all and --{flag} at the same time", word)
    if _selecting(args):
        from .reading import selected
        keys = selected(state, kind, namespace, args, names, word) or set()
        names = sorted(k.split("/", 1)[-1] for k in keys)
    elif "all" in args.flags:
        if names:  # --all is the everything selector to the resource builder
            raise _usage("error: name cannot be provided when a selector is specified", word)
        names = ([k.split("/", 1)[1] for k in sorted(state.data["pods"])
                  if k.startswith(namespace + "/")] if kind == "Pod" else
                 [r["name"] for r in state.records(kind, namespace)])
    if not names and not _selecting(args) and "all" not in args.flags:
        raise _usage("error: resource(s) were provided, but no name was specified", word,
                     f"e.g. `kubectl delete {word.text} NAME`")
    return [(kind, namespace, name) for name in names], None


def delete(state: ClusterState, args: _Args, files: dict[str, str], key: bytes,
           result: CommandResult) -> None:
    change = Change()
    lines: list[str] = []
    targets, source = _delete_targets(state, args, files)
    if not targets and (_selecting(args) or "all" in args.flags):
        result.output = "No resources found\n"  # delete.go, when nothing matched
        return
    for kind, namespace, name in targets:
        if kind == "Node":
            raise _usage("deleting nodes is not supported here: `kubectl drain` them", None)
        if kind == "Pod":
            if state.pod(namespace, name) is None:
                raise _missing(kind, name, source, "ignore-not-found" in args.flags)
            change.deleted_pods.append(f"{namespace}/{name}")
            lines.append(_deleted_line(kind, name, namespace))
            continue
        record = state.record(kind, namespace, name)
        if record is None:
            if "ignore-not-found" in args.flags:
                continue
            raise _missing(kind, name, source, False)
        del state.data["objects"][object_key(kind, namespace, name)]
        if kind == "Deployment":  # garbage collection: its ReplicaSets, then their pods
            for rs in replica_sets_of(state, record):
                del state.data["objects"][object_key("ReplicaSet", namespace, rs["name"])]
                _delete_owned(state, f"ReplicaSet/{rs['name']}", namespace, change)
        elif kind == "ReplicaSet":
            _delete_owned(state, f"ReplicaSet/{name}", namespace, change)
        lines.append(_deleted_line(kind, name, namespace))
    result.output = "".join(line + "\n" for line in lines)
    result.trace = run(state, change, key=key)
    result.changed = True


def _missing(kind: str, name: str, source: str | None, ignore: bool) -> Exception:
    if ignore:
        return CommandFailed("", 0)
    from .session import PLURALS
    plural = PLURALS.get(kind, kind.lower() + "s")
    where = f'error when deleting "{source}": ' if source else ""
    return CommandFailed(f'Error from server (NotFound): {where}{plural} "{name}" not found')


def _delete_owned(state: ClusterState, owner: str, namespace: str, change: Change) -> None:
    for key, record in sorted(state.data["pods"].items()):
        if record["owner"] == owner and key.startswith(namespace + "/"):
            change.deleted_pods.append(key)


def _deployment(state: ClusterState, namespace: str, name: str) -> dict[str, Any]:
    record = state.record("Deployment", namespace, name)
    if record is None:
        raise _not_found("Deployment", name)
    return record


def set_image(state: ClusterState, verb: str, args: _Args, files: dict[str, str], key: bytes,
              result: CommandResult) -> None:
    if not args.positionals or args.positionals[0].text != "image":
        raise _usage("error: only `kubectl set image` is supported here",
                     args.positionals[0] if args.positionals else None)
    args.positionals = args.positionals[1:]
    pairs = [w for w in args.positionals[1:] if "=" in w.text]
    args.positionals = [w for w in args.positionals if w not in pairs]
    if not pairs:
        raise _usage("error: at least one image update is required", None,
                     "e.g. `kubectl set image deployment/web web=nginx:1.25`")
    kind, namespace, name = _resolve(args, "set image")
    change = Change()
    if kind == "Pod":
        record = state.pod(namespace, name)
        if record is None:
            raise _not_found(kind, name)
        spec = record["body"]["spec"]
    elif kind == "Deployment":
        record = _deployment(state, namespace, name)
        spec = record["body"]["spec"]["template"]["spec"]
    else:
        raise _usage(f"error: setting images on {kind} is not supported here", None)
    before = copy.deepcopy(spec)
    for pair in pairs:
        container, _, image = pair.text.partition("=")
        items = [c for field in ("initContainers", "containers") for c in spec.get(field) or []
                 if container in ("*", c.get("name"))]
        if not items:
            raise CommandFailed(f'error: unable to find container named "{container}"')
        for item in items:
            item["image"] = image
    if spec == before:
        return  # kubectl sends an empty patch and prints nothing
    if kind == "Pod":
        changed = [c["name"] for field in ("initContainers", "containers")
                   for c, old in zip(spec.get(field) or [], before.get(field) or [], strict=True)
                   if c.get("image") != old.get("image")]
        change.restarted[f"{namespace}/{name}"] = changed
    else:
        record["generation"] = int(record.get("generation", 1)) + 1
    result.output = f"{GROUPS[kind]}/{name} image updated\n"
    result.trace = run(state, change, key=key)
    result.changed = True


def scale(state: ClusterState, verb: str, args: _Args, files: dict[str, str], key: bytes,
          result: CommandResult) -> None:
    kind, namespace, name = _resolve(args, "scale")
    text = args.value("replicas")
    if not text.isdigit() or int(text) > 50:
        raise _usage("error: --replicas=COUNT is required, a whole number from 0 to 50 here",
                     None)
    if kind != "Deployment":
        raise _usage(f"error: scaling {kind} is not supported here", None)
    record = _deployment(state, namespace, name)
    record["body"]["spec"]["replicas"] = int(text)
    result.output = f"deployment.apps/{name} scaled\n"
    result.trace = run(state, Change(), key=key)
    result.changed = True


def rollout(state: ClusterState, verb: str, args: _Args, files: dict[str, str], key: bytes,
            result: CommandResult) -> None:
    if not args.positionals or args.positionals[0].text not in ("restart", "status", "undo",
                                                                "history"):
        raise _usage("error: `kubectl rollout restart|status|undo|history` is supported here",
                     args.positionals[0] if args.positionals else None)
    sub = args.positionals[0].text
    args.positionals = args.positionals[1:]
    kind, namespace, name = _resolve(args, f"rollout {sub}")
    if kind != "Deployment":
        raise CommandFailed(f'error: {GROUPS.get(kind, kind.lower())}s "{name}" '
                            f"{'restarting' if sub == 'restart' else sub} is not supported")
    record = _deployment(state, namespace, name)
    if sub == "status":
        progressing = [c for c in deployment_conditions(state, record)
                       if c["type"] == "Progressing"]
        if progressing and progressing[0]["reason"] == "ProgressDeadlineExceeded":
            raise CommandFailed(f'error: deployment "{name}" exceeded its progress deadline')
        result.output = rollout_status(state, record)
        return
    if sub == "history":
        rows = sorted(replica_sets_of(state, record), key=lambda r: r["revision"])
        result.output = (f"deployment.apps/{name} \nREVISION  CHANGE-CAUSE\n"
                         + "".join(f"{r['revision']:<10}<none>\n" for r in rows))
        return
    template = record["body"]["spec"]["template"]
    if sub == "restart":
        stamp = rfc3339(state.clock)
        template.setdefault("metadata", {}).setdefault("annotations", {})[RESTARTED_AT] = stamp
        result.output = f"deployment.apps/{name} restarted\n"
    else:
        sets = sorted(replica_sets_of(state, record), key=lambda r: r["revision"])
        wanted = args.value("to-revision")
        if len(sets) < 2 and not wanted:
            raise CommandFailed(f'error: no rollout history found for deployment "{name}"')
        if wanted:
            chosen = next((r for r in sets if str(r["revision"]) == wanted), None)
            if chosen is None:
                raise CommandFailed(f"error: unable to find specified revision {wanted} in "
                                    "history")
        else:
            chosen = sets[-2]
        old = copy.deepcopy(chosen["body"]["spec"]["template"])
        old.get("metadata", {}).get("labels", {}).pop("pod-template-hash", None)
        if old == template:
            result.output = (f"deployment.apps/{name} skipped rollback (current template "
                             f"already matches revision {chosen['revision']})\n")
            return
        record["body"]["spec"]["template"] = old
        result.output = f"deployment.apps/{name} rolled back\n"
    record["generation"] = int(record.get("generation", 1)) + 1
    result.trace = run(state, Change(), key=key)
    result.changed = True


def rollout_status(state: ClusterState, record: dict[str, Any]) -> str:
    """One line of `kubectl rollout status` (it would wait; here it answers at once)."""
    s = deployment_status(state, record)
    name = record["name"]
    if s["updatedReplicas"] < s["desired"]:
        return (f'Waiting for deployment "{name}" rollout to finish: {s["updatedReplicas"]} out '
                f'of {s["desired"]} new replicas have been updated...\n')
    if s["replicas"] > s["updatedReplicas"]:
        return (f'Waiting for deployment "{name}" rollout to finish: '
                f'{s["replicas"] - s["updatedReplicas"]} old replicas are pending '
                f"termination...\n")
    if s["availableReplicas"] < s["updatedReplicas"]:
        return (f'Waiting for deployment "{name}" rollout to finish: {s["availableReplicas"]} of '
                f'{s["updatedReplicas"]} updated replicas are available...\n')
    return f'deployment "{name}" successfully rolled out\n'


def cordon(state: ClusterState, verb: str, args: _Args, files: dict[str, str], key: bytes,
           result: CommandResult) -> None:
    if len(args.positionals) != 1:
        raise _usage(f"error: USAGE: {verb} NODE", None, f"e.g. `kubectl {verb} node-1`")
    name = args.positionals[0].text
    if name not in state.data["nodes"]:
        raise CommandFailed(f'Error from server (NotFound): nodes "{name}" not found')
    node = state.data["nodes"][name]
    lines = []
    want = verb in ("cordon", "drain")
    if node["cordoned"] == want:
        lines.append(f"node/{name} already {'cordoned' if want else 'uncordoned'}")
    else:
        node["cordoned"] = want
        lines.append(f"node/{name} {'cordoned' if want else 'uncordoned'}")
    change = Change()
    if verb == "drain":
        pods = [(k, r) for k, r in sorted(state.data["pods"].items()) if r["node"] == name]
        bare = [k for k, r in pods if r["owner"] is None]
        if bare and "force" not in args.flags:
            problem = ("cannot delete cannot delete Pods that declare no controller (use --force "
                       f"to override): {', '.join(bare)}")
            raise CommandFailed("\n".join(lines) + f'\nerror: unable to drain node "{name}" due '
                                f"to error: {problem}, continuing command...\nThere are pending "
                                f"nodes to be drained:\n {name}\n{problem}")
        if bare:
            result.error = ("Warning: deleting Pods that declare no controller: "
                            f"{', '.join(bare)}\n")
        for pod_key, _ in pods:
            lines.append(f"evicting pod {pod_key}")
        for pod_key, _ in pods:
            lines.append(f"pod/{pod_key.split('/', 1)[1]} evicted")
            change.deleted_pods.append(pod_key)
        lines.append(f"node/{name} drained")
    result.output = "".join(line + "\n" for line in lines)
    result.trace = run(state, change, key=key)
    result.changed = True


# The kustomize module each kubectl minor is built with (kubectl's go.mod at v0.<minor>.0;
# 1.37 read at v0.37.0-beta.0): what `kubectl version` prints as the Kustomize Version.
KUSTOMIZE = {(1, 27): "v5.0.1", (1, 30): "v5.0.4-0.20230601165947-6ce0bf390ce3",
             (1, 31): "v5.4.2", (1, 32): "v5.5.0", (1, 33): "v5.6.0", (1, 34): "v5.7.1",
             (1, 35): "v5.7.1", (1, 36): "v5.8.1", (1, 37): "v5.8.1"}


def version(state: ClusterState, verb: str, args: _Args, files: dict[str, str], key: bytes,
            result: CommandResult) -> None:
    """`kubectl version [--client]` (pkg/cmd/version): the kubectl that matches the cluster,
    as the profile has it (the same patch release as the nodes)."""
    if args.positionals:
        extra = " ".join(w.text for w in args.positionals)
        raise CommandFailed(f"error: extra arguments: [{extra}]")
    output = args.value("output")
    if output not in ("", "yaml", "json"):
        raise CommandFailed("error: --output must be 'yaml' or 'json'")
    if output:
        raise _usage(f"kubectl version -o {output} is not simulated here: it prints the build's "
                     "commit, date and Go version, which the simulated kubectl does not have",
                     None, "`kubectl version` prints the versions")
    profile = profile_for(state.scenario.profile)
    client = f"v{profile.kubectl[0]}.{profile.kubectl[1]}.{profile.kubelet_patch}"
    kustomize = KUSTOMIZE.get(profile.kubectl, "v5.8.1")
    result.output = f"Client Version: {client}\nKustomize Version: {kustomize}\n"
    if "client" not in args.flags:
        result.output += f"Server Version: {profile.kubelet_version}\n"


ACTIONS = {"set": set_image, "scale": scale, "rollout": rollout, "cordon": cordon,
           "uncordon": cordon, "drain": cordon, "version": version}
_ = POD_UPDATE_FORBIDDEN
