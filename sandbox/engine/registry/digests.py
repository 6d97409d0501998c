"""`resolve_digest`: the sandbox's `crane digest`, what a tag points to at a simulated time.

A learner pins an image by asking the registry for the digest behind a tag and pasting
`name@sha256:…` into the manifest. The lookup is made from the learner's workstation, as someone
allowed to pull (after `crane auth login`): a private registry answers it, a node's reachability
does not matter, and a rate-limited registry answers too (Docker Hub does not count HEAD
requests against the pull limit). What it does follow is the scenario's timeline: the answer
for `at: 90s` is the tag after every push up to 90 s.

The error texts are the registry's own, as containerd words them (RUNTIME.md §2–§5): a missing
tag or a missing repository of an ordinary registry is `<ref>: not found`; Docker Hub answers a
missing repository as it answers a private one.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from typing import Literal

from ..problems import suggestion
from ..reference import ImageReference, InvalidReference, docker_ref, parse_reference
from ..scenario import ARCHITECTURE_ALIASES, ARCHITECTURES, by_digest
from ..world import Image, ImageIndex, Registry, Repository, Scenario
from .resolver import RegistryState

DOCKER_HUB = "docker.io"
_DOCKER_HUB_HOST = "registry-1.docker.io"
_DENIED = ("pull access denied, repository does not exist or may require authorization: "
           "server message: insufficient_scope: authorization failed")
_MAX_LISTED = 12  # tags or repositories named in a hint


class DigestLookupError(ValueError):
    """The registry could not answer; `str()` is the registry's wording, `hint` ours or None."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class PlatformDigest:
    """One manifest of an index: the platform it runs on and its own digest."""

    architecture: str
    os: str
    digest: str


@dataclass(frozen=True)
class DigestLookup:
    """What the registry answered for one reference at one simulated time."""

    reference: str  # normalized as containerd names it: `docker.io/library/nginx:1.25`
    digest: str  # of the manifest or index the reference points to
    pinned: str  # what to paste into a manifest: `nginx@sha256:…`
    media_type: Literal["index", "manifest"]
    at: float = 0.0
    architecture: str | None = None  # the platform asked for, if any
    platform_digest: str | None = None  # that platform's manifest, when the target is an index
    platforms: tuple[PlatformDigest, ...] = ()  # every platform of the target, index order


def resolve_digest(
    scenario: Scenario, image: str, *, at: float = 0.0, architecture: str | None = None,
    moved: dict[tuple[str, str, str], str] | None = None,
) -> DigestLookup:
    """The digest `image` resolves to at simulated time `at`; raises DigestLookupError.

    `moved` are tags moved since (a learner's cluster keeps them: `crane tag`), applied on top
    of the timeline's pushes up to `at`."""
    ref = _parse(image)
    when = _check_time(at)
    arch = _check_architecture(architecture)
    registry = _registry(scenario, ref)
    repository = _repository(registry, ref)
    state = _state_at(scenario, when)
    state.moved.update(moved or {})
    target = _target(state, registry, repository, ref)
    pinned = f"{ref.familiar_name}@{target.manifest_digest}"
    if isinstance(target, Image):
        return DigestLookup(docker_ref(str(ref)), target.manifest_digest, pinned, "manifest",
                            when, arch, None,
                            (PlatformDigest(target.architecture, target.os,
                                            target.manifest_digest),))
    platforms = tuple(PlatformDigest(m.architecture, m.os, m.manifest_digest)
                      for m in target.manifests)
    platform_digest = None
    if arch is not None:
        chosen = target.for_platform(arch)
        if chosen is None:
            offered = ", ".join(f"{p.os}/{p.architecture}" for p in platforms) or "none"
            raise DigestLookupError(
                f"{docker_ref(str(ref))}: no match for platform in manifest: not found",
                hint=f"the index offers {offered}")
        platform_digest = chosen.manifest_digest
    return DigestLookup(docker_ref(str(ref)), target.manifest_digest, pinned, "index", when,
                        arch, platform_digest, platforms)


def _parse(image: str) -> ImageReference:
    try:
        return parse_reference(image)
    except InvalidReference as error:
        raise DigestLookupError(str(error), error.hint) from None


def _check_time(at: float) -> float:
    if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at) or at < 0:
        raise DigestLookupError(f"the simulated time must be a number of seconds, 0 or more, "
                                f"not {at!r}")
    return float(at)


def _check_architecture(architecture: str | None) -> str | None:
    if architecture is None or architecture in ARCHITECTURES:
        return architecture
    name = str(architecture)
    hint = (f"Kubernetes and Go call it {ARCHITECTURE_ALIASES[name]}"
            if name in ARCHITECTURE_ALIASES else "one of " + ", ".join(ARCHITECTURES))
    raise DigestLookupError(f"unknown architecture {name[:40]!r}", hint)


def _state_at(scenario: Scenario, at: float) -> RegistryState:
    """The registries after every timeline push made at or before `at`, in time order."""
    state = RegistryState({r.host: r for r in scenario.registries})
    for entry in sorted(scenario.timeline, key=lambda e: e.at):
        if entry.at > at:
            break
        if entry.push is not None:
            pushed = parse_reference(entry.push.repository)
            state.push(pushed.domain, pushed.path, entry.push.tag, entry.push.image)
    return state


def _registry(scenario: Scenario, ref: ImageReference) -> Registry:
    registry = scenario.registry(ref.domain)
    if registry is not None:
        return registry
    hosts = [r.host for r in scenario.registries]
    raise DigestLookupError(
        f'failed to do request: Head "{_manifest_url(ref)}": {_dial_error(ref.domain)}',
        hint=suggestion(ref.domain, hosts)
        or "this scenario has the registries " + (", ".join(hosts) or "(none)"))


def _repository(registry: Registry, ref: ImageReference) -> Repository:
    repository = registry.repository(ref.path)
    if repository is not None:
        return repository
    if ref.domain == DOCKER_HUB:
        # Docker Hub will not say whether a repository exists: it answers as for a private one.
        familiar = [path.removeprefix("library/") for path in registry.repositories]
        raise DigestLookupError(_DENIED, hint=suggestion(ref.familiar_name, familiar)
                                or f"Docker Hub has no repository {ref.familiar_name!r} "
                                "in this sandbox")
    close = suggestion(ref.path, registry.repositories)
    raise DigestLookupError(f"{docker_ref(str(ref))}: not found",
                            hint=close or f"{registry.host} has "
                            + _listed("the repositories", sorted(registry.repositories)))


def _target(state: RegistryState, registry: Registry, repository: Repository,
            ref: ImageReference) -> Image | ImageIndex:
    not_found = f"{docker_ref(str(ref))}: not found"
    if ref.digest is not None:
        found = by_digest(repository, ref.digest)
        if found is None:
            raise DigestLookupError(not_found, hint="no manifest or index of "
                                    f"{ref.familiar_name} has this digest")
        return found
    tag = ref.tag or "latest"
    image_id = state.tag_target(registry, repository, tag)
    target = repository.images.get(image_id) if image_id is not None else None
    if target is None:
        tags = sorted(set(repository.tags) | {t for (h, p, t) in state.moved
                                              if (h, p) == (registry.host, repository.path)})
        raise DigestLookupError(not_found, hint=suggestion(tag, tags)
                                or f"{ref.familiar_name} has " + _listed("the tags", tags))
    return target


def _listed(what: str, names: list[str]) -> str:
    if not names:
        return what.replace("the ", "no ", 1)
    shown = ", ".join(names[:_MAX_LISTED])
    more = f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else ""
    return f"{what} {shown}{more}"


def _manifest_url(ref: ImageReference) -> str:
    host = _DOCKER_HUB_HOST if ref.domain == DOCKER_HUB else ref.domain
    return f"https://{host}/v2/{ref.path}/manifests/{ref.digest or ref.tag or 'latest'}"


def _dial_error(domain: str) -> str:
    """Go's net error for a host nobody answers on: no DNS name, or nothing listening."""
    host, port = _split_host_port(domain)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"dial tcp: lookup {host}: no such host"
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"dial tcp {address}: connect: connection refused"


def _split_host_port(domain: str) -> tuple[str, str]:
    if domain.startswith("["):
        host, _, rest = domain[1:].partition("]")
        return host, rest.removeprefix(":") or "443"
    host, _, port = domain.partition(":")
    return host, port or "443"
