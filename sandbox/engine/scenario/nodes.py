"""Reading a scenario's `nodes`: names, labels, taints, credentials, credential providers,
preloaded images and faults.

A preloaded image is resolved against the scenario's registries: `nginx:1.25` holds the image
the tag points to now, `{ref, image}` holds another image of that repository under the
reference (an older build the registry has since moved the tag away from).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..problems import suggestion
from ..reference import ImageReference, docker_ref, parse_reference
from ..world import (
    Image,
    ImageIndex,
    Node,
    NodeFaults,
    NodeImage,
    PluginAnswer,
    Registry,
    Repository,
    Scenario,
    Taint,
)
from ..yamlsafe import Mapping, Scalar
from ..yamlsafe import Node as YamlNode
from .fields import FieldReader, child, is_label_value, is_qualified_name, is_subdomain, where
from .providers import read_provider_config
from .registries import by_digest, find_repository, read_architecture

NODE_FIELDS = ("name", "architecture", "labels", "taints", "images", "unreachable",
               "credentials", "credentialProviderConfig", "faults")
FAULT_FIELDS = ("imageStatus",)
MAX_FAULT_TEXT = 1024
_EFFECTS: dict[str, Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]] = {
    "NoSchedule": "NoSchedule", "PreferNoSchedule": "PreferNoSchedule", "NoExecute": "NoExecute",
}
TAINT_EFFECTS = tuple(_EFFECTS)
MAX_NODES = 50
MAX_NODE_IMAGES = 200  # a classroom node needs a handful; this bounds a runaway list


def read_nodes(r: FieldReader, node: YamlNode | None, hosts: dict[str, Registry],
               plugins: dict[str, PluginAnswer] | None = None,
               token_gate: bool = True) -> tuple[Node, ...]:
    """The nodes; the two default ones when the scenario does not list any. `plugins` are the
    scenario's credential provider plugins, `token_gate` KEP-4412's feature gate."""
    if node is None:
        return Scenario.nodes
    items = r.sequence(node, "nodes", required=True)
    if len(items) > MAX_NODES:
        r.error(node, "nodes", f"at most {MAX_NODES} nodes are simulated")
        return Scenario.nodes
    nodes: list[Node] = []
    first: dict[str, YamlNode] = {}
    for index, item in enumerate(items):
        path = f"nodes[{index}]"
        built = _NodeReader(r, hosts, plugins or {}, token_gate).read(item, path)
        if built is None:
            continue
        name_node = item.get("name") if isinstance(item, Mapping) else None
        if built.name in first:
            r.error(name_node, f"{path}.name", f"node name {built.name!r} is used twice",
                    hint=f"first used at {where(first[built.name])}")
            continue
        first[built.name] = name_node or item
        nodes.append(built)
    return tuple(nodes)


@dataclass
class _NodeReader:
    r: FieldReader
    hosts: dict[str, Registry]
    plugins: dict[str, PluginAnswer]
    token_gate: bool = True

    def read(self, node: YamlNode, path: str) -> Node | None:
        r = self.r
        m = r.fields(node, path, NODE_FIELDS, required=("name",))
        if m is None:
            return None
        name = r.string(m.get("name"), f"{path}.name")
        if name is not None and not is_subdomain(name):
            r.error(m.get("name"), f"{path}.name", f"node name {name!r} is not a valid name",
                    hint="lowercase letters, digits, `-` and `.`, starting and ending with a "
                         "letter or digit (at most 253)")
            name = None
        architecture = read_architecture(r, m.get("architecture"), f"{path}.architecture")
        labels = read_labels(r, m.get("labels"), f"{path}.labels")
        taints = self._taints(m.get("taints"), f"{path}.taints")
        arch = architecture or "amd64"
        images = self._images(m.get("images"), f"{path}.images", arch)
        unreachable = self._unreachable(m.get("unreachable"), f"{path}.unreachable")
        credentials = _credentials(r, m.get("credentials"), f"{path}.credentials")
        faults = _faults(r, m.get("faults"), f"{path}.faults")
        providers = read_provider_config(r, m.get("credentialProviderConfig"),
                                         f"{path}.credentialProviderConfig", self.plugins,
                                         self.token_gate)
        if name is None:
            return None
        return Node(name, architecture=arch, labels=labels, taints=taints, images=images,
                    unreachable=unreachable, credentials=credentials, faults=faults,
                    credential_providers=providers)

    def _taints(self, node: YamlNode | None, path: str) -> tuple[Taint, ...]:
        taints = []
        for index, item in enumerate(self.r.sequence(node, path)):
            here = f"{path}[{index}]"
            m = self.r.fields(item, here, ("key", "value", "effect"), required=("key",))
            if m is None:
                continue
            key = self.r.string(m.get("key"), f"{here}.key")
            if key is not None and not is_qualified_name(key):
                self.r.error(m.get("key"), f"{here}.key", f"taint key {key!r} is not valid")
                key = None
            value = self.r.string(m.get("value"), f"{here}.value", empty=True)
            effect = self.r.choice(m.get("effect"), f"{here}.effect", TAINT_EFFECTS)
            if key is not None:
                taints.append(Taint(key, value or None, _EFFECTS[effect or "NoSchedule"]))
        return tuple(taints)

    def _images(self, node: YamlNode | None, path: str, arch: str) -> tuple[NodeImage, ...]:
        images: list[NodeImage] = []
        first: dict[str, YamlNode] = {}
        items = self.r.sequence(node, path)
        if len(items) > MAX_NODE_IMAGES:
            self.r.error(node, path, f"at most {MAX_NODE_IMAGES} images per node are simulated "
                         f"(this node lists {len(items)})")
            return ()
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            found = self._image(item, here, arch)
            if found is None:
                continue
            at, image = found
            if image.ref in first:
                self.r.error(at, here, f"{image.ref} is listed twice on this node",
                             hint=f"first at {where(first[image.ref])}")
                continue
            first[image.ref] = at
            images.append(image)
        return tuple(images)

    def _image(self, item: YamlNode, path: str, arch: str) -> tuple[YamlNode, NodeImage] | None:
        r = self.r
        ref_node: YamlNode | None = item
        ref_path, image_node = path, None
        if isinstance(item, Mapping):
            m = r.fields(item, path, ("ref", "image"), required=("ref",))
            if m is None:
                return None
            ref_node, ref_path, image_node = m.get("ref"), f"{path}.ref", m.get("image")
        elif not isinstance(item, Scalar):
            r.error(item, path, "a node image is a reference like `nginx:1.25` or a mapping "
                    "{ref, image}")
            return None
        found = find_repository(r, ref_node, ref_path, self.hosts, tagged=True)
        if found is None or ref_node is None:
            return None
        name, repository = found
        ref = parse_reference(str(ref_node.value))
        chosen = self._choose(repository, ref, ref_node, ref_path, image_node, f"{path}.image")
        if chosen is None:
            return None
        image = chosen.for_platform(arch) if isinstance(chosen, ImageIndex) else chosen
        if image is None:
            r.error(image_node or ref_node, ref_path,
                    f"image {chosen.id!r} of {name} has no linux/{arch} manifest for this node",
                    hint="add that platform to the image, or change the node's architecture")
            return None
        return ref_node, NodeImage(docker_ref(str(ref_node.value)), image, chosen.manifest_digest)

    def _choose(self, repository: Repository, ref: ImageReference, ref_node: YamlNode,
                ref_path: str, image_node: YamlNode | None,
                image_path: str) -> Image | ImageIndex | None:
        r = self.r
        name = ref.name
        if image_node is not None:
            image_id = r.string(image_node, image_path)
            if image_id is None:
                return None
            if ref.digest is not None:
                r.error(image_node, image_path, "a reference with a digest already names its "
                        "image", hint="drop `image`, or use a tag in `ref`")
                return None
            if image_id not in repository.images:
                r.error(image_node, image_path, f"repository {name} has no image {image_id!r}",
                        hint=suggestion(image_id, repository.images))
                return None
            return repository.images[image_id]
        if ref.digest is not None:
            pinned = by_digest(repository, ref.digest)
            if pinned is None:
                r.error(ref_node, ref_path, f"no image of {name} has digest {ref.digest}")
            return pinned
        tag = ref.tag or "latest"
        if tag not in repository.tags:
            r.error(ref_node, ref_path, f"repository {name} has no tag {tag!r}",
                    hint=suggestion(tag, repository.tags) or "add it under `tags:`, or "
                    "give the image id with {ref, image}")
            return None
        return repository.images[repository.tags[tag]]

    def _unreachable(self, node: YamlNode | None, path: str) -> tuple[str, ...]:
        hosts = []
        for index, item in enumerate(self.r.sequence(node, path)):
            host = self.r.string(item, f"{path}[{index}]")
            if host is None:
                continue
            if host not in self.hosts:
                self.r.error(item, f"{path}[{index}]", f"no registry {host!r} in the scenario",
                             hint=suggestion(host, self.hosts) or "list a registry host")
                continue
            hosts.append(host)
        return tuple(hosts)




def read_labels(r: FieldReader, node: YamlNode | None, path: str) -> tuple[tuple[str, str], ...]:
    labels = r.string_map(node, path)
    mapping = node if isinstance(node, Mapping) else None
    for key, value in list(labels.items()):
        here = child(path, key)
        if not is_qualified_name(key):
            r.error(mapping.keys.get(key) if mapping else node, here,
                    f"label key {key!r} is not valid",
                    hint="an optional DNS prefix and `/`, then at most 63 letters, digits, "
                         "`-`, `_`, `.`")
            del labels[key]
        elif not is_label_value(value):
            r.error(mapping.get(key) if mapping else node, here,
                    f"label value {value!r} is not valid",
                    hint="at most 63 letters, digits, `-`, `_`, `.`, starting and ending "
                         "with a letter or digit")
            del labels[key]
    return tuple(labels.items())


def _faults(r: FieldReader, node: YamlNode | None, path: str) -> NodeFaults:
    """`faults`: `imageStatus` is the error text every CRI ImageStatus call returns."""
    m = r.fields(node, path, FAULT_FIELDS)
    if m is None:
        return NodeFaults()
    here = child(path, "imageStatus")
    text = r.string(m.get("imageStatus"), here)
    if text is not None and len(text) > MAX_FAULT_TEXT:
        r.error(m.get("imageStatus"), here, f"{here} must be at most {MAX_FAULT_TEXT} "
                "characters")
        text = None
    return NodeFaults(image_status=text)


_CREDENTIAL_FIELDS = ("username", "password", "auth", "email")


def _credentials(r: FieldReader, node: YamlNode | None, path: str) -> dict[str, Any]:
    """A docker config `auths` map: registry key -> {username, password, auth, email}."""
    mapping = r.mapping(node, path)
    result: dict[str, Any] = {}
    for key_node, value in mapping.items() if mapping is not None else ():
        key = str(key_node.value)
        here = child(path, key)
        if key == "auths":
            r.error(key_node, here, "`credentials` is the `auths` map itself",
                    hint="write the registry entries directly under `credentials:`")
            continue
        entry = r.fields(value, here, _CREDENTIAL_FIELDS)
        if entry is None:
            continue
        fields = {name: r.string(entry.get(name), child(here, name), empty=True)
                  for name in _CREDENTIAL_FIELDS if name in entry}
        result[key] = {name: text for name, text in fields.items() if text is not None}
    return result


