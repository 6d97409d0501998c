"""`apply_learner_build`: a learner's Dockerfile built yesterday and today, pushed, put in a world.

A learner gives a small Dockerfile, the versions of the files it copies "before" (what was built
and deployed yesterday) and "after" (today's one-line change), and a tag to push to. The image
is built twice with `build_image`. The "after" image is pushed under the tag now; the "before"
image was pushed earlier (it stays in the repository, untagged) and, when `preloaded`, every
node of the build's architecture already holds it under that same tag, as if it had run
yesterday. The learner's manifest then runs against the returned scenario, so the trace's pulls
show which layers each node must download after the change:

* `imagePullPolicy: Always` resolves the tag to the new manifest and downloads only the layers
  the node does not have: the ones the change rebuilt (the build cache chain, docs/dockerfile.md);
* `IfNotPresent` finds an image under the tag on the node and starts it without pulling: the
  change never arrives. That is the mutable-tag lesson.

Bad input raises `ManifestError`: Dockerfile problems at their Dockerfile line and column with
the path `build.dockerfile`, the others without a position (`build.push`, `build.files`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..dockerfile import BaseResolver, Build, ContextError, build_image, context_files
from ..problems import ManifestError, Problem
from ..reference import ImageReference, InvalidReference, docker_ref, parse_reference
from ..world import Image, Node, NodeImage, Repository, Scenario
from .builds import base_resolver
from .catalogue import DOCKER_HUB

__all__ = [
    "DEFAULT_REPOSITORY",
    "DEFAULT_TAG",
    "FileVersions",
    "LearnerBuild",
    "apply_learner_build",
    "default_push",
]

MAX_FILES = 50
MAX_VERSION = 64  # characters of a version label
DEFAULT_REPOSITORY = "learner/app"
DEFAULT_TAG = "dev"
_OFFICIAL = "library/"
_ARCHITECTURES = ("amd64", "arm64")


@dataclass(frozen=True)
class FileVersions:
    """A file of the build context: its version yesterday (`before`) and today (`after`)."""

    before: str
    after: str


@dataclass(frozen=True)
class BuildRequest:
    """What a learner asked to build: a Dockerfile, its context's files, where to push it."""

    dockerfile: str
    files: Mapping[str, FileVersions | str] = field(default_factory=dict)
    push: str | None = None
    preloaded: bool = True
    architecture: str | None = None


@dataclass(frozen=True)
class LearnerBuild:
    """The world with the build pushed (and preloaded), and both builds to compare."""

    scenario: Scenario
    before: Build
    after: Build
    reference: str  # the normalized tag pushed to, e.g. registry.company.com/webapp:v3
    preloaded: bool

    @property
    def changed_layers(self) -> tuple[int, ...]:
        """Indexes into `after.image.layers` of the layers the "before" image does not have."""
        old = {layer.digest for layer in self.before.image.layers}
        return tuple(i for i, layer in enumerate(self.after.image.layers)
                     if layer.digest not in old)

    @property
    def changed_bytes(self) -> int:
        """What a node holding the "before" image downloads to get the "after" one."""
        layers = self.after.image.layers
        return sum(layers[i].size for i in self.changed_layers)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary for the page: every step of the "after" build, changed or not."""
        after = self.after
        final = after.steps[-1].stage if after.steps else 0
        steps = []
        for index, step in enumerate(after.steps):
            old = self.before.steps[index] if index < len(self.before.steps) else None
            size: int | None = step.layer.size if step.layer is not None else None
            if step.instruction == "FROM" and step.stage == final:
                size = sum(layer.size for layer in after.image.layers[:after.base_layers])
            changed = step.layer is not None and (
                old is None or old.layer is None or old.layer.digest != step.layer.digest)
            steps.append({
                "line": step.line, "stage": step.stage, "instruction": step.instruction,
                "text": step.text, "makes_layer": step.makes_layer, "size": size,
                "digest": step.layer.digest[7:19] if step.layer is not None else None,
                "changed": changed,
            })
        return {
            "reference": self.reference, "preloaded": self.preloaded,
            "architecture": after.image.architecture,
            "digest": after.image.manifest_digest,
            "before_size": self.before.image.size, "after_size": after.image.size,
            "changed_bytes": self.changed_bytes, "changed_layers": len(self.changed_layers),
            "layers": len(after.image.layers), "steps": steps,
        }


def default_push(scenario: Scenario) -> str:
    """Where a build goes when the learner names no tag: the first registry that is not Docker
    Hub (`<host>/learner/app:dev`), else `docker.io/learner/app:dev`."""
    for registry in scenario.registries:
        if registry.host != DOCKER_HUB:
            return f"{registry.host}/{DEFAULT_REPOSITORY}:{DEFAULT_TAG}"
    return f"{DOCKER_HUB}/{DEFAULT_REPOSITORY}:{DEFAULT_TAG}"


def apply_learner_build(scenario: Scenario, dockerfile: str,
                        files: Mapping[str, FileVersions | str], push: str | None = None, *,
                        architecture: str | None = None,
                        preloaded: bool = True) -> LearnerBuild:
    """Build `dockerfile` with the "before" and "after" file versions and push both to `push`.

    `files` maps a context path to its versions (a plain string: the same both times).
    `architecture` defaults to the first node's (a `docker build` makes the builder's platform;
    nodes of another architecture then find no manifest for them, as they would for real).
    Raises ManifestError.
    """
    target = _push_target(scenario, push if push is not None else default_push(scenario))
    arch = _architecture(scenario, architecture)
    before_files, after_files = _versions(files)
    host = scenario.registry(target.domain)
    assert host is not None  # _push_target checked it
    repository = host.repository(target.path) or Repository(target.path)
    before_id, after_id = _image_ids(repository)
    resolve = _resolver(scenario, arch)
    before = _build(dockerfile, before_files, resolve, arch, before_id)
    after = _build(dockerfile, after_files, resolve, arch, after_id)
    tag = target.tag or "latest"
    pushed = replace(repository,
                     images={**repository.images, before_id: before.image,
                             after_id: after.image},
                     tags={**repository.tags, tag: after_id})
    registry = replace(host, repositories={**host.repositories, target.path: pushed})
    reference = f"{target.name}:{tag}"
    nodes = scenario.nodes
    if preloaded:
        nodes = tuple(_preload(node, reference, before.image) for node in nodes)
    world = replace(scenario, nodes=nodes,
                    registries=tuple(registry if r.host == registry.host else r
                                     for r in scenario.registries))
    return LearnerBuild(world, before, after, reference, preloaded)


# --- checking the input ----------------------------------------------------------------------

def _push_target(scenario: Scenario, push: str) -> ImageReference:
    hosts = [registry.host for registry in scenario.registries]
    where = "push to one of this scenario's registries: " + ", ".join(hosts) if hosts else None
    try:
        target = parse_reference(push)
    except InvalidReference as error:
        raise _problem(f"push {push!r}: {error}", "build.push",
                       error.hint or "like registry.company.com/webapp:v3") from None
    if target.digest is not None:
        raise _problem(f"push {push!r}: a push names a tag, not a digest", "build.push",
                       "the registry computes the digest; write a tag like :v3")
    if target.domain not in hosts:
        raise _problem(f"push {push!r}: no registry {target.domain!r} in the scenario",
                       "build.push", where)
    if target.domain == DOCKER_HUB and target.path.startswith(_OFFICIAL):
        raise _problem(f"push {push!r}: denied: requested access to the resource is denied "
                       "(official images are not yours to push)", "build.push",
                       f"push to your own namespace, like docker.io/{DEFAULT_REPOSITORY}:v1")
    return target


def _architecture(scenario: Scenario, architecture: str | None) -> str:
    if architecture is None:
        return scenario.nodes[0].architecture if scenario.nodes else "amd64"
    if architecture not in _ARCHITECTURES:
        raise _problem(f"architecture {architecture!r} is not one the sandbox builds for",
                       "build.architecture", "amd64 or arm64")
    return architecture


def _versions(files: Mapping[str, FileVersions | str]) -> tuple[dict[str, str], dict[str, str]]:
    if len(files) > MAX_FILES:
        raise _problem(f"the build lists more than {MAX_FILES} files", "build.files")
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for path, value in files.items():
        versions = value if isinstance(value, FileVersions) else FileVersions(value, value)
        for label in (versions.before, versions.after):
            _check_version(path, label)
        before[path], after[path] = versions.before, versions.after
    try:
        context_files(before)
    except ContextError as error:
        raise _problem(f"build context: {error}", "build.files", error.hint) from None
    return before, after


def _check_version(path: str, label: object) -> None:
    if not isinstance(label, str) or not 0 < len(label) <= MAX_VERSION \
            or not label.isprintable():
        raise _problem(f"file {path!r}: a version is 1 to {MAX_VERSION} printable characters",
                       "build.files", "like v1, v2 or 2024-12-01")


def _problem(message: str, path: str, hint: str | None = None) -> ManifestError:
    return ManifestError([Problem(message, path=path, hint=hint)])


# --- building and pushing --------------------------------------------------------------------

def _image_ids(repository: Repository) -> tuple[str, str]:
    """Scenario ids for the two builds that no image of the repository has yet."""
    suffix = ""
    count = 1
    while f"learner-before{suffix}" in repository.images \
            or f"learner-after{suffix}" in repository.images:
        count += 1
        suffix = f"-{count}"
    return f"learner-before{suffix}", f"learner-after{suffix}"


def _build(dockerfile: str, files: dict[str, str], resolve: BaseResolver, architecture: str,
           build_id: str) -> Build:
    try:
        return build_image(dockerfile, files, base=resolve, architecture=architecture,
                           build_id=build_id)
    except ManifestError as error:
        raise ManifestError([replace(p, path="build.dockerfile") for p in error.problems]) \
            from None


def _resolver(scenario: Scenario, architecture: str) -> BaseResolver:
    """Base images come from the scenario's registries (Docker Hub is its catalogue)."""
    return base_resolver({r.host: r for r in scenario.registries}, architecture)


def _preload(node: Node, reference: str, image: Image) -> Node:
    """`node` holding `image` under `reference`, in place of whatever it held under it."""
    if node.architecture != image.architecture:
        return node
    ref = docker_ref(reference)
    kept = tuple(held for held in node.images if held.ref != ref)
    return replace(node, images=(*kept, NodeImage(ref, image)))
