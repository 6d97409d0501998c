"""The kubelet's image decisions for one container, step by step (KUBERNETES.md §3).

`ensure_image` is a generator: it yields a `PullRequest` when the runtime must pull and is resumed
with the `PullOutcome` when the (serialized or parallel) puller is done. Everything else happens
at one instant of simulated time.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

from .. import runtime
from ..credentials import Credential, Keyring, service_account_of
from ..objects import Container, KubeObject
from ..reference import (
    ImageReference,
    InvalidReference,
    default_pull_policy,
    default_pull_policy_reason,
    parse_reference,
)
from ..world import KubeletConfig
from .backoff import Backoff
from .node_runtime import NodeRuntime, PullRecord


@dataclass(frozen=True)
class PullRequest:
    ref: ImageReference
    image: str  # as written
    credentials: tuple[Credential, ...]


@dataclass(frozen=True)
class PullOutcome:
    ok: bool
    image_id: str | None = None
    size: int = 0
    pull_seconds: float = 0.0  # what the puller reports (d1)
    total_seconds: float = 0.0  # since the request, queueing included (d2)
    downloaded: int = 0  # layer bytes actually downloaded (0: the registry was only asked)
    error: str | None = None  # the runtime error text, already rendered for the kubelet


@dataclass(frozen=True)
class ImageResult:
    """What EnsureImageExists returned: ok, or the error name and message for the status."""

    ok: bool
    image_id: str | None = None
    reason: str | None = None  # ErrImagePull, ImagePullBackOff, ErrImageNeverPull, …
    message: str | None = None


@dataclass(frozen=True)
class PodContext:
    """What the kubelet knows about the pod whose container it is starting."""

    key: str  # namespace/name
    uid: str
    namespace: str
    secrets: tuple[str, ...]  # imagePullSecrets names found in the pod's namespace
    keyring: Keyring  # pod secrets first, then node credentials
    # (name, metadata.uid) of those secrets; a secret not listed gets `default_secret_uid`.
    secret_uids: tuple[tuple[str, str], ...] = ()

    def uid_of(self, namespace: str, name: str) -> str:
        """The UID of the pod's pull secret namespace/name, as the pull records store it."""
        if namespace == self.namespace:
            for secret, uid in self.secret_uids:
                if secret == name:
                    return uid
        return default_secret_uid(namespace, name)


Emit = Callable[..., None]  # emit(flow, text, outcome=None) and event(...) are passed in


def effective_policy(container: Container) -> tuple[str, str]:
    """The imagePullPolicy the API server stored, and why (written or defaulted)."""
    if container.image_pull_policy:
        return container.image_pull_policy, "written in the manifest"
    return default_pull_policy(container.image), default_pull_policy_reason(container.image)


def credential_hash(credential: Credential) -> str:
    """A stable fingerprint of a credential; the password itself never leaves this function."""
    material = f"{credential.username}\0{credential.password}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def secret_of(credential: Credential) -> tuple[str, str] | None:
    """(namespace, name) of the pull secret a credential came from, if it came from one."""
    prefix = "secret "
    if credential.source.startswith(prefix) and "/" in credential.source:
        namespace, _, name = credential.source[len(prefix):].partition("/")
        return namespace, name
    return None


# --- KEP-2535 pull records (KUBERNETES.md §12; upstream pkg/kubelet/images/pullmanager) ----------

# Past this many secrets recorded for one image, a match no longer adds the pod's secret to the
# record (upstream's writeRecordWhileMatchingLimit, against namespace churn).
WRITE_RECORD_WHILE_MATCHING_LIMIT = 100
_SECRET_UID_NAMESPACE = uuid.UUID("6f1d8c1e-5a52-4d8e-9a57-0c3b1e2d4a77")


def default_secret_uid(namespace: str, name: str) -> str:
    """A stand-in for metadata.uid when the Secret gives none: stable for namespace/name, so a
    scenario that never recreates a secret behaves as if the API server had assigned one."""
    return str(uuid.uuid5(_SECRET_UID_NAMESPACE, f"{namespace}/{name}"))


def secret_uid(secret: KubeObject) -> str:
    """The Secret's metadata.uid when written (a non-empty string), else `default_secret_uid`."""
    metadata = secret.body.get("metadata")
    uid = metadata.get("uid") if isinstance(metadata, dict) else None
    if isinstance(uid, str) and uid:
        return uid
    return default_secret_uid(secret.effective_namespace, secret.name)


@dataclass(frozen=True)
class PodSecret:
    """One pull secret of the pod that holds a credential for the image (upstream's
    ImagePullSecret): its coordinates and the hash of that credential."""

    namespace: str
    name: str
    uid: str
    credential: str


def pod_secrets(pod: PodContext, ref: ImageReference) -> Iterator[PodSecret]:
    """The pod's secrets that the keyring offers for this image, in keyring order. Node
    credentials are left out: they are not the pod's to prove."""
    for credential in pod.keyring.lookup(ref):
        coordinates = secret_of(credential)
        if coordinates is not None:
            namespace, name = coordinates
            yield PodSecret(namespace, name, pod.uid_of(namespace, name),
                            credential_hash(credential))


def _allowlisted(name: str, allowlist: tuple[str, ...]) -> bool:
    for entry in allowlist:
        if entry.endswith("/*") and name.startswith(entry[:-1]):
            return True
        if entry == name:
            return True
    return False


def requires_verification(config: KubeletConfig, ref: ImageReference,
                          pulled_by_kubelet: bool) -> bool:
    """The verification policy alone: must the pod's credentials be checked for this image?

    Upstream's ImagePullPolicyEnforcer. An allowlist entry is compared with the normalized
    repository name (no tag or digest). An unknown policy checks everything: fail safe.
    """
    policy = config.verification_policy
    if policy == "NeverVerify":
        return False
    if policy == "NeverVerifyPreloadedImages":
        return pulled_by_kubelet
    if policy == "NeverVerifyAllowlistedImages":
        return not _allowlisted(ref.name, config.preloaded_images_verification_allowlist)
    return True


def may_use_cached(
    node: NodeRuntime, ref: ImageReference, pod: PodContext, config: KubeletConfig
) -> tuple[bool, str]:
    """KEP-2535: may this pod use the image already on the node? (§12, MustAttemptImagePull).

    Records are kept per image name and digest (`name@digest`): an image the kubelet never
    pulled under this name has none, even when the same content was pulled under another name
    or another tag of its repository was pulled. A match found through another secret or a
    rotated credential is written back to the records, as upstream does.
    """
    image_id = node.image_id(ref)
    if image_id is None:
        return False, "the image is not on the node"
    records = node.records.get(image_id)
    pulled = image_id in node.pulled or records is not None
    if not requires_verification(config, ref, pulled):
        return True, _exempt_reason(config.verification_policy)
    if any(record.node_wide for record in records or ()):
        return True, "it was pulled anonymously or with node credentials"
    known = [record for record in records or () if record.secret is not None]
    accounts = [record.service_account for record in records or () if record.service_account]
    if not known and not accounts:
        if pulled:
            return False, "the kubelet pulled it but nothing records which credentials worked"
        return False, "nothing records which credentials pulled this image"
    for secret in pod_secrets(pod, ref):
        found = _match(known, secret)
        if found is not None:
            if found != "coordinates and credential" and len(known) < \
                    WRITE_RECORD_WHILE_MATCHING_LIMIT:
                remember_secret(node, image_id, secret)
            return True, f"it was pulled with {found} of the pod's secret {secret.name}"
    account = service_account_of(pod.keyring.lookup(ref))
    if account is not None and account in accounts:
        return True, f"it was pulled with a token of the pod's service account {account.name}"
    return False, "it was pulled with credentials this pod does not have"


def _exempt_reason(policy: str) -> str:
    if policy == "NeverVerify":
        return "the verification policy is NeverVerify"
    if policy == "NeverVerifyAllowlistedImages":
        return "the image is on the preloaded-images allowlist"
    return "the image was preloaded (not pulled by the kubelet), so it is exempt"


def _match(known: list[PullRecord], secret: PodSecret) -> str | None:
    """How a record vouches for the pod's secret: same credential hash (an empty recorded hash
    never matches), same coordinates (namespace, name, UID), both, or not at all."""
    for record in known:
        same_hash = bool(record.credential) and record.credential == secret.credential
        same_secret = record.secret == (secret.namespace, secret.name) and \
            record.uid == secret.uid
        if same_hash:
            return "coordinates and credential" if same_secret else "the credential"
        if same_secret:
            return "the coordinates"
    return None


def remember_secret(node: NodeRuntime, image_id: str, secret: PodSecret) -> None:
    """Merge one secret into the image's records: keyed by namespace, name and UID, the newest
    credential hash wins; nothing changes once the image is usable by every pod."""
    records = node.records.setdefault(image_id, [])
    if any(record.node_wide for record in records):
        return
    record = PullRecord(secret=(secret.namespace, secret.name), uid=secret.uid,
                        credential=secret.credential)
    for index, old in enumerate(records):
        if old.secret == record.secret and old.uid == record.uid:
            records[index] = record
            return
    records.append(record)


class Kubelet:
    """One node's kubelet: back-off state plus the decision flow for each container."""

    def __init__(self, node: NodeRuntime, config: KubeletConfig, profile: str,
                 step: Emit, event: Emit) -> None:
        self.node = node
        self.config = config
        self.profile = profile
        self.backoff = Backoff(config.backoff_initial, config.backoff_max)
        self.step = step  # step(flow, text, outcome=None)
        self.event = event  # event(type, reason, message)
        # The last pull error per back-off key, for the ImagePullBackOff status message.
        self.last_errors: dict[str, tuple[str, str]] = {}

    def ensure_image(  # noqa: C901 - one branch per step of the upstream flow, kept in order
        self, pod: PodContext, container: Container, now: Callable[[], float]
    ) -> Generator[PullRequest, PullOutcome, ImageResult]:
        image = container.image
        policy, why = effective_policy(container)
        self.step("start", f"The kubelet on {self.node.node.name} needs image {image!r} "
                           f"for container {container.name}.")
        try:
            ref = parse_reference(image)
        except InvalidReference as err:
            hint = f" {err.hint}" if getattr(err, "hint", None) else ""
            self.step("parse", f"{image!r} is not a valid image reference: {err}.{hint}", "no")
            message = runtime.msg_invalid_name(image, str(err), self.profile)
            self.event("Warning", "InspectFailed", message)
            return ImageResult(False, reason="InvalidImageName", message=message)
        self.step("parse", f"{image!r} is a valid reference to {ref}.", "yes")
        self.step("policy", f"imagePullPolicy is {policy} ({why}).", policy)
        fault = self.node.node.faults.image_status
        if fault is not None and (policy != "Always"
                                  or not runtime.profile_for(self.profile).pull_precheck):
            return self._inspect_failed(image, ref, fault)
        if policy != "Always":
            result = self._check_present(pod, ref, image, policy)
            if result is not None:
                return result
        return (yield from self._pull(pod, ref, image, now))

    def _check_present(
        self, pod: PodContext, ref: ImageReference, image: str, policy: str
    ) -> ImageResult | None:
        """Steps 2–3: use the cached image, refuse (Never), or fall through to a pull."""
        present = self.node.lookup(ref)
        if present is None:
            self.step("present", f"{ref} is not on {self.node.node.name}.", "no")
            if policy == "Never":
                return self._never_pull(image)
            return None
        self.step("present", f"{ref} is already on {self.node.node.name}.", "yes")
        gate = self.config.ensure_secret_pulled_images
        if gate:
            allowed, reason = may_use_cached(self.node, ref, pod, self.config)
            self.step("verify", f"May this pod use the cached image? "
                                f"{'Yes' if allowed else 'No'}: {reason}.",
                      "yes" if allowed else "no")
            if not allowed:
                if policy == "Never":
                    return self._never_pull(image)
                return None
        self.step("cached", "Using the cached image; nothing is downloaded.")
        self.event("Normal", "Pulled", runtime.msg_already_present(image, gate))
        return ImageResult(True, image_id=self.node.image_id(ref))

    def _inspect_failed(self, image: str, ref: ImageReference, error: str) -> ImageResult:
        """Step 2, GetImageRef failed: ImageInspectError, returned before the back-off check, so
        no back-off entry; the pod worker's requeue is the only retry (KUBERNETES.md §3)."""
        self.step("present", f"The kubelet asks the runtime whether {ref} is on "
                             f"{self.node.node.name}, and ImageStatus fails: {error}", "error")
        self.step("inspect_failed", "ImageInspectError: the kubelet cannot tell whether the "
                                    "image is there, so it neither uses nor pulls it.")
        message = runtime.msg_inspect_failed(image, error, self.profile)
        self.event("Warning", "InspectFailed", message)
        return ImageResult(False, reason="ImageInspectError", message=message)

    def _never_pull(self, image: str) -> ImageResult:
        message = runtime.msg_never_pull(image)
        self.step("never_missing", "imagePullPolicy is Never, so the kubelet may not pull it: "
                                   "ErrImageNeverPull.")
        self.event("Warning", "ErrImageNeverPull", message)
        return ImageResult(False, reason="ErrImageNeverPull", message=message)

    def _pull(
        self, pod: PodContext, ref: ImageReference, image: str, now: Callable[[], float]
    ) -> Generator[PullRequest, PullOutcome, ImageResult]:
        credentials = tuple(pod.keyring.lookup(str(ref)))
        if credentials:
            names = ", ".join(f"{c.username} ({c.source})" for c in credentials)
            # The outcome says where the first credential tried came from (predict mode asks).
            found = "secret" if secret_of(credentials[0]) is not None else "node"
            self.step("credentials", f"Credentials that match {ref.name}: {names}.", found)
        else:
            self.step("credentials", f"No credentials match {ref.name}: the pull is anonymous.",
                      "none")
        key = f"{pod.uid}_{image}"
        if self.backoff.in_backoff(key, now()):
            self.step("backoff", f"The last pull of {image!r} failed less than "
                                 f"{self.backoff.window(key):g}s ago: wait.", "yes")
            self.step("backoff_wait", "ImagePullBackOff: the kubelet does not try again yet.")
            self.event("Normal", "BackOff", runtime.msg_backoff(image))
            last = self.last_errors.get(key, ("ErrImagePull", ""))
            return ImageResult(False, reason="ImagePullBackOff",
                               message=runtime.backoff_status_message(image, *last))
        self.step("backoff", "No back-off is pending for this image.", "no")
        self.event("Normal", "Pulling", runtime.msg_pulling(image))
        self.step("pull", f"Pulling {image!r} from {ref.domain}.")
        outcome = yield PullRequest(ref, image, credentials)
        if not outcome.ok:
            error = outcome.error or "unknown error"
            window = self.backoff.next(key, now())
            # evalCRIPullErr: RegistryUnavailable / SignatureValidationFailed get their own name
            # and message (about the image as written); anything else is ErrImagePull (§3.7).
            name, message = runtime.classify_pull_error(image, error)
            self.last_errors[key] = (name, message)
            self.step("pull_failed", f"The pull failed: {error}. The kubelet backs off "
                                     f"{window:g}s before trying again.")
            self.event("Warning", "Failed", runtime.msg_failed_pull(image, error))
            return ImageResult(False, reason=name, message=message)
        self.backoff.gc(now())
        if outcome.downloaded:
            fetched = f"downloaded {outcome.downloaded} of its {outcome.size} bytes"
        else:
            fetched = ("checked the registry but downloaded nothing: every layer was already "
                       "on the node")
        self.step("pulled", f"Pulled {image!r} in {runtime.go_duration(outcome.pull_seconds)}: "
                            f"{fetched}.")
        # puller.go reads the size with a best-effort ImageStatus and drops its error: 0 bytes.
        size = 0 if self.node.node.faults.image_status is not None else outcome.size
        self.event("Normal", "Pulled", runtime.msg_pulled(
            image, outcome.pull_seconds, outcome.total_seconds, size, self.profile))
        return ImageResult(True, image_id=outcome.image_id)


def record_for(credential: Credential | None, pod: PodContext | None = None) -> PullRecord:
    """The pull record a successful pull leaves, given the credential that worked (and the pod,
    for the secret's UID)."""
    if credential is None:
        return PullRecord(node_wide=True)
    if credential.service_account is not None:  # a plugin's answer to the pod's token
        return PullRecord(service_account=credential.service_account)
    secret = secret_of(credential)
    if secret is None:
        return PullRecord(node_wide=True)
    uid = pod.uid_of(*secret) if pod is not None else default_secret_uid(*secret)
    return PullRecord(secret=secret, uid=uid, credential=credential_hash(credential))
