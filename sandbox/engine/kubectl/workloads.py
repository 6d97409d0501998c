"""`kubectl run NAME --image=…` and `kubectl create deployment NAME --image=…`.

The objects are the ones kubectl builds (staging/src/k8s.io/kubectl/pkg/cmd/run/run.go
`createPod`, pkg/cmd/create/create_deployment.go `createDeployment`), checked first as kubectl
checks its flags (its own error texts), then read by the same loader as a pasted manifest, so the
API server's validation and the simulator see exactly what a YAML paste of that object gives.
A problem the loader finds is moved onto the command word it came from (`--image=…`, NAME, …).

What kubectl does and a cluster does not: kubectl run matches `--image` against the reference
grammar before sending anything (`error: invalid image name "Nginx": invalid reference
format`), while a pasted Pod with `image: Nginx` is accepted and fails on the node
(InvalidImageName).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..manifests import Report
from ..manifests.load import read_object
from ..objects import KubeObject
from ..problems import Problem
from ..reference.grammar import match_grammar
from ..yamlsafe import Scalar
from ..yamlsafe.tree import Document, Node, new_mapping, new_scalar, new_sequence
from .command_parts import _Command, _name
from .flags import CommandError
from .shell_words import Word

__all__ = ["create_deployment", "run_pod", "typed"]

_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")  # apimachinery's IsEnvVarName
_GO_INT = re.compile(r"[-+]?[0-9]+")  # what strconv.Atoi / ParseInt accept in base 10
_RESTART = ("Always", "OnFailure", "Never")
MAX_ITEMS = 1000  # images, variables, labels, annotations and arguments in one command
_PULL = ("Always", "IfNotPresent", "Never")


def run_pod(command: _Command) -> dict[str, Any]:
    """`kubectl run`: one Pod named NAME whose one container is also NAME."""
    _check_size(command)
    if command.names_before_dash == 0:
        raise CommandError("error: NAME is required for run", command.path_end,
                           "e.g. `kubectl run web --image=nginx:1.27`")
    name_word = command.args[0]
    name, arguments = name_word.text, [w.text for w in command.args[1:]]
    image = command.value("image")
    labels = _labels(command)
    envs = _envs(command)
    annotations = _pairs(command, "annotations")
    restart = command.value("restart", "Always")
    if restart not in _RESTART:
        raise CommandError(f"error: invalid restart policy: {restart}, valid values are: Always, "
                           "OnFailure, Never", command.word("restart"), "write --restart=Never "
                           "for a Pod that runs once")
    pull = command.value("image-pull-policy")
    if pull and pull not in _PULL:
        raise CommandError(f"error: invalid image pull policy: {pull}, valid values are: Always, "
                           "IfNotPresent, Never", command.word("image-pull-policy"),
                           "the policies are case-sensitive: Always, IfNotPresent or Never")
    if not image:
        raise CommandError("error: --image is required", command.kubectl,
                           f"add --image=<image>, e.g. `kubectl run {name or 'web'} "
                           "--image=nginx:1.27`")
    _check_image(image, command.word("image"))
    port = command.value("port")
    if port and not _GO_INT.fullmatch(port):
        raise CommandError("error: --port must be a number", command.word("port"),
                           "e.g. --port=8080")
    container: dict[str, Any] = {"name": name, "image": image, "resources": {}}
    if envs:
        container["env"] = envs
    if pull:
        container["imagePullPolicy"] = pull
    if port:
        container["ports"] = [{"containerPort": int(port)}]
    if arguments:
        container["command" if _flag(command, "command") else "args"] = arguments
    if _flag(command, "privileged"):
        container["securityContext"] = {"privileged": True}
    metadata: dict[str, Any] = {"name": name, "labels": labels or {"run": name}}
    if annotations:
        metadata["annotations"] = annotations
    namespace = command.value("namespace") or None
    if namespace:
        metadata["namespace"] = namespace
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": [container], "dnsPolicy": "ClusterFirst",
                     "restartPolicy": restart}, "status": {}}
    return body


def create_deployment(command: _Command) -> dict[str, Any]:
    """`kubectl create deployment`: labels `app: NAME`, one container per `--image`."""
    _check_size(command)
    name = _name(command)
    images = _images(command)
    if not images:
        raise CommandError('error: required flag(s) "image" not set', command.kubectl,
                           f"add --image=<image>, e.g. `kubectl create deployment {name} "
                           "--image=nginx:1.27`")
    arguments = [w.text for w in command.args[1:]]
    if len(images) > 1 and arguments:
        raise CommandError("error: cannot specify multiple --image options and command",
                           images[1][1], "give one --image when a command follows `--`")
    replicas = _int32(command, "replicas", "-r, --replicas", 1)
    port = _int32(command, "port", "--port", -1)
    containers = []
    for image, _ in images:
        container: dict[str, Any] = {"name": _container_name(image), "image": image,
                                     "resources": {}}
        if arguments:
            container["command"] = arguments
        containers.append(container)
    if port >= 0:
        containers[0]["ports"] = [{"containerPort": port}]
    labels = {"app": name}
    metadata: dict[str, Any] = {"name": name, "labels": labels}
    namespace = command.value("namespace") or None
    if namespace:
        metadata["namespace"] = namespace
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "strategy": {}, "template": {"metadata": {"labels": dict(labels)},
                                                  "spec": {"containers": containers}}},
            "status": {}}
    return body


# --- kubectl's own checks ------------------------------------------------------------------------


def _check_size(command: _Command) -> None:
    """A bound kubectl does not have: what one command lists stays small, so reading it does."""
    items = max(len(command.args) - 1, 0) + command.value("labels").count(",") + sum(
        len(command.every.get(flag, [])) for flag in ("env", "annotations")) + sum(
        1 for _ in _images(command))
    if items > MAX_ITEMS:
        raise CommandError(f"this command lists {items} images, variables, labels and "
                           f"arguments; at most {MAX_ITEMS} are read here", command.kubectl,
                           "write the object as YAML if it really needs that many")


def _images(command: _Command) -> list[tuple[str, Word]]:
    """Every `--image` value with its word: a StringSlice, repeated or comma-separated."""
    return [(value, word) for text, word in command.every.get("image", [])
            for value in text.split(",")]


def _check_image(image: str, word: Word) -> None:
    # run.go: `reference.ReferenceRegexp.MatchString(o.Image)`: the grammar only, no length check.
    if match_grammar(image) is None:
        shown = image if len(image) <= 200 else image[:200] + "…"
        raise CommandError(f'error: invalid image name "{shown}": invalid reference format',
                           word, "an image is [registry/]name[:tag][@digest], the name in lower "
                           "case, e.g. nginx:1.27 or registry.example.com/team/app:v2")


def _flag(command: _Command, name: str) -> bool:
    return command.value(name, "false") in ("1", "t", "T", "TRUE", "true", "True")


def _labels(command: _Command) -> dict[str, str]:
    """run.go parseLabels: `a=b,c=d`, each split at `=` into exactly two parts."""
    text = command.value("labels")
    labels: dict[str, str] = {}
    for spec in text.split(",") if text else []:
        parts = spec.split("=")
        if len(parts) != 2:
            raise CommandError(f"error: unexpected label spec: {spec[:200]}",
                               command.word("labels"), "write --labels=key=value,key2=value2")
        if not parts[0]:
            raise CommandError("error: unexpected empty label key", command.word("labels"),
                               "write --labels=key=value")
        labels[parts[0]] = parts[1]
    return labels


def _envs(command: _Command) -> list[dict[str, str]]:
    """run.go parseEnvs: every `--env NAME=value`, in order."""
    envs = []
    for text, word in command.every.get("env", []):
        name, equals, value = text.partition("=")
        if not equals or not _ENV_NAME.fullmatch(name):
            raise CommandError(f"error: invalid env: {text[:200]}", word,
                               "write --env=NAME=value (letters, digits, `_`, `-`, `.`)")
        envs.append({"name": name, "value": value})
    return envs


def _pairs(command: _Command, flag: str) -> dict[str, str]:
    """cmdutil.ParsePairs for --annotations: each `key=value`."""
    pairs: dict[str, str] = {}
    for text, word in command.every.get(flag, []):
        key, equals, value = text.partition("=")
        if not equals or not key:
            raise CommandError(f"error: invalid {flag} format: {text[:200]}", word,
                               f"write --{flag}=key=value")
        pairs[key] = value
    return pairs


def _int32(command: _Command, flag: str, shown: str, default: int) -> int:
    if flag not in command.values:
        return default
    text = command.value(flag)
    number = int(text) if _GO_INT.fullmatch(text) else None
    if number is None or not -2**31 <= number < 2**31:
        reason = "value out of range" if number is not None else "invalid syntax"
        raise CommandError(f'error: invalid argument "{text[:200]}" for "{shown}" flag: '
                           f'strconv.ParseInt: parsing "{text[:200]}": {reason}',
                           command.word(flag), f"write --{flag}=<number>")
    return number


def _container_name(image: str) -> str:
    """create_deployment.go buildPodSpec: the last path part without tag or digest.

    kubectl then replaces `.` and `_` with `-` and adds five random characters; here the
    suffix is a fixed `-xxxxx`, so that runs can be replayed."""
    name = image.split("/")[-1].split(":")[0].split("@")[0]
    if "_" in name or "." in name:
        name = name.replace("_", "-").replace(".", "-") + "-xxxxx"
    return name


# --- into the loader ------------------------------------------------------------------------


def typed(body: dict[str, Any], command: _Command) -> tuple[KubeObject, list[Problem]]:
    """The object as the loader reads it, and its warnings.

    The loader reads a tree whose every value sits where the learner wrote it: NAME's value at
    NAME, an image at its `--image`, an env entry at its `--env`, the rest at `kubectl`. So the
    API server's problems, and the editor's markers, land on the right words."""
    places = _places(command)
    report = Report()
    root = _tree({k: v for k, v in body.items() if k != "status"}, "", command.kubectl, places)
    obj = read_object(Document(command.index, root, command.kubectl.line, command.kubectl.column),
                      report)
    if report.errors or obj is None:  # the API server's 422, in kubectl's words
        name = str(body["metadata"]["name"])[:200]
        raise CommandError("", command.kubectl, problems=[
            replace(p, message=f'The {body["kind"]} "{name}" is invalid: {p.message}')
            if p.severity == "error" and p.path else p for p in report.sorted()])
    return replace(obj, body=body), [p for p in report.sorted() if p.severity == "warning"]


def _places(command: _Command) -> dict[str, Word]:
    """Which word each field path was written at."""
    places: dict[str, Word] = {}
    if command.args:  # NAME, and the labels kubectl makes from it (`run: NAME`, `app: NAME`)
        for path in ("metadata.name", "metadata.labels", "spec.selector",
                     "spec.template.metadata.labels"):
            places[path] = command.args[0]
    for flag, path in (("labels", "metadata.labels"), ("annotations", "metadata.annotations"),
                       ("namespace", "metadata.namespace"), ("replicas", "spec.replicas"),
                       ("restart", "spec.restartPolicy")):
        if flag in command.values:
            places[path] = command.word(flag)
    images = [word for _, word in _images(command)]
    template = "spec.template.spec" if command.path.startswith("create") else "spec"
    for index, word in enumerate(images):
        places[f"{template}.containers[{index}].image"] = word
        places[f"{template}.containers[{index}].name"] = command.args[0] if \
            command.path == "run" and command.args else word
    container = f"{template}.containers[0]"
    for flag, field in (("image-pull-policy", "imagePullPolicy"), ("port", "ports")):
        if flag in command.values:
            places[f"{container}.{field}"] = command.word(flag)
    for index, (_, word) in enumerate(command.every.get("env", [])):
        places[f"{container}.env[{index}]"] = word
    return places


def _tree(value: Any, path: str, at: Word, places: dict[str, Word]) -> Node:
    """`value` as the YAML composer would give it, each node at its place (else its parent's)."""
    at = places.get(path, at)
    line, column = at.line, at.column
    if isinstance(value, dict):
        values: dict[str, Node] = {}
        keys: dict[str, Scalar] = {}
        for key, item in value.items():
            values[key] = _tree(item, f"{path}.{key}" if path else key, at, places)
            keys[key] = new_scalar(key, line, column, False, key)
        return new_mapping(values, keys, line, column, 1 + sum(v.size for v in values.values()),
                           1 + max((v.height for v in values.values()), default=0))
    if isinstance(value, list):
        items = tuple(_tree(item, f"{path}[{k}]", at, places) for k, item in enumerate(value))
        return new_sequence(items, line, column, 1 + sum(i.size for i in items),
                            1 + max((i.height for i in items), default=0))
    text = value if isinstance(value, str) else str(value).lower()
    return new_scalar(value, line, column, isinstance(value, str), text)
