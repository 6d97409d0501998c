"""The pull-secret commands: `kubectl create secret docker-registry`, `kubectl create
serviceaccount` and `kubectl patch serviceaccount NAME -p '{"imagePullSecrets": …}'`."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

from ..credentials import DOCKER_CONFIG_JSON_KEY, DOCKER_CONFIG_JSON_TYPE
from ..objects import KubeObject
from ..problems import Problem
from .command_parts import _add, _Command, _dry_run, _lookup, _metadata, _name, _State
from .dry_run import go_json
from .flags import NOT_HERE, CommandError

__all__ = ["DEFAULT_DOCKER_SERVER", "docker_config_json"]

DEFAULT_DOCKER_SERVER = "https://index.docker.io/v1/"  # kubectl's --docker-server default


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
