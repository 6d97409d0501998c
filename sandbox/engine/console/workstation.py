"""The learner's own machine: `docker pull` and `docker inspect`, for finding an image's digest.

The seed's way to find a digest is `docker inspect --format '{{.RepoDigests}}' IMAGE` after a
`docker pull`: the workstation keeps the images pulled there (`state.data["workstation"]`),
apart from every node. Pulls are anonymous (this console has no `docker login`): a private
repository answers as the registry would, and `crane digest` is the other way.

Output as Docker 24+ prints it: `Using default tag: latest` without a tag, `<tag>: Pulling from
<repository>`, a `<12 hex>: Pull complete` (or `Already exists`) line per layer, the digest,
`Status: Downloaded newer image for …` / `Status: Image is up to date for …`, then the full
reference. `--format '{{.RepoDigests}}'` prints Go's `fmt` of a string slice, `[name@sha256:…]`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..kubectl.shell_words import Word
from ..kubelet.node_runtime import store_key
from ..reference import InvalidReference, parse_reference
from ..world import Image, Node
from .session import CommandFailed
from .state import image_data, image_from

if TYPE_CHECKING:
    from .commands import CommandResult
    from .state import ClusterState

FORMATS = {"{{.RepoDigests}}": "digests", "{{json .RepoDigests}}": "json-digests",
           "{{.Id}}": "id", "{{.RepoTags}}": "tags"}


def _usage(message: str, word: Word | None = None, hint: str | None = None) -> Exception:
    from .commands import _Usage
    return _Usage(message, word, hint)


def docker(state: ClusterState, words: list[Word], key: bytes, result: CommandResult) -> None:
    if not words:
        raise _usage("docker: a command is needed here: pull, inspect", None)
    verb = words[0].text
    rest = words[1:]
    if verb == "pull":
        names = [w.text for w in rest if not w.text.startswith("-")]
        if len(names) != 1:
            raise _usage('"docker pull" requires exactly 1 argument.', words[0],
                         "e.g. `docker pull nginx:1.25`")
        _pull(state, names[0], key, result)
    elif verb in ("inspect", "image"):
        if verb == "image":
            if not rest or rest[0].text != "inspect":
                raise _usage("docker image: only `docker image inspect` is supported here",
                             words[0])
            rest = rest[1:]
        _inspect(state, rest, result)
    else:
        raise _usage(f"docker: '{verb}' is not a docker command here", words[0],
                     "docker pull IMAGE, docker inspect --format '{{.RepoDigests}}' IMAGE")


def _store(state: ClusterState) -> dict[str, list[str]]:
    found = state.data.setdefault("workstation", {})
    assert isinstance(found, dict)
    return found


def _pull(state: ClusterState, name: str, key: bytes, result: CommandResult) -> None:
    from ..registry.resolver import resolve
    from .segment import Segment
    try:
        ref = parse_reference(name)
    except InvalidReference as error:
        raise CommandFailed(f"invalid reference format: {error}") from None
    lines = [] if (ref.tag or ref.digest) else ["Using default tag: latest"]
    segment = Segment(state.scenario, [], state.clock + 1.0, state=state, target=state.clock,
                      key=key)
    node = next(iter(segment.nodes.values()), None)
    if node is None:
        raise CommandFailed("this scenario has no node to borrow a network from")
    held = _store(state)
    have_layers = {layer.digest for entry in held.values()
                   for layer in image_from(state.data["images"][entry[1]]).layers}
    resolution = resolve(segment.registries, ref, Node("workstation"), [], frozenset())
    if resolution.image is None:
        failure = resolution.failure
        text = failure.text if failure is not None else "unknown error"
        raise CommandFailed(f"Error response from daemon: {text}")
    image: Image = resolution.image
    digest = resolution.digest or image.manifest_digest
    key_ = store_key(ref)
    tag = ref.tag or ("latest" if not ref.digest else digest)
    lines.append(f"{tag}: Pulling from {ref.path}")
    for layer in image.layers:
        short = layer.digest.removeprefix("sha256:")[:12]
        done = "Already exists" if layer.digest in have_layers else "Pull complete"
        lines.append(f"{short}: {done}")
    lines.append(f"Digest: {digest}")
    image_key = f"{image.id}@{image.manifest_digest}"
    state.data["images"].setdefault(image_key, image_data(image))
    before = held.get(key_)
    held[key_] = [f"{ref.familiar_name}@{digest}", image_key]
    shown = ref.familiar
    lines.append(f"Status: Image is up to date for {shown}" if before == held[key_]
                 else f"Status: Downloaded newer image for {shown}")
    lines.append(str(ref) if not ref.digest else f"{ref.name}@{digest}")
    result.output = "\n".join(lines) + "\n"
    result.changed = True


def _inspect(state: ClusterState, words: list[Word], result: CommandResult) -> None:
    fmt = None
    names: list[str] = []
    index = 0
    while index < len(words):
        text = words[index].text
        if text in ("--format", "-f") and index + 1 < len(words):
            fmt, index = words[index + 1].text, index + 2
            continue
        if text.startswith("--format="):
            fmt = text.partition("=")[2]
        elif text.startswith("-"):
            raise _usage(f"unknown flag: {text}", words[index])
        else:
            names.append(text)
        index += 1
    if not names:
        raise _usage('"docker inspect" requires at least 1 argument.', None,
                     "e.g. docker inspect --format '{{.RepoDigests}}' nginx:1.25")
    if fmt is not None and fmt not in FORMATS:
        raise _usage(f"the format {fmt!r} is not supported here", None,
                     "supported: " + ", ".join(FORMATS))
    held = _store(state)
    out: list[str] = []
    for name in names:
        try:
            ref = parse_reference(name)
        except InvalidReference:
            raise CommandFailed(f"Error: No such object: {name}") from None
        key = store_key(ref)
        entry = held.get(key)
        if entry is None:
            raise CommandFailed(f"Error: No such object: {name}",
                                output="".join(out))
        image = image_from(state.data["images"][entry[1]])
        digests = sorted({v[0] for v in held.values() if v[1] == entry[1]})
        tags = sorted(familiar(k) for k, v in held.items() if v[1] == entry[1] and "@" not in k)
        if fmt is None:
            out.append(json.dumps([{"Id": image.config_digest, "RepoTags": tags,
                                    "RepoDigests": digests, "Architecture": image.architecture,
                                    "Os": image.os, "Size": image.size}], indent=4) + "\n")
        elif FORMATS[fmt] == "digests":
            out.append(f"[{' '.join(digests)}]\n")
        elif FORMATS[fmt] == "json-digests":
            out.append(json.dumps(digests) + "\n")
        elif FORMATS[fmt] == "tags":
            out.append(f"[{' '.join(tags)}]\n")
        else:
            out.append(image.config_digest + "\n")
    result.output = "".join(out)


def familiar(name: str) -> str:
    try:
        return parse_reference(name).familiar
    except InvalidReference:
        return name
