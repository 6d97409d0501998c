"""Pull credentials: docker config files and the kubelet's keyring that matches them to images.

`dockerconfig` reads `.dockercfg` / `.dockerconfigjson`, `gocompat` mirrors the Go standard
library's URL and base64 quirks the kubelet inherits, `keyring` is the lookup in kubelet order,
`fingerprint` is what a stored cluster keeps instead of a password, `plugin` the kubelet's
credential provider plugins (matchImages, their cache, service-account tokens).
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
    ServiceAccountRef,
    decode_auth,
    field_is,
    json_type,
    masked_key,
    object_pairs,
    parse_config_json,
)
from .fingerprint import FINGERPRINT_PREFIX, fingerprint, fingerprint_secret, password_matches
from .gocompat import parse_go_duration, trim_space, url_parse_error
from .keyring import (
    InvalidRegistryKey,
    Keyring,
    credentials_match,
    is_default_registry_match,
    parse_registry_key,
)
from .plugin import (
    API_VERSIONS,
    CACHE_KEY_TYPES,
    GLOBAL_CACHE_KEY,
    TOKEN_CACHE_TYPES,
    PluginProvider,
    PodIdentity,
    Provided,
    cache_key,
    is_image_allowed,
    pod_identity,
    provider_lookup,
    service_account_cache_key,
    service_account_of,
    service_account_token,
    token_hash,
)

__all__ = [
    "API_VERSIONS",
    "CACHE_KEY_TYPES",
    "GLOBAL_CACHE_KEY",
    "TOKEN_CACHE_TYPES",
    "PluginProvider",
    "PodIdentity",
    "Provided",
    "ServiceAccountRef",
    "cache_key",
    "is_image_allowed",
    "parse_go_duration",
    "pod_identity",
    "provider_lookup",
    "service_account_cache_key",
    "service_account_of",
    "service_account_token",
    "token_hash",
    "url_parse_error",
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
