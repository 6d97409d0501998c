"""Secrets in a paste: their data decoded and checked as the API server stores and validates it.

`stringData` is merged into `data` (base64-encoded, winning over `data`) and dropped, so
credential code reads only `data`; docker-config Secrets must hold their key as JSON.
"""

from __future__ import annotations

import base64
import binascii
import json

from .podspec import is_null
from .schema import Report, as_mapping, as_str, quote
from .yamlsafe import Mapping, Node, Scalar, describe

_EMPTY = Mapping({}, {}, 0, 0)
_DOCKER_KEYS = {
    "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
    "kubernetes.io/dockercfg": ".dockercfg",
}


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
        _check_docker_config(root, secret_type, wanted, data, report)
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
                         report: Report) -> None:
    """API validation of docker-config Secrets: the key exists and holds JSON."""
    where = _secret_value_node(root, wanted) or root.get("type") or root
    path = f"data[{wanted}]"
    if wanted not in data:
        if _secret_value_node(root, wanted) is None:
            report.error(where, path, f"{path}: Required value",
                         hint=f"a {secret_type} Secret needs the key `{wanted}` under data "
                              "(base64) or stringData")
        return
    try:
        json.loads(data[wanted].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        detail = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8 text"
        report.error(where, path, f'{path}: Invalid value: "<secret contents redacted>": '
                     f"{detail}", hint=f"{wanted} must be a JSON document, e.g. "
                     '{"auths": {"registry.example.com": {"auth": "…"}}}')


def _secret_value_node(root: Mapping, key: str) -> Node | None:
    for field in ("stringData", "data"):
        mapping = root.get(field)
        if isinstance(mapping, Mapping) and key in mapping:
            return mapping.values[key]
    return None
