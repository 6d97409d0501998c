"""`dry_run_yaml`: what `kubectl create … -o yaml` (or `kubectl run … -o yaml`) prints.

kubectl marshals the object to JSON and converts that to YAML with sigs.k8s.io/yaml (go-yaml v2):
keys sorted, two-space indent, list items at their key's indent, strings plain unless they would
read as something else. kubectl before 1.34 also printed `creationTimestamp: null` (dropped by
kubernetes#130989, CHANGELOG-1.34).

Lunchbox never shows a password: unless `reveal`, each data value is replaced by a placeholder
and a comment above it shows what it decodes to, passwords and `auth` values masked.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..credentials import DOCKER_CONFIG_JSON_KEY, DOCKERCFG_KEY, masked_key
from ..objects import KubeObject
from ..problems import ManifestError, Problem
from .goyaml import scalar_text

__all__ = ["DRY_RUN_KINDS", "HIDDEN", "MASK", "dry_run_yaml", "go_json"]

# What the pasted commands make, so what their dry runs print.
DRY_RUN_KINDS = ("Secret", "ServiceAccount", "Pod", "Deployment", "Namespace")

HIDDEN = "<hidden>"
MASK = "****"
_SECRET_FIELDS = ("password", "auth", "identitytoken", "registrytoken")  # Go matches any case


def go_json(value: str) -> str:
    """A string as Go's encoding/json writes it (HTML characters and U+2028/9 escaped)."""
    text = json.dumps(value, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def dry_run_yaml(obj: KubeObject, *, reveal: bool = False, kubectl_minor: int = 35) -> str:
    """The object as kubectl 1.<kubectl_minor> prints it; secret values masked unless `reveal`."""
    if obj.kind not in DRY_RUN_KINDS:
        raise ManifestError([Problem(f"{obj.kind} cannot be printed as a kubectl dry run",
                                     hint="only what kubectl's create commands make can be")])
    body = dict(obj.body)
    if kubectl_minor < 34:
        body["metadata"] = {**body.get("metadata", {}), "creationTimestamp": None}
    notes: dict[str, list[str]] = {}
    if obj.kind == "Secret" and not reveal and isinstance(body.get("data"), dict):
        body["data"], notes = _masked(body["data"])
    lines: list[str] = []
    _mapping(body, 0, lines, {"data": notes})
    return "\n".join(lines) + "\n"


def object_yaml(body: dict[str, Any]) -> str:
    """Any stored object as `kubectl get -o yaml` lays it out (keys sorted, go-yaml scalars)."""
    lines: list[str] = []
    _mapping(body, 0, lines)
    return "\n".join(lines) + "\n"


def _mapping(value: dict[str, Any], indent: int, out: list[str],
             notes: dict[str, Any] | None = None) -> None:
    pad = " " * indent
    for key in sorted(value):
        item = value[key]
        inner = (notes or {}).get(key)
        if isinstance(inner, list):
            out.extend(f"{pad}# {note}" for note in inner)
        head = f"{pad}{scalar_text(str(key), column=indent, indent=indent, key=True)}:"
        if isinstance(item, dict) and item:
            out.append(head)
            _mapping(item, indent + 2, out, inner if isinstance(inner, dict) else None)
        elif isinstance(item, list) and item:
            out.append(head)
            _sequence(item, indent, out)  # go-yaml does not indent a mapping's sequence
        else:
            out.append(_line(head, item, indent + 2))


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and item:
            lines: list[str] = []
            _mapping(item, indent + 2, lines)
            out.append(f"{pad}- {lines[0].lstrip()}")
            out.extend(lines[1:])
        else:
            out.append(_line(f"{pad}-", item, indent + 2))


def _line(head: str, value: Any, indent: int) -> str:
    """`head` and the scalar after it, folded as go-yaml folds it (`goyaml`). A literal block
    ends in the line break that closes it: the caller's join puts that one back."""
    text = head + scalar_text(value, column=len(head), indent=indent)
    return text[:-1] if text.endswith("\n") else text


# --- masking -------------------------------------------------------------------------------------


def _masked(data: dict[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    shown: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    for key, value in data.items():
        shown[key] = HIDDEN
        raw = _decoded(value)
        if raw is None:
            notes[key] = [f"{key}: not valid base64 (hidden)"]
        elif key in (DOCKER_CONFIG_JSON_KEY, DOCKERCFG_KEY):
            notes[key] = [f"{key} decodes to (passwords and auth masked):",
                          _masked_config(raw, legacy=key == DOCKERCFG_KEY)]
        else:
            notes[key] = [f"{key}: {len(raw)} bytes (hidden)"]
    return shown, notes


def _decoded(value: Any) -> bytes | None:
    if value is None:
        return b""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return None


def _masked_config(raw: bytes, *, legacy: bool) -> str:
    """The docker config as compact JSON with every secret field masked."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "(not valid JSON: hidden)"
    secrets: set[str] = set()
    text = _encode(document, secrets, keys_are_registries=legacy)
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3:  # a password that is also a username must not show through
            text = text.replace(secret, MASK)
    return text


def _encode(value: Any, secrets: set[str], *, keys_are_registries: bool = False) -> str:
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in _SECRET_FIELDS and isinstance(item, str):
                secrets.update(_secret_parts(key, item))
                parts.append(f"{go_json(key)}:{go_json(MASK if item else '')}")
                continue
            shown = masked_key(key) if keys_are_registries else key
            registries = key == "auths" and not keys_are_registries
            inner = _encode(item, secrets, keys_are_registries=registries)
            parts.append(f"{go_json(shown)}:{inner}")
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_encode(item, secrets) for item in value) + "]"
    if isinstance(value, str):
        return go_json(value)
    return json.dumps(value)


def _secret_parts(key: str, value: str) -> set[str]:
    """The value, and for `auth` the password inside its base64."""
    found = {value, go_json(value)[1:-1]}
    if key.lower() == "auth":
        decoded = _decoded(value) or _decoded(value + "=" * (-len(value) % 4)) or b""
        password = decoded.decode("utf-8", "replace").partition(":")[2]
        found.update({password, go_json(password)[1:-1]} if password else set())
    return {part for part in found if part}
