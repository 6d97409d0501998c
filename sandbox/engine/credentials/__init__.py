"""Pull credentials: docker config files and the kubelet's keyring that matches them to images.

`dockerconfig` reads `.dockercfg` / `.dockerconfigjson`, `gocompat` mirrors the Go standard
library's URL and base64 quirks the kubelet inherits, `keyring` is the lookup in kubelet order,
`fingerprint` is what a stored cluster keeps instead of a password.
"""

from __future__ import annotations

from .dockerconfig import (
    AUTH_FORMAT_ERROR,
    DOCKER_CONFIG_JSON_KEY,
    DOCKER_CONFIG_JSON_TYPE,
    DOCKERCFG_KEY,
    PULL_SECRET_KEYS,
    ContentError,
    Credential,
    SecretError,
    decode_auth,
    field_is,
    json_type,
    masked_key,
    object_pairs,
    parse_config_json,
)
from .fingerprint import FINGERPRINT_PREFIX, fingerprint, fingerprint_secret, password_matches
from .gocompat import trim_space
from .keyring import (
    InvalidRegistryKey,
    Keyring,
    credentials_match,
    is_default_registry_match,
    parse_registry_key,
)

__all__ = [
    "fingerprint",
    "fingerprint_secret",
    "password_matches",
    "AUTH_FORMAT_ERROR",
    "ContentError",
    "Credential",
    "DOCKERCFG_KEY",
    "DOCKER_CONFIG_JSON_KEY",
    "DOCKER_CONFIG_JSON_TYPE",
    "FINGERPRINT_PREFIX",
    "InvalidRegistryKey",
    "Keyring",
    "PULL_SECRET_KEYS",
    "SecretError",
    "credentials_match",
    "decode_auth",
    "field_is",
    "is_default_registry_match",
    "json_type",
    "masked_key",
    "object_pairs",
    "parse_config_json",
    "parse_registry_key",
    "trim_space",
]
