"""Reading a scenario's `builds`: Dockerfiles built with `build_image` and pushed to a registry.

Each build runs after `registries` are read and before `nodes`, so nodes can hold a built image
(`{ref: registry.company.com/webapp:v2, image: v1}`) and a later build can start `FROM` an
earlier one. A build pushed `at: 0s` (the default) is in the repository from the start, its tag
pointing at it; a later `at` adds the image at once but moves the tag with a timeline push.

Problems inside the Dockerfile are positioned in the scenario file: with a literal block
(`dockerfile: |`) Dockerfile line N is scenario line (line of the `|`) + N, at its real column;
otherwise the problem points at the value and names the Dockerfile line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..dockerfile import BaseResolver, BuildFile, build_image
from ..problems import ManifestError, Problem
from ..reference import ImageReference, InvalidReference, parse_reference
from ..units import parse_duration, parse_size
from ..world import Image, ImageIndex, Push, Registry, Repository, TimelineEntry
from ..yamlsafe import Mapping, Scalar
from ..yamlsafe import Node as YamlNode
from .fields import FieldReader, child, is_null
from .registries import by_digest, is_tag, read_architecture

BUILD_FIELDS = ("dockerfile", "files", "push", "architecture", "at", "id")
MAX_BUILDS = 20


@dataclass(frozen=True)
class BuiltWorld:
    """The registries with every build pushed, and the timeline pushes of later builds."""

    registries: tuple[Registry, ...]
    timeline: tuple[TimelineEntry, ...]


def read_builds(r: FieldReader, node: YamlNode | None, registries: list[Registry],
                horizon: float, source: str = "") -> BuiltWorld:
    """Build each entry of `builds` in order and push it; problems go to `r`."""
    reader = _BuildReader(r, {registry.host: registry for registry in registries},
                          source.splitlines(), horizon)
    items = r.sequence(node, "builds")
    if len(items) > MAX_BUILDS:
        r.error(node, "builds", f"at most {MAX_BUILDS} builds per scenario")
        items = ()
    timeline: list[TimelineEntry] = []
    for index, item in enumerate(items):
        entry = reader.build(item, f"builds[{index}]")
        if entry is not None:
            timeline.append(entry)
    order = [registry.host for registry in registries]
    return BuiltWorld(tuple(reader.hosts[host] for host in order), tuple(timeline))


@dataclass
class _BuildReader:
    r: FieldReader
    hosts: dict[str, Registry]
    lines: list[str]
    horizon: float

    def __post_init__(self) -> None:
        self.pushed: dict[tuple[str, str, float], YamlNode] = {}

    def build(self, node: YamlNode, path: str) -> TimelineEntry | None:
        r = self.r
        m = r.fields(node, path, BUILD_FIELDS, required=("dockerfile", "push"))
        if m is None:
            return None
        target = self._push_target(m.get("push"), f"{path}.push")
        architecture = read_architecture(r, m.get("architecture"), f"{path}.architecture")
        at = self._at(m.get("at"), f"{path}.at")
        files = self._files(m.get("files"), f"{path}.files")
        dockerfile_node = m.get("dockerfile")
        dockerfile = r.string(dockerfile_node, f"{path}.dockerfile")
        image_id = self._image_id(m, path, target)
        if None in (target, dockerfile, files, at, image_id) or not isinstance(
                dockerfile_node, Scalar):
            return None
        assert target is not None and dockerfile is not None and files is not None
        assert at is not None and image_id is not None
        try:
            built = build_image(dockerfile, files, base=self._resolver(architecture or "amd64"),
                                architecture=architecture or "amd64", build_id=image_id)
        except ManifestError as error:
            for problem in error.problems:
                r.problems.append(self._placed(problem, dockerfile_node, dockerfile,
                                               f"{path}.dockerfile"))
            return None
        return self._push(target, built.image, at, m.get("push"), f"{path}.push")

    # --- fields ----------------------------------------------------------------------------

    def _push_target(self, node: YamlNode | None, path: str) -> ImageReference | None:
        text = self.r.string(node, path)
        if text is None:
            return None
        try:
            ref = parse_reference(text)
        except InvalidReference as error:
            self.r.error(node, path, f"{text!r}: {error}", hint=error.hint)
            return None
        if ref.tag is None or ref.digest is not None:
            self.r.error(node, path, f"{text!r} must name a tag to push to, without digest",
                         hint="like registry.company.com/webapp:v2")
            return None
        if ref.domain not in self.hosts:
            self.r.error(node, path, f"no registry {ref.domain!r} in the scenario",
                         hint="define it under `registries:`")
            return None
        return ref

    def _at(self, node: YamlNode | None, path: str) -> float | None:
        at = self.r.unit(node, path, parse_duration)
        if at is None:
            return None if node is not None and not is_null(node) else 0.0
        if at > self.horizon:
            self.r.error(node, path, f"at {at:g}s is after the horizon ({self.horizon:g}s): the "
                         "push would never happen", hint="move it earlier or raise `horizon`")
            return None
        return at

    def _files(self, node: YamlNode | None, path: str) -> dict[str, str | BuildFile] | None:
        files: dict[str, str | BuildFile] = {}
        mapping = self.r.mapping(node, path)
        ok = True
        for key_node, value in mapping.items() if mapping is not None else ():
            here = child(path, str(key_node.value))
            entry = self._file(value, here)
            ok = ok and entry is not None
            if entry is not None:
                files[str(key_node.value)] = entry
        return files if ok else None

    def _file(self, node: YamlNode, path: str) -> str | BuildFile | None:
        if isinstance(node, Scalar) and isinstance(node.value, (str, int, float)) \
                and not isinstance(node.value, bool):
            return str(node.value)
        m = self.r.fields(node, path, ("version", "size"), required=("version",))
        if m is None:
            if not isinstance(node, Mapping):
                self.r.error(node, path, "a file is a version (`app.py: v2`) or "
                             "`{version: v2, size: 4KB}`")
            return None
        version = self.r.string(m.get("version"), f"{path}.version")
        size = self.r.unit(m.get("size"), f"{path}.size", parse_size)
        if version is None or ("size" in m and size is None):
            return None
        return BuildFile(version, size)

    def _image_id(self, m: Mapping, path: str, target: ImageReference | None) -> str | None:
        written = self.r.string(m.get("id"), f"{path}.id")
        if written is not None and not is_tag(written):
            self.r.error(m.get("id"), f"{path}.id", f"image id {written!r} is not written "
                         "like a tag", hint="letters, digits, `_`, `.` and `-`")
            return None
        image_id = written or (target.tag if target is not None else None)
        if target is None or image_id is None:
            return None
        registry = self.hosts[target.domain]
        repository = registry.repository(target.path)
        if repository is not None and image_id in repository.images:
            where_node = m.get("id") or m.get("push")
            self.r.error(where_node, f"{path}.id" if written else f"{path}.push",
                         f"repository {target.name} already has an image {image_id!r}",
                         hint="give the build its own `id:`")
            return None
        return image_id

    # --- building and pushing --------------------------------------------------------------

    def _resolver(self, architecture: str) -> BaseResolver:
        return base_resolver(self.hosts, architecture)

    def _push(self, target: ImageReference, image: Image, at: float, node: YamlNode | None,
              path: str) -> TimelineEntry | None:
        assert target.tag is not None
        key = (target.name, target.tag, at)
        if key in self.pushed:
            first = self.pushed[key]
            self.r.error(node, path, f"{target.name}:{target.tag} is pushed twice at {at:g}s",
                         hint=f"first at line {first.line}, column {first.column}")
            return None
        self.pushed[key] = node if node is not None else Scalar(None, 0, 0)
        registry = self.hosts[target.domain]
        repository = registry.repository(target.path) or Repository(target.path)
        tags = dict(repository.tags)
        if at == 0:
            tags[target.tag] = image.id
        updated = replace(repository, images={**repository.images, image.id: image}, tags=tags)
        self.hosts[target.domain] = replace(
            registry, repositories={**registry.repositories, target.path: updated})
        return TimelineEntry(at, Push(target.name, target.tag, image.id)) if at > 0 else None

    def _placed(self, problem: Problem, node: Scalar, dockerfile: str, path: str) -> Problem:
        """A Dockerfile problem moved to where that Dockerfile line is in the scenario file."""
        line = problem.line or 1
        column = problem.column or 1
        indicator = self._char_at(node.line, node.column)
        values = dockerfile.splitlines()
        if indicator == "|" and line <= len(values):
            source_line = node.line + line
            written = self.lines[source_line - 1] if source_line <= len(self.lines) else ""
            if written.endswith(values[line - 1]):
                indent = len(written) - len(values[line - 1])
                return replace(problem, line=source_line, column=indent + column, path=path)
        return replace(problem, message=f"Dockerfile line {line}: {problem.message}",
                       line=node.line, column=node.column, path=path)

    def _char_at(self, line: int, column: int) -> str:
        if 0 < line <= len(self.lines) and 0 < column <= len(self.lines[line - 1]):
            return self.lines[line - 1][column - 1]
        return ""



def base_resolver(registries: dict[str, Registry], architecture: str) -> BaseResolver:
    """How a build finds its FROM image: in these registries (host -> registry), by tag as the
    tags stand now or by digest, picking the build's platform out of a multi-arch index."""

    def resolve(reference: str) -> Image | None:
        ref = parse_reference(reference)
        registry = registries.get(ref.domain)
        repository = registry.repository(ref.path) if registry is not None else None
        if repository is None:
            return None
        found: Image | ImageIndex | None
        if ref.digest is not None:
            found = by_digest(repository, ref.digest)
        else:
            image_id = repository.tags.get(ref.tag or "latest")
            found = repository.images.get(image_id) if image_id is not None else None
        if isinstance(found, ImageIndex):
            image = found.for_platform(architecture)
            if image is None:
                raise ValueError(f"no linux/{architecture} manifest in the index")
            return image
        return found

    return resolve
