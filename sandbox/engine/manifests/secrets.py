"""Secrets in a paste: their data decoded and checked as the API server stores and validates it,
and docker-config content checked the way the kubelet will read it.

`stringData` is merged into `data` (base64-encoded, winning over `data`) and dropped, so
credential code reads only `data`. What the API server rejects (bad base64, a docker-config key
that is missing or not a JSON object) is an error; what it accepts but the kubelet will fail on
or ignore (an `auth` that is not base64 of `user:password`, an entry without credentials, a key
the kubelet does not read for this type) is a warning. Both point at the value in the paste and
say where inside the JSON the problem is; none ever quotes a password, an `auth` or the data.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
import re
from collections.abc import Callable
from typing import Any

from ..credentials import (
    DOCKER_CONFIG_JSON_KEY,
    DOCKERCFG_KEY,
    PULL_SECRET_KEYS,
    ContentError,
    InvalidRegistryKey,
    decode_auth,
    field_is,
    json_type,
    masked_key,
    object_pairs,
    parse_config_json,
    parse_registry_key,
)
from ..yamlsafe import Mapping, Node, Scalar, describe
from .podspec import is_null
from .schema import Report, as_mapping, as_str, quote

_EMPTY = Mapping({}, {}, 0, 0)
_DOCKER_KEYS = PULL_SECRET_KEYS
_TYPE_OF = {key: secret_type for secret_type, key in PULL_SECRET_KEYS.items()}
_INVALID = object()
_LONGEST_NAME = 64  # a name longer than this is cut in messages
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_GO_KINDS = {"an array": "array", "a number": "number", "a string": "string",
             "a boolean": "bool"}
_EXAMPLES = {
    DOCKER_CONFIG_JSON_KEY: '{"auths": {"registry.example.com": {"auth": "…"}}}',
    DOCKERCFG_KEY: '{"registry.example.com": {"auth": "…"}}',
}
_ENTRY_FIELDS = ("username", "password", "email", "auth")
_NOT_READ = "the kubelet cannot read this Secret, so none of its credentials are used"
_AUTH_HINT = ("`auth` is the base64 of `username:password` (`echo -n 'user:password' | base64`); "
              "or drop it and write `username` and `password`")


def read_secret(root: Mapping, body: dict[str, object], report: Report) -> dict[str, object]:
    """The body as the API server stores it: stringData merged into data as base64."""
    secret_type = as_str(root, "type", "type", report) or "Opaque"
    body["type"] = secret_type
    data: dict[str, bytes] = {}
    data_node = as_mapping(root, "data", "data", report) or _EMPTY
    for key, value in data_node.values.items():
        _check_secret_key(data_node, key, "data", report)
        decoded = _decode_base64(value, f"data[{key}]", report)
        if decoded is not None:
            data[key] = decoded
    string_node = as_mapping(root, "stringData", "stringData", report)
    for key, value in (string_node or _EMPTY).values.items():
        _check_secret_key(string_node or _EMPTY, key, "stringData", report)
        if isinstance(value, Scalar) and isinstance(value.value, str):
            data[key] = value.value.encode("utf-8")
        else:
            report.error(value, f"stringData[{key}]", f"stringData[{key}]: must be a string, "
                         f"not {describe(value)}", hint="put the value in quotes")
    wanted = _DOCKER_KEYS.get(secret_type)
    if wanted is not None:
        document = _check_docker_config(root, secret_type, wanted, data, report)
        if document is not _INVALID:
            check_docker_config_content(document, wanted, root, report)
    _check_unread_keys(root, secret_type, report)
    if string_node is not None:
        body.pop("stringData", None)
        body["data"] = {key: base64.b64encode(raw).decode("ascii") for key, raw in data.items()}
    return body


def _check_secret_key(mapping: Mapping, key: str, field: str, report: Report) -> None:
    if not key or len(key) > 253 or not all(c.isascii() and (c.isalnum() or c in "-._")
                                            for c in key):
        report.error(mapping.keys[key], f"{field}[{key}]",
                     f"{field}[{key}]: Invalid value: {quote(key)}: a valid config key must "
                     "consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                     "'KEY_NAME',  or 'key-name', regex used for validation is "
                     "'[-._a-zA-Z0-9]+')", hint="rename the key")


def _decode_base64(value: Node, path: str, report: Report) -> bytes | None:
    if is_null(value):
        return b""
    if not (isinstance(value, Scalar) and isinstance(value.value, str)):
        report.error(value, path, f"{path}: must be a base64 string, not {describe(value)}",
                     hint="data values are base64; put plain text under stringData")
        return None
    text = value.value.replace("\n", "").replace("\r", "")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        report.error(value, path, f"{path}: illegal base64 data at input byte "
                     f"{_bad_base64_offset(text)}",
                     hint="data values are base64; put plain text under stringData")
        return None


def _bad_base64_offset(text: str) -> int:
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    for index, char in enumerate(text):
        if char not in alphabet:
            return index
    return len(text) - len(text) % 4


def _check_docker_config(root: Mapping, secret_type: str, wanted: str, data: dict[str, bytes],
                         report: Report) -> object:
    """API validation of docker-config Secrets: the key exists and holds a JSON object (or
    null). Returns the parsed document, or _INVALID when the API server would reject it."""
    value_node = _secret_value_node(root, wanted)
    where = value_node or root.get("type") or root
    path = f"data[{wanted}]"
    if wanted not in data:
        if value_node is None:
            report.error(where, path, f"{path}: Required value",
                         hint=_required_hint(root, secret_type, wanted))
        return _INVALID
    try:
        document = parse_config_json(data[wanted])
    except ContentError as error:
        report.error(where, path, f'{path}: Invalid value: "<secret contents redacted>": '
                     f"{error}", hint=f"{wanted} must be a JSON document, e.g. "
                     + _EXAMPLES[wanted])
        return _INVALID
    if document is not None and object_pairs(document) is None:
        report.error(where, path, f'{path}: Invalid value: "<secret contents redacted>": '
                     f"json: cannot unmarshal {_GO_KINDS[json_type(document)]} into Go value "
                     "of type map[string]interface {}",
                     hint=f"{wanted} must be a JSON object, e.g. " + _EXAMPLES[wanted])
        return _INVALID
    return document


def _required_hint(root: Mapping, secret_type: str, wanted: str) -> str:
    other = next((key for key in _DOCKER_KEYS.values()
                  if key != wanted and _secret_value_node(root, key) is not None), None)
    if other is not None:
        return (f"this Secret holds `{other}`, the key of type {_TYPE_OF[other]}: set "
                f"`type: {_TYPE_OF[other]}`, or put a {wanted} document under the key `{wanted}`")
    return (f"a {secret_type} Secret needs the key `{wanted}` under data (base64) or "
            "stringData")


def _secret_value_node(root: Mapping, key: str) -> Node | None:
    for field in ("stringData", "data"):
        mapping = root.get(field)
        if isinstance(mapping, Mapping) and key in mapping:
            return mapping.values[key]
    return None


# ------------------------------------------------------------ what the kubelet will read


def _check_unread_keys(root: Mapping, secret_type: str, report: Report) -> None:
    """Docker-config keys the kubelet passes over: another type's key, or any non-pull type."""
    for key, key_type in _TYPE_OF.items():
        if key_type == secret_type:
            continue
        found = _secret_key_node(root, key)
        if found is None:
            continue
        field, node = found
        if secret_type in _DOCKER_KEYS:
            report.warn(node, f"{field}[{key}]", f"{field}[{key}]: the kubelet ignores this key "
                        f"in a Secret of type {secret_type}: it reads only "
                        f"{_DOCKER_KEYS[secret_type]}",
                        hint=f"`{key}` goes with `type: {key_type}`: use one key that matches "
                             "the type")
        else:
            report.warn(node, f"{field}[{key}]", f"{field}[{key}]: the kubelet ignores this "
                        f"Secret for image pulls: its type is {secret_type}, and pull "
                        f"credentials are read only from type {key_type}",
                        hint=f"set `type: {key_type}`")


def _secret_key_node(root: Mapping, key: str) -> tuple[str, Node] | None:
    for field in ("stringData", "data"):
        mapping = root.get(field)
        if isinstance(mapping, Mapping) and key in mapping:
            return field, mapping.keys[key]
    return None


def check_docker_config_content(document: Any, key: str, root: Mapping, report: Report) -> None:
    """Warnings for a parsed docker-config document the API server accepts but the kubelet
    will fail on or ignore, each at the key's value in the paste and naming the JSON path."""
    found = _secret_key_node(root, key)
    value = _secret_value_node(root, key)
    if found is None or value is None:
        return
    field = found[0]

    def warn(where: str | None, message: str, hint: str) -> None:
        inside = f"in {where}: " if where else ""
        report.warn(value, f"{field}[{key}]", f"{field}[{key}]: {inside}{message}", hint=hint)

    if key == DOCKER_CONFIG_JSON_KEY:
        _check_config_json(document, warn)
    else:
        _check_registry_map(document, None, warn)


_Warn = Callable[[str | None, str, str], None]


def _check_config_json(document: Any, warn: _Warn) -> None:
    pairs = object_pairs(document) or []
    seen_auths = False
    for name, value in pairs:
        if field_is(name, "auths"):
            seen_auths = True
            _check_registry_map(value, name, warn)
        elif field_is(name, "httpheaders"):
            headers = object_pairs(value)
            if value is not None and (headers is None or any(
                    item is not None and not isinstance(item, str) for _, item in headers)):
                what = "" if headers is not None else f", not {json_type(value)}"
                warn(name, f"must be an object of strings{what}: " + _NOT_READ,
                     "HttpHeaders maps header names to string values; the kubelet does not use "
                     "it to log in, so it can be dropped")
        elif name in ("credsStore", "credHelpers"):
            warn(name, "the kubelet runs no credential helper: the passwords are not in this "
                 "document", "create the Secret with `kubectl create secret docker-registry`, "
                 "which writes them under auths")
    if not seen_auths:
        registries = [name for name, _ in pairs if _looks_like_registry(name)]
        hint = ('put the registries under "auths": ' + _EXAMPLES[DOCKER_CONFIG_JSON_KEY])
        if registries:
            hint = (f"{_where(None, registries[0])} looks like the legacy .dockercfg format: "
                    f"use `type: kubernetes.io/dockercfg` with the key {DOCKERCFG_KEY}, or "
                    + hint)
        warn(None, 'no "auths": the kubelet finds no credentials in this Secret', hint)


def _looks_like_registry(name: str) -> bool:
    return "." in name or ":" in name or name == "localhost"


def _where(parent: str | None, child: str) -> str:
    """A JSON path in words: `auths["registry.example.com"]`, `["r.io"].auth`."""
    if parent is not None and child.isidentifier() and len(child) <= _LONGEST_NAME:
        return f"{parent}.{child}"
    name = _LONE_SURROGATE.sub("\ufffd", masked_key(child))
    if len(name) > _LONGEST_NAME:
        name = name[:_LONGEST_NAME] + "…"
    return f"{parent or ''}[{json.dumps(name, ensure_ascii=False)}]"


def _check_registry_map(value: Any, name: str | None, warn: _Warn) -> None:
    """The registry-to-entry map: `auths` of a .dockerconfigjson, or a whole .dockercfg."""
    pairs = object_pairs(value)
    if value is None:
        warn(name, "null: the kubelet finds no credentials in this Secret",
             "write one entry per registry, e.g. " + _EXAMPLES[DOCKERCFG_KEY])
        return
    if pairs is None:
        warn(name, f"must be an object of registries, not {json_type(value)}: " + _NOT_READ,
             "write one entry per registry, e.g. " + _EXAMPLES[DOCKERCFG_KEY])
        return
    if not pairs:
        warn(name, "no registries: the kubelet finds no credentials in this Secret",
             "write one entry per registry, e.g. " + _EXAMPLES[DOCKERCFG_KEY])
    for registry, entry in pairs:
        where = _where(name, registry)
        if name is None and field_is(registry, "auths"):
            warn(where, f'the kubelet reads "{registry}" as a registry name: this is the '
                 f"{DOCKER_CONFIG_JSON_KEY} format",
                 f"use `type: kubernetes.io/dockerconfigjson` with the key "
                 f"{DOCKER_CONFIG_JSON_KEY}, or move the registries to the top level")
            continue
        _check_registry_key(registry, where, warn)
        _check_entry(entry, where, warn)


def _check_registry_key(registry: str, where: str, warn: _Warn) -> None:
    hint = "write the registry as a host, e.g. `registry.example.com` or `localhost:5000`"
    try:
        index_key = parse_registry_key(registry)
    except InvalidRegistryKey as exc:
        # Go's detail quotes a piece of the key: never when it holds `user:password@`.
        detail = str(exc).partition(" is not a valid URL: ")[2]
        shown = f" ({detail})" if detail and len(detail) <= _LONGEST_NAME \
            and masked_key(registry) == registry else ""
        warn(where, f"the registry key is not a valid URL{shown}: the kubelet ignores this "
             "entry", hint)
        return
    if not index_key.partition("/")[0]:
        warn(where, "the registry key names no host: the kubelet never uses this entry", hint)


def _check_entry(entry: Any, where: str, warn: _Warn) -> None:
    """One registry's entry, as the kubelet decodes it: `auth` wins over username/password."""
    pairs = [] if entry is None else object_pairs(entry)
    if pairs is None:
        warn(where, f"must be an object, not {json_type(entry)}: " + _NOT_READ,
             'write {"auth": "…"} or {"username": "…", "password": "…"}')
        return
    fields: dict[str, str] = {}
    auth_name = "auth"  # as written: Go matches field names case-insensitively
    for name, item in pairs:
        wanted = next((f for f in _ENTRY_FIELDS if field_is(name, f)), None)
        if wanted is None:
            _unknown_entry_field(name, _where(where, name), warn)
        elif item is not None and not isinstance(item, str):
            warn(_where(where, name), f"must be a string, not {json_type(item)}: " + _NOT_READ,
                 "put the value in double quotes")
        elif item is not None:
            fields[wanted] = item
            auth_name = name if wanted == "auth" else auth_name
    if fields.get("auth"):
        _check_auth(fields, where, _where(where, auth_name), warn)
    elif not fields.get("username"):
        warn(where, "neither auth nor username: the kubelet has no credentials to send to "
             "this registry", 'write {"auth": "…"} or {"username": "…", "password": "…"}')


def _unknown_entry_field(name: str, where: str, warn: _Warn) -> None:
    if name.lower() in ("identitytoken", "registrytoken"):
        hint = "the kubelet sends only a username and password (or auth) to the registry"
    else:
        close = difflib.get_close_matches(name.lower(), _ENTRY_FIELDS, n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}"?' if close else \
            "an entry holds username, password, email and auth"
    warn(where, "unknown field: the kubelet ignores it", hint)


def _check_auth(fields: dict[str, str], where: str, auth_where: str, warn: _Warn) -> None:
    try:
        username, password = decode_auth(fields["auth"])
    except ContentError as exc:  # Go's base64 offset or AUTH_FORMAT_ERROR: no content quoted
        warn(auth_where, f"{exc}: " + _NOT_READ, _AUTH_HINT)
        return
    differ = [name for name, used in (("username", username), ("password", password))
              if fields.get(name) and fields[name] != used]
    if differ:
        which = " and ".join(differ)
        warn(where, f"the {which} written here {'differ' if len(differ) > 1 else 'differs'} "
             "from auth: the kubelet uses auth and ignores username and password",
             "keep auth, username and password in step, or drop auth")
