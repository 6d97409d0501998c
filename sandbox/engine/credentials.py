"""Registry credentials as the kubelet finds them: docker-config keys, pull secrets, the keyring.

KUBERNETES.md §8 and §9 (upstream `pkg/credentialprovider`: `keyring.go`, `config.go`,
`secrets/secrets.go`). Matching reproduces Go's own behaviour, because the edge cases are what
learners hit: keys are parsed the way `net/url` parses them, each host label is compared with a
`path/filepath.Match` glob, ports must be equal, and the key's path is a plain string prefix
(those Go pieces live in `gocompat.py`). JSON is decoded with Go's rules too (case-insensitive
field names, `null` entries, padded or unpadded base64 in `auth`).

No password or `auth` value ever appears in a message, `repr` or `str` produced here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .gocompat import Base64Error, URLError, base64_decode, parse_url, trim_space, urls_match
from .objects import KubeObject
from .reference import ImageReference, InvalidReference, parse_reference

DOCKER_CONFIG_JSON_TYPE = "kubernetes.io/dockerconfigjson"
DOCKER_CONFIG_JSON_KEY = ".dockerconfigjson"
DOCKERCFG_TYPE = "kubernetes.io/dockercfg"
DOCKERCFG_KEY = ".dockercfg"
PULL_SECRET_KEYS = {DOCKER_CONFIG_JSON_TYPE: DOCKER_CONFIG_JSON_KEY, DOCKERCFG_TYPE: DOCKERCFG_KEY}
# The key whose credentials serve Docker Hub images when nothing else matched.
DEFAULT_REGISTRY_KEY = "index.docker.io"
AUTH_FORMAT_ERROR = "unable to parse auth field, must be formatted as base64(username:password)"

_MASK = "***"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_USERINFO = re.compile(r"^((?:https?://)?)[^/]*@")


# --- errors -----------------------------------------------------------------------------------


class InvalidRegistryKey(ValueError):
    """A docker-config key that Go's URL parser rejects; the kubelet ignores such entries."""


class SecretError(ValueError):
    """A pull secret (or docker config) whose content the kubelet cannot use.

    `secret` is `namespace/name` (or the config's source), `key` the data key involved (None
    when the problem is not inside one key), `reason` the message without the location.
    """

    def __init__(self, reason: str, *, secret: str, key: str | None = None,
                 label: str | None = None) -> None:
        self.reason = reason
        self.secret = secret
        self.key = key
        where = label or f"Secret {secret}"
        if key is not None:
            where += f", key {key}"
        super().__init__(f"{where}: {reason}")


class _ContentError(ValueError):
    """Invalid docker-config content; becomes a SecretError once the location is known."""


def _masked_key(key: str) -> str:
    """A key with any `user:password@` part blanked out."""
    return _USERINFO.sub(lambda m: f"{m.group(1)}{_MASK}@", key)


def _shown_key(key: str) -> str:
    """A key for messages: masked and quoted."""
    return repr(_masked_key(key))


# --- credentials ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """One username/password the kubelet may try; `registry_key` is the key as written."""

    username: str
    password: str = field(default="", repr=False)
    email: str = ""
    registry_key: str = ""
    source: str = ""  # `secret default/regcred`, `node`, ...

    def __repr__(self) -> str:
        return (f"Credential(username={self.username!r}, password={_MASK}, email={self.email!r}, "
                f"registry_key={_shown_key(self.registry_key)}, source={self.source!r})")

    def __str__(self) -> str:
        key = _masked_key(self.registry_key)
        return f"{self.username or '(no username)'}:{_MASK} for {key} ({self.source})"


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
        raise InvalidRegistryKey(f"registry key {_shown_key(key)} is not a valid URL: {exc}") \
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


# --- decoding docker-config content with Go's rules --------------------------------------------


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in order, duplicates included (as Go sees them)."""


def _pairs(value: Any) -> list[tuple[Any, Any]] | None:
    if isinstance(value, _Pairs):
        return value
    if isinstance(value, Mapping):
        return list(value.items())
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an object" if _pairs(value) is not None else "an array"


def _field_is(name: Any, wanted: str) -> bool:
    """encoding/json's case-insensitive field match (with Go's ſ and K folds)."""
    if not isinstance(name, str) or len(name) != len(wanted):
        return False
    folds = {"s": "sſ", "k": "kK"}
    return all(c.lower() == w or c in folds.get(w, "") for c, w in zip(name, wanted, strict=True))


def _clean(text: str) -> str:
    """Go replaces unpaired surrogates (from `\\ud800` escapes) with U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _decode_auth(value: str) -> tuple[str, str]:
    """The `auth` field: base64 (padded when it ends in `=`) of `user:password`."""
    try:
        raw = base64_decode(value, padded=trim_space(value).endswith("="))
    except Base64Error as exc:
        raise _ContentError(f"the auth field is not valid base64 ({exc})") from None
    username, colon, password = raw.decode("utf-8", "replace").partition(":")
    if not colon:
        raise _ContentError(AUTH_FORMAT_ERROR)
    return username, password


def _decode_entry(value: Any) -> tuple[str, str, str]:
    """(username, password, email) of one registry entry; `auth`, when set, wins."""
    pairs = _pairs(value)
    if value is None:
        pairs = []
    elif pairs is None:
        raise _ContentError(f"the entry must be an object, not {_json_type(value)}")
    fields = {"username": "", "password": "", "email": "", "auth": ""}
    for name, item in pairs:
        wanted = next((f for f in fields if _field_is(name, f)), None)
        if wanted is None or item is None:
            continue
        if not isinstance(item, str):
            raise _ContentError(f"{wanted!r} must be a string, not {_json_type(item)}")
        fields[wanted] = _clean(item)
    if fields["auth"]:
        username, password = _decode_auth(fields["auth"])
        return username, password, fields["email"]
    return fields["username"], fields["password"], fields["email"]


def _read_registry_map(value: Any, what: str, source: str,
                       into: dict[str, Credential]) -> None:
    """Decode a registry-to-entry map into `into`, entry by entry as Go does: every entry
    must be valid, and a repeated key keeps its last value (its first position, here)."""
    if value is None:
        return
    pairs = _pairs(value)
    if pairs is None:
        raise _ContentError(f"{what} must be an object, not {_json_type(value)}")
    for registry, entry in pairs:
        if not isinstance(registry, str):
            raise _ContentError(f"registry keys must be strings, not {_json_type(registry)}")
        try:
            username, password, email = _decode_entry(entry)
        except _ContentError as exc:
            raise _ContentError(f"registry {_shown_key(registry)}: {exc}") from None
        registry = _clean(registry)
        into[registry] = Credential(username, password, email, registry, source)


def _check_headers(value: Any) -> None:
    pairs = _pairs(value)
    if value is not None and (pairs is None or any(
            v is not None and not isinstance(v, str) for _, v in pairs)):
        raise _ContentError('"HttpHeaders" must be an object of strings')


def _dockercfg_credentials(document: Any, source: str) -> list[Credential]:
    """Credentials of a .dockercfg document (or any registry-to-entry map)."""
    found: dict[str, Credential] = {}
    _read_registry_map(document, "the document", source, found)
    return list(found.values())


def _dockerconfigjson_credentials(document: Any, source: str) -> list[Credential]:
    """Credentials of the `auths` map of a .dockerconfigjson document."""
    if document is None:
        return []
    pairs = _pairs(document)
    if pairs is None:
        raise _ContentError(f"the document must be an object, not {_json_type(document)}")
    found: dict[str, Credential] = {}
    for name, value in pairs:
        if _field_is(name, "auths"):
            if value is None:
                found = {}  # Go decodes a repeated field into the same map; null resets it
            _read_registry_map(value, '"auths"', source, found)
        elif _field_is(name, "httpheaders"):
            _check_headers(value)
    return list(found.values())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _load_json(raw: bytes, key: str) -> Any:
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text, object_pairs_hook=_Pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _ContentError(f"{key} is not valid JSON: {exc.msg} "
                            f"(line {exc.lineno}, column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise _ContentError(f"{key} is not valid JSON: {detail}") from None


# --- pull secrets -------------------------------------------------------------------------------


def _secret_identity(obj: Any) -> tuple[str, Mapping[str, Any]]:
    """(`namespace/name`, the Secret document) for a KubeObject or a plain manifest dict."""
    if isinstance(obj, KubeObject):
        return f"{obj.effective_namespace}/{obj.name}", obj.body
    if not isinstance(obj, Mapping):
        raise SecretError(f"a Secret must be a mapping, not {_json_type(obj)}", secret="?")
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name, namespace = meta.get("name"), meta.get("namespace")
    name = name if isinstance(name, str) and name else "(no name)"
    namespace = namespace if isinstance(namespace, str) and namespace else "default"
    return f"{namespace}/{name}", obj


def _data_values(body: Mapping[str, Any], field_name: str, ident: str) -> dict[str, bytes]:
    """`data` (base64, decoded as the API server does) or `stringData` (plain text)."""
    values = body.get(field_name)
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise SecretError(f"{field_name} must be a mapping, not {_json_type(values)}",
                          secret=ident)
    decoded: dict[str, bytes] = {}
    for key, value in values.items():
        if not isinstance(key, str):
            raise SecretError(f"{field_name} keys must be strings", secret=ident)
        if value is not None and not isinstance(value, str):
            raise SecretError(f"{field_name} values must be strings, not {_json_type(value)}",
                              secret=ident, key=key)
        if field_name == "stringData" or not value:
            decoded[key] = (value or "").encode("utf-8", "surrogatepass")
            continue
        try:
            decoded[key] = base64_decode(value, padded=True)
        except Base64Error as exc:
            raise SecretError(f"the value in data is not valid base64 ({exc})",
                              secret=ident, key=key) from None
    return decoded


@dataclass(frozen=True)
class _SecretRead:
    ident: str
    credentials: tuple[Credential, ...] = ()
    ignored: str | None = None  # why the kubelet passes over this secret


def _read_pull_secret(obj: Any) -> _SecretRead:
    """Credentials of one Secret; raises SecretError when its content is invalid."""
    ident, body = _secret_identity(obj)
    secret_type = body.get("type") or "Opaque"
    if not isinstance(secret_type, str):
        raise SecretError(f"type must be a string, not {_json_type(secret_type)}", secret=ident)
    # The API server stores stringData over data, so a pasted stringData wins.
    data = _data_values(body, "data", ident) | _data_values(body, "stringData", ident)
    key = PULL_SECRET_KEYS.get(secret_type)
    if key is None:
        return _SecretRead(ident, ignored=(
            f"type {secret_type} is not a pull-secret type (the kubelet reads only "
            f"{DOCKER_CONFIG_JSON_TYPE} and {DOCKERCFG_TYPE})"))
    if key not in data:
        raise SecretError(f"a Secret of type {secret_type} needs the key {key}",
                          secret=ident, key=key)
    if not data[key]:
        raise SecretError("the value is empty", secret=ident, key=key)
    try:
        document = _load_json(data[key], key)
        read = (_dockerconfigjson_credentials if key == DOCKER_CONFIG_JSON_KEY
                else _dockercfg_credentials)
        credentials = read(document, f"secret {ident}")
    except _ContentError as exc:
        raise SecretError(str(exc), secret=ident, key=key) from None
    return _SecretRead(ident, tuple(credentials))


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


class Keyring:
    """The credentials the kubelet may try for an image, in the order it tries them.

    Build one with `from_pull_secrets` (a pod's imagePullSecrets) or `from_docker_config`
    (node credentials), and combine them with `union` or `+`: pod credentials first. Each part
    is searched on its own, Docker Hub fallback included, as upstream's UnionDockerKeyring does.

    `skipped` lists (secret, reason) for secrets left out because their content is invalid;
    `ignored` lists (secret, reason) for secrets and entries the kubelet silently passes over
    (wrong type, unparsable registry key). Neither reason ever contains a password.
    """

    def __init__(self, rings: Iterable[_Ring] = (), *,
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
                credentials += _dockercfg_credentials(mapping, source)
            except _ContentError as exc:
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
                read = _read_pull_secret(obj)
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
