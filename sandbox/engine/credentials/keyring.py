"""Registry credentials as the kubelet finds them: docker-config keys, pull secrets, the keyring.

KUBERNETES.md §8 and §9 (upstream `pkg/credentialprovider`: `keyring.go`, `config.go`,
`secrets/secrets.go`). Matching reproduces Go's own behaviour, because the edge cases are what
learners hit: keys are parsed the way `net/url` parses them, each host label is compared with a
`path/filepath.Match` glob, ports must be equal, and the key's path is a plain string prefix
(those Go pieces live in `gocompat.py`). Docker-config JSON and pull Secrets are decoded into
`Credential`s by `dockerconfig.py`, with Go's rules too; this module indexes and matches them.

No password or `auth` value ever appears in a message, `repr` or `str` produced here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..reference import ImageReference, InvalidReference, parse_reference
from .dockerconfig import (
    AUTH_FORMAT_ERROR,
    DOCKER_CONFIG_JSON_KEY,
    DOCKER_CONFIG_JSON_TYPE,
    DOCKERCFG_KEY,
    DOCKERCFG_TYPE,
    PULL_SECRET_KEYS,
    ContentError,
    Credential,
    SecretError,
    dockercfg_credentials,
    read_pull_secret,
    shown_key,
)
from .gocompat import URLError, parse_url, urls_match

__all__ = [
    "AUTH_FORMAT_ERROR", "DEFAULT_REGISTRY_KEY", "DOCKERCFG_KEY", "DOCKERCFG_TYPE",
    "DOCKER_CONFIG_JSON_KEY", "DOCKER_CONFIG_JSON_TYPE", "PULL_SECRET_KEYS",
    "Credential", "InvalidRegistryKey", "Keyring", "SecretError",
    "credentials_match", "is_default_registry_match", "parse_registry_key",
]

# The key whose credentials serve Docker Hub images when nothing else matched.
DEFAULT_REGISTRY_KEY = "index.docker.io"


# --- errors -----------------------------------------------------------------------------------


class InvalidRegistryKey(ValueError):
    """A docker-config key that Go's URL parser rejects; the kubelet ignores such entries."""


# --- public matching functions ------------------------------------------------------------------


def parse_registry_key(key: str) -> str:
    """The keyring index key for a docker-config key: host (and port) plus path.

    A missing scheme is read as https; a leading `/v1/` or `/v2/` is cut and a lone `/` dropped,
    so `https://index.docker.io/v1/` gives `index.docker.io`. Raises InvalidRegistryKey when Go's
    URL parser would reject it.
    """
    value = key if key.startswith(("https://", "http://")) else "https://" + key
    try:
        url = parse_url(value)
    except URLError as exc:
        raise InvalidRegistryKey(f"registry key {shown_key(key)} is not a valid URL: {exc}") \
            from None
    path = url.path
    if path.startswith(("/v2/", "/v1/")):
        path = path[3:]
    return url.host + path if path and path != "/" else url.host


def is_default_registry_match(image: str) -> bool:
    """Is this repository name pulled from Docker Hub, judging by its first component alone?"""
    first, slash, _ = image.partition("/")
    if not first:
        return False
    if not slash or first in ("docker.io", "index.docker.io"):
        return True
    return "." not in first and ":" not in first


def _lookup_name(image: str | ImageReference) -> str:
    """The repository name the kubelet looks up: normalized, without tag or digest.

    The kubelet always passes a normalized name (`docker.io/library/busybox`). A bare host such
    as `quay.io` (no `/`, no tag) is kept as written, the way the upstream tables use it; so is
    text that is no valid reference, which matching then reads as a URL.
    """
    if isinstance(image, ImageReference):
        return image.name
    try:
        ref = parse_reference(image)
    except InvalidReference:
        return image
    bare_host = "/" not in image and ("." in image or image == "localhost")
    if bare_host and ref.tag is None and ref.digest is None:
        return image
    return ref.name


def credentials_match(key: str, image: str | ImageReference) -> bool:
    """Does this docker-config key apply to the image (a reference or a repository name)?

    Only a direct match: the Docker Hub fallback to `index.docker.io` is the keyring's (lookup).
    """
    try:
        index_key = parse_registry_key(key)
    except InvalidRegistryKey:
        return False
    return urls_match(index_key, _lookup_name(image))



# --- the keyring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ring:
    """One BasicDockerKeyring: keys sorted in reverse, each with its credentials in order."""

    index: tuple[str, ...]
    creds: Mapping[str, tuple[Credential, ...]]

    @classmethod
    def build(cls, credentials: Iterable[Credential]) -> tuple[_Ring, list[tuple[str, str]]]:
        by_key: dict[str, list[Credential]] = {}
        ignored: list[tuple[str, str]] = []
        for cred in credentials:
            try:
                key = parse_registry_key(cred.registry_key)
            except InvalidRegistryKey as exc:
                ignored.append((cred.source, f"{exc}; the kubelet ignores this entry"))
                continue
            by_key.setdefault(key, []).append(cred)
        index = tuple(sorted(by_key, reverse=True))
        return cls(index, {k: tuple(v) for k, v in by_key.items()}), ignored

    def lookup(self, name: str) -> list[Credential]:
        found = [cred for key in self.index if urls_match(key, name) for cred in self.creds[key]]
        if not found and is_default_registry_match(name):
            found = list(self.creds.get(DEFAULT_REGISTRY_KEY, ()))
        return found


class _LookupRing:
    """A ring filled at lookup time from what credential provider plugins answer for the image
    (upstream externalCredentialProviderKeyring: one BasicDockerKeyring per lookup)."""

    index: tuple[str, ...] = ()
    creds: Mapping[str, tuple[Credential, ...]] = {}

    def __init__(self, provide: Callable[[str], list[Credential]]) -> None:
        self._provide = provide

    def lookup(self, name: str) -> list[Credential]:
        ring, _ = _Ring.build(self._provide(name))
        return ring.lookup(name)


class Keyring:
    """The credentials the kubelet may try for an image, in the order it tries them.

    Build one with `from_pull_secrets` (a pod's imagePullSecrets), `from_docker_config`
    (node credentials) or `from_lookup` (credential provider plugins), and combine them with
    `union` or `+`: pod credentials first, then the node's files, then the plugins. Each part
    is searched on its own, Docker Hub fallback included, as upstream's UnionDockerKeyring does.

    `skipped` lists (secret, reason) for secrets left out because their content is invalid;
    `ignored` lists (secret, reason) for secrets and entries the kubelet silently passes over
    (wrong type, unparsable registry key). Neither reason ever contains a password.
    """

    def __init__(self, rings: Iterable[_Ring | _LookupRing] = (), *,
                 skipped: Iterable[tuple[str, str]] = (),
                 ignored: Iterable[tuple[str, str]] = ()) -> None:
        self._rings = tuple(rings)
        self.skipped: list[tuple[str, str]] = list(skipped)
        self.ignored: list[tuple[str, str]] = list(ignored)

    @classmethod
    def from_docker_config(cls, mapping: Mapping[str, Any], source: str = "node", *,
                           strict: bool = True) -> Keyring:
        """Credentials of one registry-to-entry map (a .dockercfg, or the `auths` of a
        .dockerconfigjson). Invalid content raises SecretError, or with `strict=False` leaves
        the whole config out and records it in `skipped`."""
        return cls.from_docker_configs([(mapping, source)], strict=strict)

    @classmethod
    def from_docker_configs(cls, configs: Iterable[tuple[Mapping[str, Any], str]], *,
                            strict: bool = True) -> Keyring:
        """Several configs in one keyring (keys sorted together), e.g. a node's files."""
        credentials: list[Credential] = []
        skipped: list[tuple[str, str]] = []
        for mapping, source in configs:
            try:
                credentials += dockercfg_credentials(mapping, source)
            except ContentError as exc:
                error = SecretError(str(exc), secret=source, label=f"docker config ({source})")
                if strict:
                    raise error from None
                skipped.append((source, error.reason))
        ring, ignored = _Ring.build(credentials)
        return cls((ring,), skipped=skipped, ignored=ignored)

    @classmethod
    def from_pull_secrets(cls, secret_objects: Iterable[Any], *, strict: bool = False) -> Keyring:
        """One keyring from a pod's pull secrets (Secret dicts or KubeObjects), in their order.

        Only `kubernetes.io/dockerconfigjson` with `.dockerconfigjson` and
        `kubernetes.io/dockercfg` with `.dockercfg` are read; other secrets are ignored. Invalid
        content raises SecretError when `strict`, else the secret is skipped and recorded.
        """
        credentials: list[Credential] = []
        skipped: list[tuple[str, str]] = []
        ignored: list[tuple[str, str]] = []
        for obj in secret_objects:
            try:
                read = read_pull_secret(obj)
            except SecretError as exc:
                if strict:
                    raise
                skipped.append((exc.secret, exc.reason))
                continue
            if read.ignored is not None:
                ignored.append((read.ident, read.ignored))
            credentials += read.credentials
        ring, bad_keys = _Ring.build(credentials)
        return cls((ring,), skipped=skipped, ignored=ignored + bad_keys)

    @classmethod
    def from_lookup(cls, provide: Callable[[str], list[Credential]]) -> Keyring:
        """Credentials asked for when an image is looked up: `provide(repository)` returns a
        credential provider's answers (`plugin.provider_lookup`), matched like any config."""
        return cls((_LookupRing(provide),))

    @classmethod
    def union(cls, *keyrings: Keyring) -> Keyring:
        """The keyrings searched one after the other: `union(pod_keyring, node_keyring)`."""
        return cls(
            (ring for keyring in keyrings for ring in keyring._rings),
            skipped=(item for keyring in keyrings for item in keyring.skipped),
            ignored=(item for keyring in keyrings for item in keyring.ignored),
        )

    def __add__(self, other: object) -> Keyring:
        if not isinstance(other, Keyring):
            return NotImplemented
        return Keyring.union(self, other)

    @property
    def keys(self) -> tuple[str, ...]:
        """The index keys in search order (part by part), e.g. for a trace."""
        return tuple(key for ring in self._rings for key in ring.index)

    def lookup(self, image: str | ImageReference) -> list[Credential]:
        """The credentials to try for an image, in the kubelet's order (empty: anonymous)."""
        name = _lookup_name(image)
        return [cred for ring in self._rings for cred in ring.lookup(name)]

    def __repr__(self) -> str:
        count = sum(len(creds) for ring in self._rings for creds in ring.creds.values())
        return f"Keyring(keys={list(self.keys)!r}, credentials={count})"
