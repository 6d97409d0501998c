"""Pull credentials: docker config files and the kubelet's keyring that matches them to images.

`dockerconfig` reads `.dockercfg` / `.dockerconfigjson`, `gocompat` mirrors the Go standard
library's URL and base64 quirks the kubelet inherits, `keyring` is the lookup in kubelet order.
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
from .gocompat import trim_space
from .keyring import (
    InvalidRegistryKey,
    Keyring,
    credentials_match,
    is_default_registry_match,
    parse_registry_key,
)

__all__ = [
    "AUTH_FORMAT_ERROR",
    "ContentError",
    "Credential",
    "DOCKERCFG_KEY",
    "DOCKER_CONFIG_JSON_KEY",
    "DOCKER_CONFIG_JSON_TYPE",
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
