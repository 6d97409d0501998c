"""Reading credential providers: a node's CredentialProviderConfig and what each plugin answers.

`nodes[].credentialProviderConfig` is the file the kubelet reads with
`--image-credential-provider-config`, decoded strictly and validated as upstream
`pkg/credentialprovider/plugin/config.go` does (`decode`, `validateCredentialProviderConfig`,
master), each problem worded as the kubelet words it and placed at its line and column. The
top-level `credentialProviderPlugins` is the scenario's fake of the plugin binaries: what each
answers (docs/scenarios.md).
"""

from __future__ import annotations

import json
import re

from ..credentials import API_VERSIONS, CACHE_KEY_TYPES, TOKEN_CACHE_TYPES, url_parse_error
from ..credentials import parse_go_duration as go_duration_ns
from ..problems import suggestion
from ..reference import go_quote
from ..runtime import go_duration
from ..world import Account, CredentialProvider, PluginAnswer, TokenAttributes
from ..yamlsafe import Mapping
from ..yamlsafe import Node as YamlNode
from .fields import FieldReader, child, is_null

CONFIG_API_VERSIONS = ("kubelet.config.k8s.io/v1", "kubelet.config.k8s.io/v1beta1",
                       "kubelet.config.k8s.io/v1alpha1")
CONFIG_FIELDS = ("apiVersion", "kind", "providers")
PROVIDER_FIELDS = ("name", "matchImages", "defaultCacheDuration", "apiVersion", "args", "env",
                   "tokenAttributes")
TOKEN_FIELDS = ("serviceAccountTokenAudience", "requireServiceAccount", "cacheType",
                "requiredServiceAccountAnnotationKeys", "optionalServiceAccountAnnotationKeys")
PLUGIN_FIELDS = ("cacheKeyType", "cacheDuration", "auth", "error")
V1 = "credentialprovider.kubelet.k8s.io/v1"
_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_MESSAGE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
_SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    r"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


def qualified_name_errors(value: str) -> list[str]:
    """apimachinery's validation.IsQualifiedName (annotation keys)."""
    parts = value.split("/")
    if len(parts) > 2:
        return ["a qualified name " + _QUALIFIED_MESSAGE + " with an optional DNS subdomain "
                "prefix and '/' (e.g. 'example.com/MyName')"]
    errors: list[str] = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errors.append("prefix part must be no more than 253 characters")
            if not _SUBDOMAIN.fullmatch(prefix):
                errors.append("prefix part " + _SUBDOMAIN_MESSAGE)
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    if not _QUALIFIED.fullmatch(name):
        errors.append("name part " + _QUALIFIED_MESSAGE)
    return errors


class _Config:
    """One node's config being read; `go` paths are upstream's (`providers[0].name`)."""

    def __init__(self, r: FieldReader, path: str) -> None:
        self.r = r
        self.path = path

    def error(self, node: YamlNode | None, here: str, message: str, hint: str | None = None
              ) -> None:
        self.r.error(node, here, message, hint)

    def strict(self, node: YamlNode | None, here: str, go: str,
               allowed: tuple[str, ...]) -> Mapping | None:
        """A mapping, its unknown keys refused with the strict decoder's words."""
        mapping = self.r.mapping(node, here)
        for key_node, _ in mapping.items() if mapping is not None else ():
            key = str(key_node.value)
            if key not in allowed:
                where = f"{go}.{key}" if go else key
                self.error(key_node, child(here, key),
                           f'strict decoding error: unknown field "{where}"',
                           hint=suggestion(key, allowed) or "known fields: " + ", ".join(allowed))
        return mapping

    def strings(self, node: YamlNode | None, here: str) -> list[tuple[str, YamlNode]]:
        found = []
        for index, item in enumerate(self.r.sequence(node, here)):
            text = self.r.string(item, f"{here}[{index}]", empty=True)
            if text is not None:
                found.append((text, item))
        return found


def read_provider_config(r: FieldReader, node: YamlNode | None, path: str,
                         plugins: dict[str, PluginAnswer], token_gate: bool
                         ) -> tuple[CredentialProvider, ...]:
    """A node's CredentialProviderConfig; every problem is recorded, the valid providers kept."""
    if node is None or is_null(node):
        return ()
    config = _Config(r, path)
    top = config.strict(node, path, "", CONFIG_FIELDS)
    if top is None:
        return ()
    version = r.string(top.get("apiVersion"), child(path, "apiVersion")) or CONFIG_API_VERSIONS[0]
    kind = r.string(top.get("kind"), child(path, "kind")) or "CredentialProviderConfig"
    if version not in CONFIG_API_VERSIONS or kind != "CredentialProviderConfig":
        at = top.get("kind") if kind != "CredentialProviderConfig" else top.get("apiVersion")
        r.error(at, path, f'no kind "{kind}" is registered for version "{version}"',
                hint="kind: CredentialProviderConfig, apiVersion: "
                     + " or ".join(CONFIG_API_VERSIONS))
        return ()
    here = child(path, "providers")
    items = r.sequence(top.get("providers"), here)
    if not items:
        r.error(top.get("providers") or top, here,
                "providers: Required value: at least 1 item in plugins is required")
    providers: list[CredentialProvider] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        built = _provider(config, item, f"{here}[{index}]", f"providers[{index}]",
                          version == CONFIG_API_VERSIONS[0], token_gate, seen)
        if built is None:
            continue
        if built.name not in plugins:
            name_node = item.get("name") if isinstance(item, Mapping) else item
            r.error(name_node, f"{here}[{index}].name",
                    f"no plugin {built.name!r} under credentialProviderPlugins",
                    hint="the kubelet would not start: plugin binary executable did not exist; "
                         + (suggestion(built.name, plugins) or "describe what it answers"))
            continue
        providers.append(CredentialProvider(
            built.name, built.match_images, built.default_cache_duration, built.api_version,
            built.token_attributes, plugins[built.name]))
    return tuple(providers)


def _provider(config: _Config, node: YamlNode, here: str, go: str, v1_config: bool,
              token_gate: bool, seen: set[str]) -> CredentialProvider | None:
    r = config.r
    allowed = PROVIDER_FIELDS if v1_config else PROVIDER_FIELDS[:-1]
    m = config.strict(node, here, go, allowed)
    if m is None:
        return None
    before = len(r.problems)
    name = r.string(m.get("name"), child(here, "name"), empty=True) or ""
    name_node = m.get("name") or m
    for bad, detail in (("/" in name, "provider name cannot contain '/'"),
                        (" " in name, "provider name cannot contain spaces"),
                        (name == ".", "provider name cannot be '.'"),
                        (name == "..", "provider name cannot be '..'")):
        if bad:
            config.error(name_node, child(here, "name"),
                         f"providers.name: Invalid value: {go_quote(name)}: {detail}")
    if name in seen:
        config.error(name_node, child(here, "name"),
                     f"providers.name: Duplicate value: {go_quote(name)}")
    seen.add(name)
    api = r.string(m.get("apiVersion"), child(here, "apiVersion"), empty=True) or ""
    if not api:
        config.error(m.get("apiVersion") or m, child(here, "apiVersion"),
                     "providers.apiVersion: Required value", hint=f"apiVersion: {V1}")
    elif api not in API_VERSIONS:
        config.error(m.get("apiVersion"), child(here, "apiVersion"),
                     f"providers.apiVersion: Unsupported value: {go_quote(api)}: supported "
                     "values: " + ", ".join(go_quote(v) for v in sorted(API_VERSIONS)),
                     hint=suggestion(api, API_VERSIONS))
    images = config.strings(m.get("matchImages"), child(here, "matchImages"))
    if not images:
        config.error(m.get("matchImages") or m, child(here, "matchImages"),
                     "providers.matchImages: Required value: at least 1 item in matchImages is "
                     "required", hint='e.g. matchImages: ["*.dkr.ecr.*.amazonaws.com"]')
    for pattern, item in images:
        problem = url_parse_error("https://" + pattern)
        if problem is not None:
            config.error(item, child(here, "matchImages"), "providers.matchImages: Invalid "
                         f"value: {go_quote(pattern)}: match image is invalid: {problem}")
    duration = _default_cache_duration(config, m, here)
    for index, item in enumerate(r.sequence(m.get("env"), child(here, "env"))):
        entry = config.strict(item, f"{child(here, 'env')}[{index}]", f"{go}.env[{index}]",
                              ("name", "value"))
        for key in ("name", "value"):
            if entry is not None:
                r.string(entry.get(key), f"{child(here, 'env')}[{index}].{key}", empty=True)
    config.strings(m.get("args"), child(here, "args"))
    attributes = _token_attributes(config, m.get("tokenAttributes") if v1_config else None,
                                   child(here, "tokenAttributes"), f"{go}.tokenAttributes",
                                   api, token_gate)
    if len(r.problems) > before or duration is None:
        return None
    return CredentialProvider(name, tuple(p for p, _ in images), duration, api, attributes)


def _default_cache_duration(config: _Config, m: Mapping, here: str) -> float | None:
    r = config.r
    node = m.get("defaultCacheDuration")
    where = child(here, "defaultCacheDuration")
    if node is None or is_null(node):
        config.error(node or m, where, "providers.defaultCacheDuration: Required value",
                     hint='e.g. defaultCacheDuration: "12h"')
        return None
    text = r.string(node, where, empty=True)
    if text is None:
        return None
    try:
        ns = go_duration_ns(text)
    except ValueError as error:
        config.error(node, where, str(error), hint='a Go duration: "10m", "12h", "1h30m"')
        return None
    if ns < 0:
        config.error(node, where, "providers.defaultCacheDuration: Invalid value: "
                     f"{go_quote(go_duration(ns / 1e9))}: must be greater than or equal to 0")
        return None
    return ns / 1e9


def _token_attributes(config: _Config, node: YamlNode | None, here: str, go: str, api: str,
                      token_gate: bool) -> TokenAttributes | None:
    r = config.r
    m = config.strict(node, here, go, TOKEN_FIELDS)
    if m is None:
        return None
    prefix = "providers.tokenAttributes"
    if not token_gate:
        config.error(node, here, f"{prefix}: Forbidden: tokenAttributes is not supported when "
                     "KubeletServiceAccountTokenForCredentialProviders feature gate is disabled",
                     hint="enable it under kubelet.featureGates (on by default since 1.34)")
    audience = r.string(m.get("serviceAccountTokenAudience"),
                        child(here, "serviceAccountTokenAudience"), empty=True) or ""
    if not audience:
        config.error(m.get("serviceAccountTokenAudience") or m,
                     child(here, "serviceAccountTokenAudience"),
                     f"{prefix}.serviceAccountTokenAudience: Required value")
    required = r.boolean(m.get("requireServiceAccount"), child(here, "requireServiceAccount"))
    if required is None:
        config.error(m.get("requireServiceAccount") or m, child(here, "requireServiceAccount"),
                     f"{prefix}.requireServiceAccount: Required value")
    if api != V1:
        config.error(node, here, f"{prefix}: Forbidden: tokenAttributes is only supported for "
                     f"{V1} API version", hint=f"apiVersion: {V1}")
    keys = {}
    for field in ("requiredServiceAccountAnnotationKeys", "optionalServiceAccountAnnotationKeys"):
        keys[field] = _annotation_keys(config, m.get(field), child(here, field),
                                       f"{prefix}.{field}")
    if required is False and keys["requiredServiceAccountAnnotationKeys"]:
        config.error(m.get("requiredServiceAccountAnnotationKeys"),
                     child(here, "requiredServiceAccountAnnotationKeys"),
                     f"{prefix}.requiredServiceAccountAnnotationKeys: Forbidden: "
                     "requireServiceAccount cannot be false when "
                     "requiredServiceAccountAnnotationKeys is set")
    both = sorted(set(keys["requiredServiceAccountAnnotationKeys"])
                  & set(keys["optionalServiceAccountAnnotationKeys"]))
    if both:
        config.error(node, here, f"{prefix}: Invalid value: {json.dumps(both)}: annotation keys "
                     "cannot be both required and optional")
    cache_type = r.string(m.get("cacheType"), child(here, "cacheType"), empty=True) or ""
    if not cache_type:
        config.error(m.get("cacheType") or m, child(here, "cacheType"),
                     f"{prefix}.cacheType: Required value: cacheType is required to be set when "
                     "tokenAttributes is specified. Supported values are: "
                     + ", ".join(TOKEN_CACHE_TYPES))
    elif cache_type not in TOKEN_CACHE_TYPES:
        config.error(m.get("cacheType"), child(here, "cacheType"),
                     f"{prefix}.cacheType: Unsupported value: {go_quote(cache_type)}: supported "
                     "values: " + ", ".join(go_quote(t) for t in TOKEN_CACHE_TYPES),
                     hint=suggestion(cache_type, TOKEN_CACHE_TYPES))
    if cache_type not in TOKEN_CACHE_TYPES or required is None:
        return None
    return TokenAttributes(audience, required, cache_type,  # type: ignore[arg-type]
                           tuple(keys["requiredServiceAccountAnnotationKeys"]),
                           tuple(keys["optionalServiceAccountAnnotationKeys"]))


def _annotation_keys(config: _Config, node: YamlNode | None, here: str, go: str) -> list[str]:
    """validateServiceAccountAnnotationKeys: qualified names (case aside), each once."""
    keys: list[str] = []
    for key, item in config.strings(node, here):
        for message in qualified_name_errors(key.lower()):
            config.error(item, here, f"{go}: Invalid value: {go_quote(key)}: {message}")
        if key in keys:
            config.error(item, here, f"{go}: Duplicate value: {go_quote(key)}")
        keys.append(key)
    return keys


# --- credentialProviderPlugins: the fake binaries ------------------------------------------------


def read_plugins(r: FieldReader, node: YamlNode | None) -> dict[str, PluginAnswer]:
    """`credentialProviderPlugins`: plugin name -> what it answers every time it is run."""
    path = "credentialProviderPlugins"
    mapping = r.mapping(node, path)
    plugins: dict[str, PluginAnswer] = {}
    for key_node, value in mapping.items() if mapping is not None else ():
        here = child(path, str(key_node.value))
        m = r.fields(value, here, PLUGIN_FIELDS)
        if m is None:
            plugins[str(key_node.value)] = PluginAnswer()
            continue
        error = r.string(m.get("error"), child(here, "error"))
        if error is not None:
            for other in ("auth", "cacheKeyType", "cacheDuration"):
                if other in m:
                    r.error(m.keys[other], child(here, other), f"a plugin that fails answers "
                            f"no {other}", hint="keep either `error` or the answer")
            plugins[str(key_node.value)] = PluginAnswer(error=error)
            continue
        key_type = r.choice(m.get("cacheKeyType"), child(here, "cacheKeyType"), CACHE_KEY_TYPES)
        if m.get("cacheKeyType") is None:
            r.error(m, child(here, "cacheKeyType"), "missing required field 'cacheKeyType'",
                    hint="Image, Registry or Global: what the kubelet caches the answer under")
        duration = _answer_duration(r, m.get("cacheDuration"), child(here, "cacheDuration"))
        plugins[str(key_node.value)] = PluginAnswer(
            key_type or "Registry",  # type: ignore[arg-type]
            duration, _auth(r, m.get("auth"), child(here, "auth")))
    return plugins


def _answer_duration(r: FieldReader, node: YamlNode | None, here: str) -> float | None:
    text = r.string(node, here, empty=True)
    if text is None:
        return None
    try:
        ns = go_duration_ns(text)
    except ValueError as error:
        r.error(node, here, str(error), hint='a Go duration: "0s", "10m", "12h"')
        return None
    if ns < 0:
        r.error(node, here, f"{here} must not be negative")
        return None
    return ns / 1e9


def _auth(r: FieldReader, node: YamlNode | None, here: str) -> tuple[tuple[str, Account], ...]:
    mapping = r.mapping(node, here)
    found = []
    for key_node, value in mapping.items() if mapping is not None else ():
        where = child(here, str(key_node.value))
        entry = r.fields(value, where, ("username", "password"), required=("username",))
        if entry is None:
            continue
        username = r.string(entry.get("username"), child(where, "username"))
        password = r.string(entry.get("password"), child(where, "password"), empty=True)
        if username is not None:
            found.append((str(key_node.value), Account(username, password or "")))
    return tuple(found)
