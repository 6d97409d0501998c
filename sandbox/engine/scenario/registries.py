"""Reading a scenario's `registries`: hosts, accounts, repositories, images and tags.

Docker Hub is always there: a scenario that defines `docker.io` has its settings and
repositories merged over the built-in catalogue (a repository of the same path keeps the
catalogue's images and tags and adds or overrides the scenario's).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..problems import suggestion
from ..reference import DOCKER_HUB, InvalidReference, parse_reference
from ..units import parse_bandwidth, parse_duration, parse_size
from ..world import (
    REGISTRY_FLAVOURS,
    Account,
    Image,
    ImageIndex,
    Layer,
    Registry,
    RegistryFlavour,
    Repository,
)
from ..yamlsafe import Mapping, Scalar
from ..yamlsafe import Node as YamlNode
from . import catalogue
from .fields import FieldReader, child, is_null, or_default, where

ARCHITECTURES = ("amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "mips64le")
ARCHITECTURE_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64",
                        "arm64v8": "arm64", "armhf": "arm", "i386": "386"}
REGISTRY_FIELDS = ("host", "private", "accounts", "bandwidth", "latency", "auth",
                   "rateLimited", "flavour", "repositories")
MAX_LATENCY = 60.0


def read_registries(r: FieldReader, node: YamlNode | None) -> list[Registry]:
    """The scenario's registries in order, with Docker Hub appended when not defined."""
    return _RegistryReader(r).registries(node)


@dataclass
class _RegistryReader:
    r: FieldReader

    def registries(self, node: YamlNode | None) -> list[Registry]:
        registries: list[Registry] = []
        seen: dict[str, Scalar | YamlNode] = {}
        for index, item in enumerate(self.r.sequence(node, "registries")):
            path = f"registries[{index}]"
            registry = self._registry(item, path)
            if registry is None:
                continue
            host_node = item.get("host") if isinstance(item, Mapping) else item
            if registry.host in seen:
                self.r.error(host_node, f"{path}.host",
                             f"registry {registry.host} is defined twice",
                             hint=f"first defined at {where(seen[registry.host])}")
                continue
            seen[registry.host] = host_node or item
            registries.append(registry)
        if DOCKER_HUB not in seen:
            registries.append(catalogue.docker_hub())
        return registries

    def _registry(self, node: YamlNode, path: str) -> Registry | None:
        r = self.r
        m = r.fields(node, path, REGISTRY_FIELDS, required=("host",))
        if m is None:
            return None
        host = self._host(m.get("host"), f"{path}.host")
        base = catalogue.docker_hub() if host == DOCKER_HUB else Registry(host or "")
        bandwidth = r.unit(m.get("bandwidth"), f"{path}.bandwidth", parse_bandwidth)
        latency = r.unit(m.get("latency"), f"{path}.latency", parse_duration)
        if latency is not None and latency > MAX_LATENCY:
            r.error(m.get("latency"), f"{path}.latency", "latency must be at most 60s")
        auth = r.choice(m.get("auth"), f"{path}.auth", ("bearer", "basic"))
        flavour = self._flavour(m.get("flavour"), f"{path}.flavour", auth)
        repositories = self._repositories(m.get("repositories"), f"{path}.repositories",
                                          host or "", base.repositories)
        if host is None:
            return None
        return Registry(
            host=host,
            private=or_default(r.boolean(m.get("private"), f"{path}.private"), base.private),
            accounts=self._accounts(m.get("accounts"), f"{path}.accounts"),
            bandwidth=or_default(bandwidth, base.bandwidth),
            latency=or_default(latency, base.latency),
            auth="basic" if auth == "basic" else "bearer",
            repositories=repositories,
            rate_limited=or_default(r.boolean(m.get("rateLimited"), f"{path}.rateLimited"),
                             base.rate_limited),
            flavour=flavour,
        )

    def _flavour(self, node: YamlNode | None, path: str,
                 auth: str | None) -> RegistryFlavour | None:
        value = self.r.choice(node, path, REGISTRY_FLAVOURS)
        flavour = next((f for f in REGISTRY_FLAVOURS if f == value), None)
        if flavour == "ghcr" and auth == "basic":
            self.r.error(node, path, "a ghcr-flavoured registry uses bearer tokens",
                         hint="drop `auth: basic`, or the flavour")
            return None
        return flavour

    def _host(self, node: YamlNode | None, path: str) -> str | None:
        host = self.r.string(node, path)
        if host is None:
            return None
        try:
            domain = parse_reference(f"{host}/probe").domain
        except InvalidReference:
            domain = None
        if domain == host:
            return host
        if domain == DOCKER_HUB and host.lower() == host and "/" not in host:
            hint = ("an image reference reads a first part without `.` or `:` as a Docker Hub "
                    "user; use a dotted name, `localhost`, or add a port")
            if host == "index.docker.io":
                hint = "image references rewrite index.docker.io to docker.io: use docker.io"
            self.r.error(node, path, f"{host!r} cannot be a registry host", hint=hint)
        else:
            self.r.error(node, path, f"{host!r} is not a valid registry host",
                         hint="a host name like registry.company.com, optionally with :port")
        return None

    def _accounts(self, node: YamlNode | None, path: str) -> tuple[Account, ...]:
        accounts = []
        for index, item in enumerate(self.r.sequence(node, path)):
            here = f"{path}[{index}]"
            m = self.r.fields(item, here, ("username", "password"),
                              required=("username", "password"))
            if m is None:
                continue
            username = self.r.string(m.get("username"), f"{here}.username")
            password = self.r.string(m.get("password"), f"{here}.password", empty=True)
            if username is not None and password is not None:
                accounts.append(Account(username, password))
        return tuple(accounts)

    def _repositories(self, node: YamlNode | None, path: str, host: str,
                      base: dict[str, Repository]) -> dict[str, Repository]:
        repositories = dict(base)
        m = self.r.mapping(node, path)
        if m is None:
            return repositories
        for key_node, value in m.items():
            key = str(key_node.value)
            here = child(path, key)
            repo_path = self._repository_path(key, host, key_node, here)
            if repo_path is None:
                continue
            if repo_path in m.values and repo_path != key:
                self.r.error(key_node, here, f"{key!r} and {repo_path!r} are the same repository")
                continue
            repository = self._repository(value, here, repo_path, repositories.get(repo_path))
            if repository is not None:
                repositories[repo_path] = repository
        return repositories

    def _repository_path(self, key: str, host: str, key_node: Scalar, path: str) -> str | None:
        try:
            ref = parse_reference(f"{host or 'registry.invalid'}/{key}")
        except InvalidReference as error:
            self.r.error(key_node, path, f"repository {key!r}: {error}", hint=error.hint)
            return None
        if ref.tag is not None or ref.digest is not None:
            self.r.error(key_node, path, f"repository {key!r} must be a path, without tag or "
                         "digest", hint="tags go under `tags:`")
            return None
        return ref.path

    def _repository(self, node: YamlNode, path: str, repo_path: str,
                    base: Repository | None) -> Repository | None:
        r = self.r
        m = r.fields(node, path, ("private", "images", "tags"))
        if m is None:
            return (base or Repository(repo_path)) if is_null(node) else None
        images: dict[str, Image | ImageIndex] = dict(base.images) if base else {}
        images_map = r.mapping(m.get("images"), f"{path}.images")
        for key_node, value in images_map.items() if images_map else ():
            image_id = str(key_node.value)
            here = child(f"{path}.images", image_id)
            if not is_tag(image_id):
                r.error(key_node, here, f"image id {image_id!r} is not valid",
                        hint="like a tag: letters, digits, `_`, `.` and `-` (e.g. build-1)")
                continue
            image = self._image(value, here, image_id)
            if image is not None:
                images[image_id] = image
        tags: dict[str, str] = dict(base.tags) if base else {}
        tags_map = r.mapping(m.get("tags"), f"{path}.tags")
        for key_node, value in tags_map.items() if tags_map else ():
            tag = str(key_node.value)
            here = child(f"{path}.tags", tag)
            if not is_tag(tag):
                r.error(key_node, here, f"{tag!r} is not a valid tag",
                        hint="up to 128 letters, digits, `_`, `.` and `-`, not starting "
                             "with `.` or `-`")
                continue
            target = r.string(value, here)
            if target is None:
                continue
            if target not in images:
                if images_map is not None and target in images_map:
                    continue  # the image is written but wrong: that error is reported already
                r.error(value, here, f"tag {tag} points to image {target!r}, which "
                        f"repository {repo_path} does not define",
                        hint=suggestion(target, images) or "define it under `images:`")
                continue
            tags[tag] = target
        private = r.boolean(m.get("private"), f"{path}.private")
        return Repository(repo_path, images, tags,
                          private if private is not None else (base.private if base else None))

    def _image(self, node: YamlNode, path: str, image_id: str) -> Image | ImageIndex | None:
        r = self.r
        m = r.fields(node, path, ("layers", "architecture", "platforms"))
        if m is None:
            if is_null(node):
                r.error(node, path, f"image {image_id!r} needs `layers` (or `platforms`)")
            return None
        if "platforms" in m:
            if "layers" in m or "architecture" in m:
                r.error(m.keys.get("layers") or m.keys.get("architecture"), path,
                        "an image has either `platforms` or `layers` (and `architecture`)",
                        hint="a multi-architecture index lists its layers per platform")
                return None
            return self._index(m.get("platforms"), f"{path}.platforms", image_id)
        if "layers" not in m:
            r.error(node, path, f"image {image_id!r} needs `layers` (or `platforms`)")
            return None
        architecture = read_architecture(self.r, m.get("architecture"), f"{path}.architecture")
        layers = self._layers(m.get("layers"), f"{path}.layers")
        if layers is None:
            return None
        return Image(image_id, layers, architecture=architecture or "amd64")

    def _index(self, node: YamlNode | None, path: str, image_id: str) -> ImageIndex | None:
        manifests: list[Image] = []
        seen: set[str] = set()
        items = self.r.sequence(node, path, required=True)
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            m = self.r.fields(item, here, ("architecture", "layers"),
                              required=("architecture", "layers"))
            if m is None:
                continue
            architecture = read_architecture(self.r, m.get("architecture"), f"{here}.architecture")
            layers = self._layers(m.get("layers"), f"{here}.layers")
            if architecture in seen:
                self.r.error(m.get("architecture"), f"{here}.architecture",
                             f"platform linux/{architecture} is listed twice")
            elif architecture is not None and layers is not None:
                seen.add(architecture)
                manifests.append(Image(image_id, layers, architecture=architecture))
        return ImageIndex(image_id, tuple(manifests)) if manifests else None

    def _layers(self, node: YamlNode | None, path: str) -> tuple[Layer, ...] | None:
        layers: list[Layer] = []
        items = self.r.sequence(node, path, required=True)
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            m = self.r.fields(item, here, ("id", "size"), required=("id", "size"))
            if m is None:
                continue
            label = self.r.string(m.get("id"), f"{here}.id")
            size = self.r.unit(m.get("size"), f"{here}.size", parse_size)
            if label is not None and size is not None:
                layers.append(Layer(label, size))
        if not items or len(layers) != len(items):
            return None
        return tuple(layers)



def is_tag(tag: str) -> bool:
    try:
        ref = parse_reference(f"registry.invalid/probe:{tag}")
    except InvalidReference:
        return False
    return ref.tag == tag


def find_repository(r: FieldReader, node: YamlNode | None, path: str,
                     hosts: dict[str, Registry],
                     tagged: bool = False) -> tuple[str, Repository] | None:
    """(normalized name, repository) for a reference; errors when it names nothing defined."""
    text = r.string(node, path)
    if text is None:
        return None
    try:
        ref = parse_reference(text)
    except InvalidReference as error:
        r.error(node, path, f"{text!r}: {error}", hint=error.hint)
        return None
    if not tagged and (ref.tag is not None or ref.digest is not None):
        r.error(node, path, f"{text!r} must name a repository, without tag or digest",
                hint="the tag goes in `tag:`")
        return None
    registry = hosts.get(ref.domain)
    if registry is None:
        r.error(node, path, f"no registry {ref.domain!r} in the scenario",
                hint=suggestion(ref.domain, hosts) or "define it under `registries:`")
        return None
    repository = registry.repository(ref.path)
    if repository is None:
        r.error(node, path, f"registry {ref.domain} has no repository {ref.path!r}",
                hint=suggestion(ref.path, registry.repositories)
                or "define it under the registry's `repositories:`")
        return None
    return ref.name, repository


def by_digest(repository: Repository, digest: str) -> Image | ImageIndex | None:
    for image in repository.images.values():
        if image.manifest_digest == digest:
            return image
        if isinstance(image, ImageIndex):
            for manifest in image.manifests:
                if manifest.manifest_digest == digest:
                    return manifest
    return None



def read_architecture(r: FieldReader, node: YamlNode | None, path: str) -> str | None:
    value = r.string(node, path)
    if value is None or value in ARCHITECTURES:
        return value
    hint = (f"Kubernetes and Go call it {ARCHITECTURE_ALIASES[value]}"
            if value in ARCHITECTURE_ALIASES else "one of " + ", ".join(ARCHITECTURES))
    r.error(node, path, f"unknown architecture {value!r}", hint=hint)
    return None


