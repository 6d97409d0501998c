"""Keyed fingerprints of registry passwords: what a stored cluster keeps instead of them.

A learner's cluster is kept in the server's database. A Secret's `.dockerconfigjson` goes there
with each password (and `auth`) replaced by HMAC-SHA256 of the password under a key the server
holds (`fingerprint`), and the simulated registry compares fingerprints (`password_matches`).
Nothing stored can be turned back into the password, and without the key a guess cannot be
checked against it.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
import json
from typing import Any

FINGERPRINT_PREFIX = "lunchbox-fingerprint:"


def fingerprint(key: bytes, password: str) -> str:
    """What the state keeps instead of a password: HMAC-SHA256 under the server's key."""
    digest = hmac.new(key, password.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return FINGERPRINT_PREFIX + digest.hexdigest()


def password_matches(given: str, expected: str, key: bytes | None) -> bool:
    """The simulated registry's check: a clear password, or the fingerprint of one."""
    if given.startswith(FINGERPRINT_PREFIX) and key is not None:
        return hmac.compare_digest(given, fingerprint(key, expected))
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                               expected.encode("utf-8", "surrogatepass"))


def _fingerprint_auths(config: Any, key: bytes) -> Any:
    if not isinstance(config, dict) or not isinstance(config.get("auths"), dict):
        return config
    auths = {}
    for server, entry in config["auths"].items():
        if not isinstance(entry, dict):
            auths[server] = entry
            continue
        entry = dict(entry)
        username = entry.get("username") if isinstance(entry.get("username"), str) else None
        password = entry.get("password") if isinstance(entry.get("password"), str) else None
        auth = entry.get("auth")
        if isinstance(auth, str):
            try:
                user, sep, secret = base64.b64decode(auth, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                user, sep, secret = "", "", ""
            if sep:
                username = username or user
                password = password if password is not None else secret
        if password is not None and not password.startswith(FINGERPRINT_PREFIX):
            password = fingerprint(key, password)
        if password is not None:
            entry["password"] = password
            if isinstance(auth, str) and username is not None:
                entry["auth"] = base64.b64encode(f"{username}:{password}".encode()).decode()
        auths[server] = entry
    return {**config, "auths": auths}


def fingerprint_secret(body: dict[str, Any], key: bytes) -> dict[str, Any]:
    """A Secret body with every registry password replaced by its fingerprint."""
    body = copy.deepcopy(body)
    for section in ("data", "stringData"):
        values = body.get(section)
        if not isinstance(values, dict):
            continue
        for name in (".dockerconfigjson", ".dockercfg"):
            raw = values.get(name)
            if not isinstance(raw, str):
                continue
            try:
                text = base64.b64decode(raw, validate=True).decode() if section == "data" else raw
                config = json.loads(text)
            except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
                values[name] = ""  # unreadable: keep nothing that could hold a password
                continue
            if name == ".dockercfg":  # the legacy shape is the `auths` map itself
                config = _fingerprint_auths({"auths": config}, key)["auths"]
            else:
                config = _fingerprint_auths(config, key)
            text = json.dumps(config, sort_keys=True, separators=(",", ":"))
            values[name] = base64.b64encode(text.encode()).decode() if section == "data" else text
    return body
