"""The Cluster view of a run: where it starts, and what changes, so the page can draw any step.

`run_cluster(scenario, trace)` goes out once, in the `accepted` frame (docs/protocol.md). It holds
the cluster as the run starts (each node's images as stacks of layers, the registries' tags)
and every change the run makes, keyed by step index or simulated time: each pod's STATUS (from
`Trace.statuses`), each pull with its layers' times (from which the page works out the phase
`docker pull` shows at a step: Waiting, Downloading, Download complete, Extracting, Pull
complete, Already exists), the image a finished pull leaves in a node's store (`stored`), and
the tags the scenario's timeline moves.
The page indexes it; nothing is simulated again.

Its size is bounded by construction: at most MAX_NODES nodes, MAX_IMAGES images per node,
MAX_LAYERS layers per image or pull, MAX_PODS pods of MAX_CHANGES changes, MAX_PULLS pulls
(the first and the last), MAX_STORED images put in a store,
MAX_REPOSITORIES repositories and MAX_TAGS tags in all, MAX_MOVES moves, texts cut at
MAX_LABEL characters (an error at MAX_ERROR); each layer is listed once (`layers`) and images
once (`images`), by short digest. What was left out is counted (`more_*`). An ordinary run's
`cluster` is a few KB; should one still come out over MAX_BYTES (texts full of characters JSON
escapes), the layers' labels and the pulls' errors go, then everything but the nodes, and
`truncated` says so.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ..reference import InvalidReference, parse_reference
from ..scenario.catalogue import DOCKER_HUB
from ..trace import Pull, StatusChange, Trace
from ..world import Image, ImageIndex, Node, Scenario, content_digest

MAX_NODES = 12
MAX_IMAGES = 8
MAX_LAYERS = 20
MAX_PODS = 120
MAX_CHANGES = 12
MAX_PULLS = 30
MAX_STORED = 100
MAX_REPOSITORIES = 20
MAX_TAGS = 60
MAX_MOVES = 20
MAX_NODE_LABELS = 20
MAX_LABEL = 80
MAX_ERROR = 500
MAX_BYTES = 256 * 1024


def short(digest: str) -> str:
    """The 12 hex digits `docker pull` prints for a layer or an image."""
    return digest.removeprefix("sha256:")[:12]


def _normalized(image: str) -> str:
    try:
        return str(parse_reference(image))
    except InvalidReference:
        return image


class _Tables:
    """Layers and images listed once, by short digest."""

    def __init__(self) -> None:
        self.layers: dict[str, list[int | str]] = {}
        self.images: dict[str, dict[str, Any]] = {}

    def layer(self, digest: str, size: int, label: str) -> str:
        key = short(digest)
        self.layers.setdefault(key, [size, label[:MAX_LABEL]])
        return key

    def image(self, config_digest: str, layers: list[tuple[str, int, str]]) -> str:
        key = short(config_digest)
        if key not in self.images:
            self.images[key] = {
                "size": sum(size for _, size, _ in layers),
                "layers": [self.layer(d, s, label) for d, s, label in layers[:MAX_LAYERS]],
                "more_layers": max(len(layers) - MAX_LAYERS, 0),
            }
        return key

    def from_image(self, image: Image) -> str:
        return self.image(image.config_digest,
                          [(layer.digest, layer.size, layer.label) for layer in image.layers])


def _by_manifest(scenario: Scenario) -> dict[str, Image | ImageIndex]:
    found: dict[str, Image | ImageIndex] = {}
    for registry in scenario.registries:
        for repo in registry.repositories.values():
            for image in repo.images.values():
                found.setdefault(image.manifest_digest, image)
    return found


def _pulled_image(pull: Pull, node: Node | None, known: dict[str, Image | ImageIndex],
                  tables: _Tables) -> str:
    """The key of the image a successful pull left on the node."""
    found = known.get(pull.digest or "")
    if isinstance(found, ImageIndex) and node is not None:
        found = found.for_platform(node.architecture, node.os)
    if isinstance(found, Image):
        return tables.from_image(found)
    # Not in a registry's listing (cannot happen for a pull that worked): the layers it fetched.
    layers = [(t.digest, t.size, t.label) for t in pull.layers]
    arch, os = (node.architecture, node.os) if node is not None else ("amd64", "linux")
    config = content_digest("config", {"arch": arch, "os": os,
                                       "layers": [digest for digest, _, _ in layers]})
    return tables.image(config, layers)


def _node(node: Node, tables: _Tables) -> dict[str, Any]:
    entries: dict[str, list[str]] = {}
    for held in node.images:
        entries.setdefault(held.image.config_digest, []).append(held.ref[:MAX_LABEL])
    held_by = {held.image.config_digest: held.image for held in node.images}
    listed = [[refs, tables.from_image(held_by[config])]
              for config, refs in list(entries.items())[:MAX_IMAGES]]
    return {"name": node.name, "architecture": node.architecture, "os": node.os,
            "labels": {k[:MAX_LABEL]: v[:MAX_LABEL]
                       for k, v in sorted(node.all_labels().items())[:MAX_NODE_LABELS]},
            "images": listed, "more_images": max(len(entries) - MAX_IMAGES, 0)}


def _pods(trace: Trace, shown: set[str]) -> tuple[list[dict[str, Any]], int]:
    """The pods on the nodes shown, and those on none (Pending), with their STATUS changes."""
    nodes = {f"{p.namespace}/{p.name}": p.node for p in trace.pods}
    changes: dict[str, list[StatusChange]] = {}
    for change in trace.statuses:
        if nodes.get(change.pod) is None or nodes[change.pod] in shown:
            changes.setdefault(change.pod, []).append(change)
    pods = []
    for key, seen in list(changes.items())[:MAX_PODS]:
        entries: list[list[int | str]] = []
        for change in seen:
            if not entries or entries[-1][1] != change.status:
                entries.append([change.step, change.status])
        if len(entries) > MAX_CHANGES:
            entries = entries[:MAX_CHANGES - 1] + entries[-1:]
        pods.append({"pod": key, "node": nodes.get(key), "changes": entries})
    return pods, len({change.pod for change in trace.statuses}) - len(pods)


def _pull(pull: Pull, tables: _Tables) -> dict[str, Any]:
    layers = [[tables.layer(t.digest, t.size, t.label), t.state, t.started, t.fetched, t.finished]
              for t in pull.layers[:MAX_LAYERS]]
    return {"node": pull.node, "pod": pull.pod, "image": pull.image[:MAX_LABEL],
            "ref": _normalized(pull.image)[:MAX_LABEL], "requested": pull.requested,
            "started": pull.started, "finished": pull.finished, "outcome": pull.outcome,
            "bytes": pull.bytes, "error": (pull.error or "")[:MAX_ERROR] or None,
            "layers": layers, "more_layers": max(len(pull.layers) - MAX_LAYERS, 0)}


def _stored(pulls: list[Pull], nodes: dict[str, Node], known: dict[str, Image | ImageIndex],
            tables: _Tables) -> list[list[float | str]]:
    """`[time, node, reference, image key]`: each image a pull put in a node's store, the
    first time it did (a pull of what the node already holds changes nothing)."""
    stored: list[list[float | str]] = []
    seen: set[tuple[str, str, str]] = set()
    for pull in pulls:
        if pull.outcome != "pulled" or len(stored) == MAX_STORED:
            continue
        key = _pulled_image(pull, nodes.get(pull.node), known, tables)
        ref = _normalized(pull.image)[:MAX_LABEL]
        if (pull.node, ref, key) not in seen:
            seen.add((pull.node, ref, key))
            stored.append([pull.finished, pull.node, ref, key])
    return sorted(stored, key=lambda entry: entry[0])


def _in_use(scenario: Scenario, trace: Trace) -> set[str]:
    """`host/path` and `host/path:tag` of every image a node holds, a pod names or a pull
    fetched."""
    names = [held.ref for node in scenario.nodes for held in node.images]
    names += [c.image for pod in trace.pods for c in pod.containers]
    names += [pull.image for pull in trace.pulls]
    found = set()
    for name in names:
        try:
            ref = parse_reference(name)
        except InvalidReference:
            continue
        found.add(f"{ref.domain}/{ref.path}")
        if ref.tag:
            found.add(f"{ref.domain}/{ref.path}:{ref.tag}")
    return found


def _digest(image: Image | ImageIndex | None) -> str:
    return short(image.manifest_digest) if image is not None else ""


def _registries(scenario: Scenario, trace: Trace) -> tuple[list[dict[str, Any]], list[Any]]:
    moves_at = [(entry.at, entry.push) for entry in scenario.timeline
                if entry.push is not None and entry.at <= trace.horizon]
    moved = {entry.repository for _, entry in moves_at}
    used = _in_use(scenario, trace) | moved | {f"{push.repository}:{push.tag}"
                                              for _, push in moves_at}
    registries = []
    repositories, tags_left = MAX_REPOSITORIES, MAX_TAGS
    for registry in scenario.registries:
        repos = []
        for path, repo in sorted(registry.repositories.items()):
            name = f"{registry.host}/{path}"
            if name not in used or repositories == 0:
                continue
            repositories -= 1
            # Of the built-in Docker Hub's long tag lists, only the tags the run uses.
            listed = [(tag, image_id) for tag, image_id in sorted(repo.tags.items())
                      if registry.host != DOCKER_HUB or f"{name}:{tag}" in used]
            tags = [[tag[:MAX_LABEL], image_id[:MAX_LABEL], _digest(repo.images.get(image_id))]
                    for tag, image_id in listed[:tags_left]]
            tags_left -= len(tags)
            repos.append({"path": path, "tags": tags,
                          "more_tags": len(repo.tags) - len(tags)})
        if repos:
            registries.append({"host": registry.host, "private": registry.private,
                               "repositories": repos})
    moves = []
    for at, push in moves_at[:MAX_MOVES]:
        host, _, path = push.repository.partition("/")
        found = scenario.registry(host)
        target = found.repositories.get(path) if found is not None else None
        image = target.images.get(push.image) if target is not None else None
        moves.append({"at": at, "host": host, "path": path, "tag": push.tag[:MAX_LABEL],
                      "image": push.image[:MAX_LABEL], "digest": _digest(image)})
    return registries, moves


def run_cluster(scenario: Scenario, trace: Trace) -> dict[str, Any]:
    """The `accepted` frame's `cluster`: the start, and every change by step or time."""
    tables = _Tables()
    nodes = [_node(node, tables) for node in scenario.nodes[:MAX_NODES]]
    by_name = {node.name: node for node in scenario.nodes}
    known = _by_manifest(scenario)
    shown = {node["name"] for node in nodes}
    on_shown = [p for p in trace.pulls if p.node in shown]
    # The first and the last: a long run's pods in back-off pull again and again.
    kept = on_shown if len(on_shown) <= MAX_PULLS else (
        on_shown[:MAX_PULLS // 2] + on_shown[-(MAX_PULLS - MAX_PULLS // 2):])
    pulls = [_pull(p, tables) for p in kept]
    stored = _stored(on_shown, by_name, known, tables)
    pods, more_pods = _pods(trace, shown)
    registries, moves = _registries(scenario, trace)
    plan = {"nodes": nodes, "more_nodes": max(len(scenario.nodes) - MAX_NODES, 0),
            "images": tables.images, "layers": tables.layers,
            "pods": pods, "more_pods": more_pods,
            "pulls": pulls, "more_pulls": max(len(trace.pulls) - len(pulls), 0),
            "stored": stored,
            "registries": registries, "moves": moves, "truncated": False}
    return _within_budget(plan)


def _size(value: Any) -> int:
    """The bytes `value` takes in the `accepted` frame, written as the server writes frames
    (orjson, compact; what orjson refuses, such as a lone surrogate, the standard library
    writes escaped). The standard library alone took a third of this module's time."""
    try:
        return len(orjson.dumps(value))
    except TypeError:  # orjson.JSONEncodeError
        return len(json.dumps(value, separators=(",", ":")))


def _within_budget(plan: dict[str, Any]) -> dict[str, Any]:
    if _size(plan) <= MAX_BYTES:
        return plan
    plan["truncated"] = True
    for entry in plan["layers"].values():
        entry[1] = ""
    for pull in plan["pulls"]:
        pull["error"] = None
    if _size(plan) <= MAX_BYTES:
        return plan
    for node in plan["nodes"]:
        node["more_images"] += len(node["images"])
        node["images"], node["labels"] = [], {}
    plan.update(images={}, layers={}, pods=[], more_pods=plan["more_pods"] + len(plan["pods"]),
                pulls=[], more_pulls=plan["more_pulls"] + len(plan["pulls"]), stored=[],
                registries=[], moves=[])
    return plan
