"""What runs on a node and against a registry: `crictl images|rmi|pull|inspecti` and `crane`.

crictl as cri-tools 1.35 prints it (`cmd/crictl/image.go`): `images` in a tabwriter with a
minimum width of 20, the image ID cut to 13 hex characters, sizes in go-units' decimal
`HumanSizeWithPrecision(size, 3)`; `rmi` prints `Deleted: <tag>` per tag; `pull` prints
`Image is up to date for sha256:…`. crane (`go-containerregistry/cmd/crane`): `digest` prints
the digest, `ls` the tags, `tag` nothing on stdout and a log line on stderr; errors are
`Error: …` with exit code 1.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..kubectl.shell_words import Word
from ..kubelet.node_runtime import store_key
from ..reference import InvalidReference, parse_reference
from ..registry.digests import DigestLookupError, resolve_digest
from ..world import Image, ImageIndex
from .records import remove_image
from .session import Change, CommandFailed, run
from .state import image_from

if TYPE_CHECKING:
    from .commands import CommandResult
    from .state import ClusterState


def human_size(size: float) -> str:
    """go-units HumanSizeWithPrecision(size, 3): `%.3g` with decimal units."""
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    index = 0
    while size >= 1000 and index < len(units) - 1:
        size /= 1000
        index += 1
    return f"{size:.3g}{units[index]}"


def _usage(message: str, word: Word | None = None, hint: str | None = None) -> Exception:
    from .commands import _Usage
    return _Usage(message, word, hint)


def _node_images(state: ClusterState, node: str) -> list[tuple[str, str, str, int, str]]:
    """(repository, tag, image id, size, repo digest) per tagged image in the node's store."""
    saved = state.data["nodes"][node]
    rows = []
    for ref, (repo_digest, image_key) in sorted(saved["store"].items()):
        image = image_from(state.data["images"][image_key])
        if "@" in ref:
            if any(v[0] == repo_digest and "@" not in k for k, v in saved["store"].items()):
                continue  # listed under its tag
            repository, tag = ref.split("@", 1)[0], "<none>"
        else:
            repository, _, tag = ref.rpartition(":")
        rows.append((repository, tag, image.config_digest, image.size, repo_digest))
    return rows


def crictl(state: ClusterState, node_word: Word, words: list[Word], key: bytes,
           result: CommandResult) -> None:
    node = node_word.text
    if node not in state.data["nodes"]:
        names = ", ".join(state.data["nodes"]) or "none"
        raise _usage(f"ssh: Could not resolve hostname {node}: Name or service not known",
                     node_word, f"the nodes are {names}")
    if not words:
        raise _usage("crictl: a command is needed: images, rmi, pull, inspecti", node_word)
    verb, rest = words[0].text, [w.text for w in words[1:]]
    if verb == "images":
        lines = [["IMAGE", "TAG", "IMAGE ID", "SIZE"]]
        for repository, tag, image_id, size, _ in _node_images(state, node):
            lines.append([repository, tag, image_id.removeprefix("sha256:")[:13],
                          human_size(size)])
        widths = [max(20, *(len(row[i]) for row in lines)) for i in range(3)]
        result.output = "".join(
            "".join(cell.ljust(widths[i] + 3) for i, cell in enumerate(row[:3])) + row[3] + "\n"
            for row in lines)
        return
    if verb in ("rmi", "pull", "inspecti") and not rest:
        raise _usage(f"crictl {verb}: an image name is needed", words[0])
    if verb == "rmi":
        out = []
        for name in rest:
            ref = _store_key(name, words[0])
            removed = remove_image(state, node, ref)
            if not removed:
                raise CommandFailed(f'time="0" level=fatal msg="no such image {name}"')
            out += [f"Deleted: {k}" for k in removed if "@" not in k] or \
                [f"Deleted: {k}" for k in removed]
        result.output = "".join(line + "\n" for line in out)
        result.changed = True
        return
    if verb == "inspecti":
        ref = _store_key(rest[0], words[0])
        entry = state.data["nodes"][node]["store"].get(ref)
        if entry is None:
            raise CommandFailed(f'time="0" level=fatal msg="no such image \\"{rest[0]}\\" '
                                'present"')
        image = image_from(state.data["images"][entry[1]])
        tags = sorted(k for k, v in state.data["nodes"][node]["store"].items()
                      if v[0] == entry[0] and "@" not in k)
        status = {"id": image.config_digest, "pinned": False, "repoDigests": [entry[0]],
                  "repoTags": tags, "size": str(image.size), "username": ""}
        result.output = json.dumps({"status": status}, indent=2, sort_keys=True) + "\n"
        return
    if verb == "pull":
        _pull(state, node, rest[0], words[0], key, result)
        return
    raise _usage(f'crictl: no such command "{verb}" here', words[0],
                 "crictl images, crictl rmi IMAGE, crictl pull IMAGE, crictl inspecti IMAGE")


def _store_key(name: str, word: Word) -> str:
    try:
        return store_key(parse_reference(name))
    except InvalidReference as error:
        raise _usage(f'time="0" level=fatal msg="{error}"', word) from None


def _pull(state: ClusterState, node: str, name: str, word: Word, key: bytes,
          result: CommandResult) -> None:
    """`crictl pull` pulls as the runtime does, anonymously (no pod, so no pull secret)."""
    image_id, error = pull_on_node(state, node, name, key)
    if error:
        quoted = error.replace("\\", "\\\\").replace('"', '\\"')  # logrus quotes the message
        raise CommandFailed(f'time="0" level=fatal msg="pulling image: {quoted}"')
    result.output = f"Image is up to date for {image_id}\n"
    result.changed = True
    result.trace = run(state, Change(), key=key)


def pull_on_node(state: ClusterState, node: str, name: str,
                 key: bytes) -> tuple[str | None, str | None]:
    """Pull `name` into the node's store as the runtime would for crictl (no credentials);
    (the image ID crictl prints, None) or (None, the runtime's error)."""
    from .. import runtime
    from ..kubelet.node_runtime import PullRecord
    from ..kubelet.puller import stored_digests
    from ..registry.resolver import resolve
    from .records import save_node
    from .segment import Segment
    try:
        ref = parse_reference(name)
    except InvalidReference as error:
        return None, str(error)
    segment = Segment(state.scenario, [], state.clock + 1.0, state=state, target=state.clock,
                      key=key)
    held = segment.nodes[node]
    resolution = resolve(segment.registries, ref, held.node, [], stored_digests(held))
    if resolution.image is None:
        failure = resolution.failure
        return None, (runtime.render_for_kubelet(failure, state.scenario.profile)
                      if failure is not None else "unknown error")
    digest = resolution.digest or resolution.image.manifest_digest
    held.add_image(ref, resolution.image, digest)
    held.records.setdefault(f"{ref.name}@{digest}", []).append(PullRecord(node_wide=True))
    save_node(held, state.data["nodes"][node], state.data["images"])
    return resolution.image.config_digest, None


def manifest_size(image: Image | ImageIndex) -> int:
    """The byte size of the manifest (or index) JSON a registry would serve for `image`."""
    if isinstance(image, ImageIndex):
        entries = [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": m.manifest_digest, "size": manifest_size(m),
                    "platform": {"architecture": m.architecture, "os": m.os}}
                   for m in image.manifests]
        body: dict[str, object] = {"schemaVersion": 2, "manifests": entries,
                                   "mediaType": "application/vnd.oci.image.index.v1+json"}
    else:
        body = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": image.config_digest, "size": 1000 + 100 * len(image.layers)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                            "digest": layer.digest, "size": layer.size}
                           for layer in image.layers]}
    return len(json.dumps(body, indent=3))


def crane(state: ClusterState, words: list[Word], result: CommandResult) -> None:
    if not words:
        raise _usage("crane: a command is needed: digest, ls, tag", None)
    verb, rest = words[0].text, [w.text for w in words[1:] if not w.text.startswith("-")]
    full_ref = any(w.text == "--full-ref" for w in words[1:])
    moved = {tuple(k.split("|", 2)): v for k, v in state.data["tags"].items()}
    if verb == "digest":
        if len(rest) != 1:
            raise _usage("Error: accepts 1 arg(s), received " + str(len(rest)), words[0])
        try:
            found = resolve_digest(state.scenario, rest[0], at=state.clock,
                                   moved=moved)
        except DigestLookupError as error:
            raise CommandFailed(f"Error: {error}") from None
        result.output = (found.pinned if full_ref else found.digest) + "\n"
        return
    if verb == "ls":
        if len(rest) != 1:
            raise _usage("Error: accepts 1 arg(s), received " + str(len(rest)), words[0])
        repo, registry = _repository(state, rest[0])
        tags = set(repo.tags) | {t for (h, p, t) in moved if (h, p) == (registry.host,
                                                                         repo.path)}
        result.output = "".join(f"{t}\n" for t in sorted(tags))
        return
    if verb == "tag":
        if len(rest) != 2:
            raise _usage("Error: accepts 2 arg(s), received " + str(len(rest)), words[0],
                         "crane tag IMAGE@DIGEST NEW_TAG")
        _tag(state, rest[0], rest[1], result)
        return
    raise _usage(f'Error: unknown command "{verb}" for "crane"', words[0],
                 "crane digest IMAGE, crane ls REPOSITORY, crane tag IMAGE TAG")


def _repository(state: ClusterState, name: str):  # type: ignore[no-untyped-def]
    try:
        ref = parse_reference(name)
    except InvalidReference as error:
        raise CommandFailed(f'Error: parsing repo "{name}": {error}') from None
    registry = state.scenario.registry(ref.domain)
    repo = registry.repository(ref.path) if registry else None
    if registry is None or repo is None:
        raise CommandFailed(f"Error: reading tags for {name}: GET https://{ref.domain}/v2/"
                            f"{ref.path}/tags/list: NAME_UNKNOWN: repository name not known "
                            "to registry")
    return repo, registry


def _tag(state: ClusterState, source: str, tag: str, result: CommandResult) -> None:
    """`crane tag IMAGE TAG`: point TAG of IMAGE's repository at the image IMAGE names."""
    repo, registry = _repository(state, source)
    moved = {tuple(k.split("|", 2)): v for k, v in state.data["tags"].items()}
    try:
        found = resolve_digest(state.scenario, source, at=state.clock,
                               moved=moved)
    except DigestLookupError as error:
        raise CommandFailed(f"Error: fetching {json.dumps(source)}: {error}") from None
    image_id = next((i for i, image in repo.images.items()
                     if isinstance(image, Image | ImageIndex)
                     and image.manifest_digest == found.digest), None)
    if image_id is None or not tag or len(tag) > 128:
        raise CommandFailed(f"Error: tagging {source}: not found")
    state.data["tags"][f"{registry.host}|{repo.path}|{tag}"] = image_id
    ref = parse_reference(source)
    image = repo.images[image_id]
    # crane logs the manifest it put (remote/write.go: "%v: digest: %v size: %d") with Go's
    # log.LstdFlags date; the size is that of an OCI manifest naming the image's blobs.
    from .state import rfc3339
    stamp = rfc3339(state.clock).replace("-", "/").replace("T", " ").rstrip("Z")
    result.error = (f"{stamp} {ref.domain}/{ref.path}:{tag}: digest: {found.digest} "
                    f"size: {manifest_size(image)}\n")
    result.changed = True
