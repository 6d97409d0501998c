"""Kubelet credential provider plugins: which one answers for an image, its cache, its credentials.

Upstream `pkg/credentialprovider/plugin` (`plugin.go`, `plugins.go`, master). A provider of the
node's CredentialProviderConfig is asked only for images its `matchImages` globs match (the
keyring's URLsMatch rule: same port, same number of host labels, each label a glob, path
prefix). Its answer is a docker-config map cached under the image, its registry or one global
key (the answer's cacheKeyType) for the answer's cacheDuration, else the provider's
defaultCacheDuration; 0 caches nothing. With `tokenAttributes` (KEP-4412) the kubelet first gets
a token of the pod's service account: the cache key then carries the account (and, with cacheType
Token, the token, which is bound to the pod), and the credentials carry the account's coordinates,
which KEP-2535's pull records keep. The plugin's own answer is the scenario's fake
(`world.PluginAnswer`): nothing here runs a binary.

`provider_lookup` is the kubelet's per-pod external keyring: all providers' answers go into one
keyring, searched after the pod's secrets and the node's config files (`keyring.Keyring`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from ..objects import KubeObject
from ..runtime import go_duration
from ..world import CredentialProvider
from .dockerconfig import Credential, ServiceAccountRef
from .gocompat import urls_match

GLOBAL_CACHE_KEY = "<global>"
CACHE_PURGE_INTERVAL = 15 * 60.0  # cachePurgeInterval: expired entries not asked for go then
CACHE_KEY_TYPES = ("Image", "Registry", "Global")
TOKEN_CACHE_TYPES = ("ServiceAccount", "Token")
API_VERSIONS = ("credentialprovider.kubelet.k8s.io/v1",
                "credentialprovider.kubelet.k8s.io/v1alpha1",
                "credentialprovider.kubelet.k8s.io/v1beta1")
_ACCOUNT_UID_NAMESPACE = uuid.UUID("0b8f2c55-3f0e-4c5e-8a1d-5b7d2f6e9c41")


# --- matching and cache keys (plugin.go) ----------------------------------------------------------


def is_image_allowed(match_images: tuple[str, ...], image: str) -> bool:
    """isImageAllowed: does any matchImages entry match the image (a repository name)?"""
    return any(urls_match(pattern, image) for pattern in match_images)


def parse_registry(image: str) -> str:
    """parseRegistry: everything before the first `/` (the host, port included)."""
    return image.split("/")[0]


def _string(value: str) -> bytes:
    data = value.encode("utf-8", "surrogatepass")
    if len(data) > 0xFFFF:
        raise ValueError("cryptobyte: length overflow")
    return len(data).to_bytes(2, "big") + data


def _annotations(annotations: tuple[tuple[str, str], ...]) -> bytes:
    items = sorted(dict(annotations).items())
    return len(items).to_bytes(4, "big") + b"".join(_string(k) + _string(v) for k, v in items)


def cache_key(base: str, service_account_key: str = "") -> str:
    """generateCacheKey: the base key and the service-account key, each length-prefixed (the
    bytes of Go's cryptobyte builder, one character per byte)."""
    return (_string(base) + _string(service_account_key)).decode("latin-1")


def service_account_cache_key(namespace: str, name: str, uid: str,
                              annotations: tuple[tuple[str, str], ...] = (),
                              token_hash: str | None = None) -> str:
    """generateServiceAccountCacheKey; `token_hash` only for cacheType Token."""
    data = _string(namespace) + _string(name) + _string(uid) + _annotations(annotations)
    if token_hash is not None:
        data += _string("token") + _string(token_hash)
    return data.decode("latin-1")


def token_hash(token: str) -> str:
    """getHashIfNotEmpty."""
    return f"sha256:{hashlib.sha256(token.encode()).hexdigest()}" if token else ""


# --- the pod the kubelet asks for -----------------------------------------------------------------


@dataclass(frozen=True)
class PodIdentity:
    """What a per-pod provider knows: the pod and its service account (None: no such object)."""

    namespace: str
    name: str
    uid: str
    service_account: str = ""
    account_uid: str | None = None
    annotations: tuple[tuple[str, str], ...] = ()


def default_service_account_uid(namespace: str, name: str) -> str:
    """A stand-in metadata.uid for a ServiceAccount that gives none (stable per namespace/name)."""
    return str(uuid.uuid5(_ACCOUNT_UID_NAMESPACE, f"{namespace}/{name}"))


def pod_identity(namespace: str, name: str, uid: str, service_account: str,
                 account: KubeObject | None, implicit: bool = False) -> PodIdentity:
    """The identity, reading the account's uid and annotations; `implicit` for the `default`
    account that exists in every namespace without being written."""
    if account is None and not implicit:
        return PodIdentity(namespace, name, uid, service_account)
    metadata = account.body.get("metadata") if account is not None else None
    metadata = metadata if isinstance(metadata, dict) else {}
    written = metadata.get("uid")
    account_uid = written if isinstance(written, str) and written else \
        default_service_account_uid(namespace, service_account)
    raw = metadata.get("annotations")
    annotations = tuple((k, v) for k, v in raw.items() if isinstance(k, str)
                        and isinstance(v, str)) if isinstance(raw, dict) else ()
    return PodIdentity(namespace, name, uid, service_account, account_uid, annotations)


def service_account_token(pod: PodIdentity, audience: str) -> str:
    """The fake token the kubelet's token manager hands out: bound to the pod, so another pod
    of the same account gets another token (and a cacheType Token cache misses)."""
    return f"token:{audience}:{pod.namespace}/{pod.service_account}:{pod.uid}"


# --- one provider ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provided:
    """A provider's part of one lookup: the credentials and one sentence for the trace."""

    credentials: tuple[Credential, ...]
    story: str


class PluginProvider:
    """One registered provider on one node: its config, its plugin's fake answer, its cache."""

    def __init__(self, provider: CredentialProvider, token_gate: bool = True,
                 started: float = 0.0) -> None:
        self.provider = provider
        attributes = provider.token_attributes
        # newServiceAccountProvider: nil when the gate is off or no audience is set.
        self.tokens = attributes if token_gate and attributes is not None \
            and attributes.service_account_token_audience else None
        self.cache: dict[str, tuple[float, tuple[tuple[str, str, str], ...]]] = {}
        self.runs = 0  # how often the plugin was executed
        self.last_purge = started

    @property
    def name(self) -> str:
        return self.provider.name

    def provide(self, image: str, pod: PodIdentity, now: float) -> Provided:
        """pluginProvider.provide for `image` (a repository name) at simulated time `now`."""
        if not is_image_allowed(self.provider.match_images, image):
            return Provided((), f"{image} matches none of its matchImages "
                                f"({', '.join(self.provider.match_images)}): not asked.")
        account: ServiceAccountRef | None = None
        token, account_key = "", ""
        if self.tokens is not None:
            refused = self._account_refusal(pod)
            if refused is not None:
                return Provided((), refused)
            if pod.service_account:
                assert pod.account_uid is not None
                wanted = self.tokens.required_annotation_keys + self.tokens.optional_annotation_keys
                annotations = tuple((k, v) for k, v in pod.annotations if k in wanted)
                # getServiceAccountData sends these; they are part of the cache key
                token = service_account_token(pod, self.tokens.service_account_token_audience)
                hashed = token_hash(token) if self.tokens.cache_type == "Token" else None
                try:
                    account_key = service_account_cache_key(pod.namespace, pod.service_account,
                                                            pod.account_uid, annotations, hashed)
                    cache_key(image, account_key)
                except ValueError as error:  # a field past 64 KiB: cryptobyte refuses it
                    return Provided((), f"Error generating service account cache key: {error}; "
                                        "the plugin does not run.")
                account = ServiceAccountRef(pod.namespace, pod.service_account, pod.account_uid)
        cached = self._cached(image, account_key, now)
        if cached is not None:
            entries, base, expires = cached
            return Provided(self._credentials(entries, account),
                            f"its answer for {image} is still cached under {base} for "
                            f"{go_duration(round(expires - now))}: the plugin does not run.")
        return self._run(image, token, account_key, account, now)

    def _account_refusal(self, pod: PodIdentity) -> str | None:
        assert self.tokens is not None
        if not pod.service_account:
            if self.tokens.require_service_account:
                return (f"the pod has no service account and requireServiceAccount is true: "
                        f"the plugin does not run (Service account name is empty for pod "
                        f"{pod.namespace}/{pod.name}).")
            return None
        if pod.account_uid is None:
            return (f"Failed to get service account {pod.namespace}/{pod.service_account}: "
                    f'serviceaccount "{pod.service_account}" not found; the plugin does not run.')
        present = dict(pod.annotations)
        for key in self.tokens.required_annotation_keys:
            if key not in present:
                return (f"service account {pod.namespace}/{pod.service_account} lacks the "
                        f"annotation {key} its tokenAttributes require, so the plugin does not "
                        f"run (required annotation {key} not found).")
        return None

    def _cached(self, image: str, account_key: str, now: float
                ) -> tuple[tuple[tuple[str, str, str], ...], str, float] | None:
        """getCachedCredentials: the image's key, then its registry's, then the global one;
        an entry is expired once the clock is after its expiry."""
        if now > self.last_purge + CACHE_PURGE_INTERVAL:
            self.cache = {key: entry for key, entry in self.cache.items() if now <= entry[0]}
            self.last_purge = now
        for base in (image, parse_registry(image), GLOBAL_CACHE_KEY):
            entry = self.cache.get(cache_key(base, account_key))
            if entry is not None:
                expires, entries = entry
                if now > expires:
                    del self.cache[cache_key(base, account_key)]
                    continue
                return entries, base, expires
        return None

    def _run(self, image: str, token: str, account_key: str, account: ServiceAccountRef | None,
             now: float) -> Provided:
        self.runs += 1
        answer = self.provider.answer
        with_token = f" with a token of service account {account.namespace}/{account.name}" \
            if account is not None else ""
        ran = f"the kubelet runs the plugin{with_token} for {image}"
        if answer.error is not None:
            return Provided((), f"{ran}, and it fails: error execing credential provider plugin "
                                f"{self.name} for image {image}: exit status 1: {answer.error}. "
                                "The kubelet logs it and goes on without this provider.")
        entries = tuple((key, account_.username, account_.password)
                        for key, account_ in answer.auth)
        if token and self.tokens is not None and self.tokens.cache_type != "Token" \
                and any(password == token for _, _, password in entries):
            return Provided((), f"{ran}; it answers with the service-account token as the "
                                f"password, which the kubelet refuses unless cacheType is Token.")
        bases = {"Image": image, "Registry": parse_registry(image), "Global": GLOBAL_CACHE_KEY}
        base = bases.get(answer.cache_key_type)
        if base is None:
            return Provided((), f"{ran}; it answers with cacheKeyType "
                                f"{answer.cache_key_type!r}, which is not valid: no credentials.")
        duration = answer.cache_duration
        source = "its cacheDuration"
        if duration is None:
            duration, source = self.provider.default_cache_duration, "the defaultCacheDuration"
        keys = ", ".join(key for key, _, _ in entries) or "no registry"
        if duration > 0:
            self.cache[cache_key(base, account_key)] = (now + duration, entries)
            kept = f"kept under {base} for {go_duration(duration)} ({source})"
        else:
            kept = f"not cached ({source} is 0)"
        return Provided(self._credentials(entries, account),
                        f"{ran}; it answers for {keys} (cacheKeyType {answer.cache_key_type}), "
                        f"{kept}.")

    def _credentials(self, entries: tuple[tuple[str, str, str], ...],
                     account: ServiceAccountRef | None) -> tuple[Credential, ...]:
        return tuple(Credential(username, password, registry_key=key,
                                source=f"provider {self.name}", service_account=account)
                     for key, username, password in entries)


# --- the external keyring (plugins.go) ------------------------------------------------------------

Emit = Callable[[str, str], None]  # emit(flow, text)


def provider_lookup(providers: tuple[PluginProvider, ...], pod: PodIdentity,
                    clock: Callable[[], float], emit: Emit | None = None
                    ) -> Callable[[str], list[Credential]]:
    """The per-pod external keyring's source: each provider asked in order, its story told.

    The kubelet looks credentials up once per image decision (a sync.OnceValues), so a second
    lookup of the same image at the same instant reuses the first instead of asking again.
    """
    memo: dict[tuple[str, float], list[Credential]] = {}

    def lookup(image: str) -> list[Credential]:
        now = clock()
        if (image, now) in memo:
            return list(memo[(image, now)])
        found: list[Credential] = []
        for provider in providers:
            provided = provider.provide(image, pod, now)
            if emit is not None:
                emit("credentials", f"Credential provider {provider.name}: {provided.story}")
            found.extend(provided.credentials)
        memo[(image, now)] = found
        return list(found)

    return lookup


def service_account_of(credentials: list[Credential]) -> ServiceAccountRef | None:
    """The pod's service account as the pull manager sees it: the first credential that came
    with one (upstream keeps one per pod, the audience aside)."""
    return next((c.service_account for c in credentials if c.service_account is not None), None)
