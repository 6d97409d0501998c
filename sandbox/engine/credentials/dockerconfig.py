"""Credentials out of docker-config content, decoded with Go's rules (KUBERNETES.md §8).

A pull Secret's `.dockerconfigjson` / `.dockercfg` or a node's config file becomes a list of
`Credential`s the way upstream `pkg/credentialprovider` (`config.go`, `secrets/secrets.go`) reads
it: case-insensitive field names, `null` entries, padded or unpadded base64 in `auth`, and a
repeated key keeping its last value. `credentials.py` indexes the result in a keyring.

No password or `auth` value ever appears in a message, `repr` or `str` produced here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..objects import KubeObject
from .gocompat import Base64Error, base64_decode, trim_space

DOCKER_CONFIG_JSON_TYPE = "kubernetes.io/dockerconfigjson"
DOCKER_CONFIG_JSON_KEY = ".dockerconfigjson"
DOCKERCFG_TYPE = "kubernetes.io/dockercfg"
DOCKERCFG_KEY = ".dockercfg"
PULL_SECRET_KEYS = {DOCKER_CONFIG_JSON_TYPE: DOCKER_CONFIG_JSON_KEY, DOCKERCFG_TYPE: DOCKERCFG_KEY}
AUTH_FORMAT_ERROR = "unable to parse auth field, must be formatted as base64(username:password)"

_MASK = "***"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_USERINFO = re.compile(r"^((?:https?://)?)[^/]*@")


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


class ContentError(ValueError):
    """Invalid docker-config content; becomes a SecretError once the location is known."""


def masked_key(key: str) -> str:
    """A key with any `user:password@` part blanked out."""
    return _USERINFO.sub(lambda m: f"{m.group(1)}{_MASK}@", key)


def shown_key(key: str) -> str:
    """A key for messages: masked and quoted."""
    return repr(masked_key(key))


# --- credentials ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceAccountRef:
    """A ServiceAccount's coordinates, as KEP-2535 records them (upstream
    ServiceAccountCoordinates): credentials a plugin got with that account's token."""

    namespace: str
    name: str
    uid: str


@dataclass(frozen=True)
class Credential:
    """One username/password the kubelet may try; `registry_key` is the key as written."""

    username: str
    password: str = field(default="", repr=False)
    email: str = ""
    registry_key: str = ""
    source: str = ""  # `secret default/regcred`, `node`, `provider ecr-credential-provider`
    # Set when a credential provider plugin answered with the pod's service-account token.
    service_account: ServiceAccountRef | None = None

    def __repr__(self) -> str:
        account = f", service_account={self.service_account!r}" if self.service_account else ""
        return (f"Credential(username={self.username!r}, password={_MASK}, email={self.email!r}, "
                f"registry_key={shown_key(self.registry_key)}, source={self.source!r}{account})")

    def __str__(self) -> str:
        key = masked_key(self.registry_key)
        return f"{self.username or '(no username)'}:{_MASK} for {key} ({self.source})"


# --- decoding docker-config content with Go's rules --------------------------------------------


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in order, duplicates included (as Go sees them)."""


def object_pairs(value: Any) -> list[tuple[Any, Any]] | None:
    if isinstance(value, _Pairs):
        return value
    if isinstance(value, Mapping):
        return list(value.items())
    return None


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an object" if object_pairs(value) is not None else "an array"


def field_is(name: Any, wanted: str) -> bool:
    """encoding/json's case-insensitive field match (with Go's ſ and K folds)."""
    if not isinstance(name, str) or len(name) != len(wanted):
        return False
    folds = {"s": "sſ", "k": "kK"}
    return all(c.lower() == w or c in folds.get(w, "") for c, w in zip(name, wanted, strict=True))


def _clean(text: str) -> str:
    """Go replaces unpaired surrogates (from `\\ud800` escapes) with U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def decode_auth(value: str) -> tuple[str, str]:
    """The `auth` field: base64 (padded when it ends in `=`) of `user:password`."""
    try:
        raw = base64_decode(value, padded=trim_space(value).endswith("="))
    except Base64Error as exc:
        raise ContentError(f"the auth field is not valid base64 ({exc})") from None
    username, colon, password = raw.decode("utf-8", "replace").partition(":")
    if not colon:
        raise ContentError(AUTH_FORMAT_ERROR)
    return username, password


def _decode_entry(value: Any) -> tuple[str, str, str]:
    """(username, password, email) of one registry entry; `auth`, when set, wins."""
    pairs = object_pairs(value)
    if value is None:
        pairs = []
    elif pairs is None:
        raise ContentError(f"the entry must be an object, not {json_type(value)}")
    fields = {"username": "", "password": "", "email": "", "auth": ""}
    for name, item in pairs:
        wanted = next((f for f in fields if field_is(name, f)), None)
        if wanted is None or item is None:
            continue
        if not isinstance(item, str):
            raise ContentError(f"{wanted!r} must be a string, not {json_type(item)}")
        fields[wanted] = _clean(item)
    if fields["auth"]:
        username, password = decode_auth(fields["auth"])
        return username, password, fields["email"]
    return fields["username"], fields["password"], fields["email"]


def _read_registry_map(value: Any, what: str, source: str,
                       into: dict[str, Credential]) -> None:
    """Decode a registry-to-entry map into `into`, entry by entry as Go does: every entry
    must be valid, and a repeated key keeps its last value (its first position, here)."""
    if value is None:
        return
    pairs = object_pairs(value)
    if pairs is None:
        raise ContentError(f"{what} must be an object, not {json_type(value)}")
    for registry, entry in pairs:
        if not isinstance(registry, str):
            raise ContentError(f"registry keys must be strings, not {json_type(registry)}")
        try:
            username, password, email = _decode_entry(entry)
        except ContentError as exc:
            raise ContentError(f"registry {shown_key(registry)}: {exc}") from None
        registry = _clean(registry)
        into[registry] = Credential(username, password, email, registry, source)


def _check_headers(value: Any) -> None:
    pairs = object_pairs(value)
    if value is not None and (pairs is None or any(
            v is not None and not isinstance(v, str) for _, v in pairs)):
        raise ContentError('"HttpHeaders" must be an object of strings')


def dockercfg_credentials(document: Any, source: str) -> list[Credential]:
    """Credentials of a .dockercfg document (or any registry-to-entry map)."""
    found: dict[str, Credential] = {}
    _read_registry_map(document, "the document", source, found)
    return list(found.values())


def _dockerconfigjson_credentials(document: Any, source: str) -> list[Credential]:
    """Credentials of the `auths` map of a .dockerconfigjson document."""
    if document is None:
        return []
    pairs = object_pairs(document)
    if pairs is None:
        raise ContentError(f"the document must be an object, not {json_type(document)}")
    found: dict[str, Credential] = {}
    for name, value in pairs:
        if field_is(name, "auths"):
            if value is None:
                found = {}  # Go decodes a repeated field into the same map; null resets it
            _read_registry_map(value, '"auths"', source, found)
        elif field_is(name, "httpheaders"):
            _check_headers(value)
    return list(found.values())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_config_json(raw: bytes) -> Any:
    """A JSON document with objects as ordered pairs (duplicates kept, as Go sees them);
    raises ContentError saying what is wrong and where, never quoting the content."""
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text, object_pairs_hook=_Pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ContentError(f"{exc.msg} (line {exc.lineno}, column {exc.colno} of the JSON)") \
            from None
    except (ValueError, RecursionError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise ContentError(detail) from None


def load_config_json(raw: bytes, key: str) -> Any:
    """parse_config_json, its message naming the data key."""
    try:
        return parse_config_json(raw)
    except ContentError as exc:
        raise ContentError(f"{key} is not valid JSON: {exc}") from None


# --- pull secrets -------------------------------------------------------------------------------


def _secret_identity(obj: Any) -> tuple[str, Mapping[str, Any]]:
    """(`namespace/name`, the Secret document) for a KubeObject or a plain manifest dict."""
    if isinstance(obj, KubeObject):
        return f"{obj.effective_namespace}/{obj.name}", obj.body
    if not isinstance(obj, Mapping):
        raise SecretError(f"a Secret must be a mapping, not {json_type(obj)}", secret="?")
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
        raise SecretError(f"{field_name} must be a mapping, not {json_type(values)}",
                          secret=ident)
    decoded: dict[str, bytes] = {}
    for key, value in values.items():
        if not isinstance(key, str):
            raise SecretError(f"{field_name} keys must be strings", secret=ident)
        if value is not None and not isinstance(value, str):
            raise SecretError(f"{field_name} values must be strings, not {json_type(value)}",
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


def read_pull_secret(obj: Any) -> _SecretRead:
    """Credentials of one Secret; raises SecretError when its content is invalid."""
    ident, body = _secret_identity(obj)
    secret_type = body.get("type") or "Opaque"
    if not isinstance(secret_type, str):
        raise SecretError(f"type must be a string, not {json_type(secret_type)}", secret=ident)
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
        document = load_config_json(data[key], key)
        read = (_dockerconfigjson_credentials if key == DOCKER_CONFIG_JSON_KEY
                else dockercfg_credentials)
        credentials = read(document, f"secret {ident}")
    except ContentError as exc:
        raise SecretError(str(exc), secret=ident, key=key) from None
    return _SecretRead(ident, tuple(credentials))

