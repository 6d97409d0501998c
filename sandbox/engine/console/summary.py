"""What the browser's Cluster view draws of a learner's cluster: nodes, their images as stacks of
layers, the pods on them, and each registry's tags.

`cluster_summary(state, trace)` is plain JSON-able data, bounded (at most MAX_IMAGES images per
node and MAX_LAYERS layers per image are listed, with counts of the rest), so a console frame
stays small whatever a scenario holds. A layer is `shared` when another image on the same node
has it too: containerd stores it once. With the trace of the last command, each pull is listed
with its layers as `docker pull` names their end states (`Pull complete`, `Already exists`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..trace import Trace
from ..world import Image, ImageIndex
from .state import ClusterState, image_from

MAX_IMAGES = 30
MAX_LAYERS = 40
MAX_PODS = 60
MAX_TAGS = 40
MAX_PULLS = 20


def _layers(image: Image, counts: Counter[str]) -> list[dict[str, Any]]:
    return [{"digest": layer.digest.removeprefix("sha256:")[:12], "label": layer.label,
             "size": layer.size, "shared": counts[layer.digest] > 1}
            for layer in image.layers[:MAX_LAYERS]]


def _node(state: ClusterState, name: str, statuses: dict[str, list[dict[str, str]]]
          ) -> dict[str, Any]:
    node = next(n for n in state.scenario.nodes if n.name == name)
    saved = state.data["nodes"][name]
    by_image: dict[str, list[str]] = {}
    for ref, (_, image_key) in sorted(saved["store"].items()):
        if "@" not in ref:
            by_image.setdefault(image_key, []).append(ref)
    for ref, (_, image_key) in sorted(saved["store"].items()):
        by_image.setdefault(image_key, [ref])  # held by digest only
    images = {key: image_from(state.data["images"][key]) for key in by_image}
    counts: Counter[str] = Counter(layer.digest for image in images.values()
                                   for layer in set(image.layers))
    listed = [{"refs": refs, "id": images[key].config_digest.removeprefix("sha256:")[:12],
               "size": images[key].size, "layers": _layers(images[key], counts),
               "more_layers": max(len(images[key].layers) - MAX_LAYERS, 0)}
              for key, refs in list(by_image.items())[:MAX_IMAGES]]
    return {"name": name, "architecture": node.architecture, "os": node.os,
            "labels": dict(sorted(node.all_labels().items())),
            "cordoned": bool(saved["cordoned"]), "images": listed,
            "more_images": max(len(by_image) - MAX_IMAGES, 0),
            "pods": statuses.get(name, [])[:MAX_PODS]}


def _in_use(state: ClusterState) -> set[str]:
    """`host/path` of every repository a node holds an image of or a pod names."""
    from ..reference import InvalidReference, parse_reference
    names = [ref for node in state.data["nodes"].values() for ref in node["store"]]
    for record in state.data["pods"].values():
        spec = record["body"].get("spec", {})
        names += [str(c.get("image")) for field in ("initContainers", "containers")
                  for c in spec.get(field) or [] if isinstance(c, dict)]
    found = set()
    for name in names:
        try:
            ref = parse_reference(name)
        except InvalidReference:
            continue
        found.add(f"{ref.domain}/{ref.path}")
    return found


def _registries(state: ClusterState) -> list[dict[str, Any]]:
    """The scenario's own registries whole; of Docker Hub's catalogue only what is in use."""
    moved = {tuple(k.split("|", 2)): v for k, v in state.data["tags"].items()}
    used = _in_use(state) | {f"{h}/{p}" for (h, p, _) in moved}
    out = []
    for registry in state.scenario.registries:
        repos = []
        for path, repo in sorted(registry.repositories.items()):
            if registry.host == "docker.io" and f"{registry.host}/{path}" not in used:
                continue
            tags = dict(repo.tags)
            tags.update({t: v for (h, p, t), v in moved.items()
                         if (h, p) == (registry.host, path)})
            rows = []
            for tag, image_id in sorted(tags.items())[:MAX_TAGS]:
                image = repo.images.get(image_id)
                digest = image.manifest_digest if isinstance(image, Image | ImageIndex) else ""
                rows.append({"tag": tag, "image": image_id,
                             "digest": digest.removeprefix("sha256:")[:12],
                             "moved": (registry.host, path, tag) in moved})
            repos.append({"path": path, "tags": rows})
        if repos:
            out.append({"host": registry.host, "private": registry.private,
                        "repositories": repos})
    return out


def cluster_summary(state: ClusterState, trace: Trace | None = None) -> dict[str, Any]:
    from .views import pod_statuses
    statuses: dict[str, list[dict[str, str]]] = {}
    pending: list[dict[str, str]] = []
    for pod in pod_statuses(state):
        row = {"name": pod.name, "namespace": pod.namespace, "status": pod.status,
               "ready": pod.ready}
        (statuses.setdefault(pod.node, []) if pod.node else pending).append(row)
    pulls = []
    for pull in (trace.pulls if trace is not None else ())[:MAX_PULLS]:
        pulls.append({"node": pull.node, "pod": pull.pod, "image": pull.image,
                      "outcome": pull.outcome, "bytes": pull.bytes,
                      "layers": [{"digest": t.digest.removeprefix("sha256:")[:12],
                                  "size": t.size,
                                  "state": "Pull complete" if t.state == "downloaded"
                                  else "Already exists"} for t in pull.layers[:MAX_LAYERS]]})
    return {"nodes": [_node(state, n.name, statuses) for n in state.scenario.nodes],
            "pending": pending[:MAX_PODS], "registries": _registries(state), "pulls": pulls}
