"""The kubelet's image decisions against upstream's own image manager tests (KUBERNETES.md §3–§6).

Ported from kubernetes `pkg/kubelet/images/image_manager_test.go` (master): `pullerTestCases()`
as run by TestSerializedPuller, TestParallelPuller and TestImagePullPrecheck, the
KubeletEnsureSecretPulledImages cases, TestParallelPodPullingTimeRecorderWithErr and
TestMaxParallelImagePullsLimit. Like upstream's environment: a 1 s / 60 s back-off, the clock
stepped 1 s before each attempt, pod UID `bar` in namespace `test-ns`, and a node whose only
image is `present_image:latest`.

`Kubelet.ensure_image` is driven directly. What upstream reads from its fake runtime's call log
we read from what the kubelet did: it asked the runtime whether the image is present
(GetImageRef) when it reported the `present` step, and it pulled (PullImage) when it yielded a
PullRequest. Upstream's GetImageSize and the pod-startup-latency recorder have no counterpart.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from sandbox.engine import load_manifests, simulate
from sandbox.engine.credentials import Credential, Keyring, ServiceAccountRef
from sandbox.engine.kubelet import (
    ImageResult,
    Kubelet,
    NodeRuntime,
    PodContext,
    PullOutcome,
    PullRecord,
    record_for,
)
from sandbox.engine.objects import Container
from sandbox.engine.reference import parse_reference
from sandbox.engine.world import (
    Image,
    KubeletConfig,
    Layer,
    Node,
    NodeFaults,
    NodeImage,
    Registry,
    Repository,
    Scenario,
)

PRESENT = Image("present-1", (Layer("present-base", 2_000_000),))
PULLED = Image("pulled-1", (Layer("pulled-base", 3_000_000),))

GET, PULL = "GetImageRef", "PullImage"
NEVER = "ErrImageNeverPull"
SIGNATURE_ERROR = "image pull failed for typo_image because the signature validation failed"


# --- the harness ---------------------------------------------------------------------------------


class Attempt:
    """What one EnsureImageExists call did: result, runtime calls, events (type, reason, text)."""

    def __init__(self, result: ImageResult, calls: tuple[str, ...],
                 events: list[tuple[str, str, str]]) -> None:
        self.result = result
        self.calls = calls
        self.events = events

    @property
    def error(self) -> str | None:
        return None if self.result.ok else self.result.reason

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(reason for _, reason, _ in self.events)


class Env:
    """pullerTestEnv: one node's kubelet, a fake clock and a fake puller."""

    def __init__(self, config: KubeletConfig, *, preloaded: tuple[NodeImage, ...] = (),
                 pull_error: str | None = None, inspect_error: str | None = None) -> None:
        node = Node("node-1", images=preloaded, faults=NodeFaults(image_status=inspect_error))
        self.node = NodeRuntime.start(node, config)
        self.steps: list[tuple[str, str, str | None]] = []
        self.events: list[tuple[str, str, str]] = []
        self.kubelet = Kubelet(self.node, config, "newest", self._step, self._event)
        self.clock = 0.0
        self.pull_error = pull_error

    def _step(self, flow: str, text: str, outcome: str | None = None) -> None:
        self.steps.append((flow, text, outcome))

    def _event(self, kind: str, reason: str, message: str) -> None:
        self.events.append((kind, reason, message))

    def attempt(self, pod: PodContext, container: Container,
                pull_error: str | None = None) -> Attempt:
        """Step the clock 1 s, then run one EnsureImageExists to the end."""
        self.clock += 1
        self.steps.clear()
        self.events.clear()
        error = pull_error if pull_error is not None else self.pull_error
        calls: list[str] = []
        decision = self.kubelet.ensure_image(pod, container, lambda: self.clock)
        try:
            request = next(decision)
            while True:
                calls.append(PULL)
                assert request.image == container.image
                request = decision.send(outcome(error))
        except StopIteration as stop:
            result = stop.value
        if any(flow == "present" for flow, _, _ in self.steps):
            calls.insert(0, GET)
        return Attempt(result, tuple(calls), list(self.events))


def outcome(error: str | None) -> PullOutcome:
    """The fake puller's answer: the error given, else a successful pull of PULLED."""
    if error is not None:
        return PullOutcome(False, error=error)
    return PullOutcome(True, image_id=f"docker.io/library/x@{PULLED.manifest_digest}",
                       size=PULLED.size, pull_seconds=0.25, total_seconds=0.25,
                       downloaded=PULLED.size)


def make_pod(*secrets: tuple[str, str, str], node_auths: dict[str, object] | None = None,
             name: str = "test_pod", uid: str = "bar") -> PodContext:
    """A pod in test-ns with pull secrets given as (name, registry, username) for `password`."""
    objects = [{"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
                "metadata": {"name": secret, "namespace": "test-ns"},
                "stringData": {".dockerconfigjson": json.dumps(
                    {"auths": {registry: {"username": user, "password": "password"}}})}}
               for secret, registry, user in secrets]
    keyring = Keyring.from_pull_secrets(objects, strict=True)
    keyring = keyring + Keyring.from_docker_config(node_auths or {}, source="node")
    return PodContext(f"test-ns/{name}", uid, "test-ns", tuple(s[0] for s in secrets), keyring)


def present_image() -> NodeImage:
    return NodeImage("docker.io/library/present_image:latest", PRESENT)


def config(*, serialized: bool, gate: bool, policy: str = "NeverVerifyPreloadedImages"
           ) -> KubeletConfig:
    return KubeletConfig(serialize_image_pulls=serialized, backoff_initial=1.0,
                         backoff_max=60.0, ensure_secret_pulled_images=gate,
                         verification_policy=policy)


# --- pullerTestCases(): the cases without the feature gate ----------------------------------------

# (error, runtime calls, event reasons, text the status message contains)
Expect = tuple[str | None, tuple[str, ...], tuple[str, ...], str]

PULLED_OK: Expect = (None, (GET, PULL), ("Pulling", "Pulled"), "")
CACHED: Expect = (None, (GET,), ("Pulled",), "")
ALWAYS_OK: Expect = (None, (PULL,), ("Pulling", "Pulled"), "")
NEVER_MISSING: Expect = (NEVER, (GET,), (NEVER,), "")
FAILED_404: Expect = ("ErrImagePull", (GET, PULL), ("Pulling", "Failed"), "404")
BACKOFF_404: Expect = ("ImagePullBackOff", (GET,), ("BackOff",),
                       'Back-off pulling image "typo_image": ErrImagePull: 404')
INVALID: Expect = ("InvalidImageName", (), ("InspectFailed",), "")
INSPECT: Expect = ("ImageInspectError", (GET,), ("InspectFailed",), "")
SIGNATURE: Expect = ("SignatureValidationFailed", (GET, PULL), ("Pulling", "Failed"),
                     SIGNATURE_ERROR)
SIGNATURE_BACKOFF: Expect = ("ImagePullBackOff", (GET,), ("BackOff",),
                             'Back-off pulling image "typo_image": SignatureValidationFailed: '
                             + SIGNATURE_ERROR)

NO_QPS = "registryPullQPS/registryBurst (the token bucket in front of the runtime, §10) is not " \
         "modelled: KubeletConfig has no registry_pull_qps"

# (image, policy, puller error, expected per attempt)
PULLER_CASES = [
    pytest.param("missing_image", "IfNotPresent", None, [PULLED_OK], id="image missing, pull"),
    pytest.param("present_image", "IfNotPresent", None, [CACHED] * 3,
                 id="image present, don't pull"),
    pytest.param("present_image", "Always", None, [ALWAYS_OK] * 3, id="image present, pull"),
    pytest.param("missing_image", "Never", None, [NEVER_MISSING] * 3,
                 id="image missing, never pull"),
    # "image missing, pull if not present, fail on image inspect": see
    # test_inspect_failure_is_reported_on_every_attempt_without_back_off below.
    pytest.param("typo_image", "IfNotPresent", "404",
                 [FAILED_404, FAILED_404, BACKOFF_404, FAILED_404, BACKOFF_404, BACKOFF_404],
                 id="image missing, unable to fetch"),
    pytest.param("present_image", "Always", None, [ALWAYS_OK] * 3,
                 id="image present and qps>0, pull", marks=pytest.mark.skip(reason=NO_QPS)),
    pytest.param("present_image", "Always", None, [], id="image present and excessive qps rate",
                 marks=pytest.mark.skip(reason=NO_QPS)),
    pytest.param("FAILED_IMAGE", "Always", None, [INVALID], id="invalid image name, no pull"),
    pytest.param("http://url", "Always", None, [INVALID],
                 id="invalid image name with http, no pull"),
    pytest.param("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "Always",
                 None, [INVALID], id="invalid image name with sha256, no pull"),
    pytest.param("typo_image", "IfNotPresent", "SignatureValidationFailed",
                 [SIGNATURE, SIGNATURE, SIGNATURE_BACKOFF, SIGNATURE, SIGNATURE_BACKOFF],
                 id="image missing, SignatureValidationFailed"),
]


@pytest.mark.parametrize("serialized", [True, False], ids=["serialized", "parallel"])
@pytest.mark.parametrize("gate", [False, True], ids=["", "KubeletEnsureSecretPulledImages"])
@pytest.mark.parametrize(("image", "policy", "pull_error", "expected"), PULLER_CASES)
def test_image_manager_decides_like_upstream_attempt_by_attempt(
        image: str, policy: str, pull_error: str | None, expected: list[Expect],
        serialized: bool, gate: bool) -> None:
    # With the gate on, upstream's pull manager allows everything here; ours does so because
    # present_image was preloaded and the policy is the default NeverVerifyPreloadedImages.
    env = Env(config(serialized=serialized, gate=gate), preloaded=(present_image(),),
              pull_error=pull_error)
    container = Container("container_name", image, policy)
    pod = make_pod()
    for number, (error, calls, reasons, message) in enumerate(expected, 1):
        attempt = env.attempt(pod, container)
        assert (attempt.error, attempt.calls, attempt.reasons) == (error, calls, reasons), (
            f"attempt {number}")
        assert message in (attempt.result.message or ""), f"attempt {number}"


@pytest.mark.parametrize("serialized", [True, False], ids=["serialized", "parallel"])
@pytest.mark.parametrize("gate", [False, True], ids=["", "KubeletEnsureSecretPulledImages"])
def test_inspect_failure_is_reported_on_every_attempt_without_back_off(
        serialized: bool, gate: bool) -> None:
    # pullerTestCases' "image missing, pull if not present, fail on image inspect": the fake
    # runtime's GetImageRef returns `unknown inspectError`; three attempts, the same each time.
    env = Env(config(serialized=serialized, gate=gate), preloaded=(present_image(),),
              inspect_error="unknown inspectError")
    container = Container("container_name", "missing_image", "IfNotPresent")
    for number in range(1, 4):
        attempt = env.attempt(make_pod(), container)
        assert (attempt.error, attempt.calls, attempt.reasons) == INSPECT[:3], f"attempt {number}"
        # The message names the ref GetImageRef left empty (kubernetes#141571, still open).
        assert attempt.result.message == 'Failed to inspect image "": unknown inspectError'
    assert env.kubelet.backoff.window("bar_missing_image") is None


def test_cached_image_message_says_whether_the_pod_may_access_it() -> None:
    # The `Pulled` text of "image present, don't pull", without and with the gate (§4).
    for gate, tail in ((False, ""), (True, " and can be accessed by the pod")):
        env = Env(config(serialized=True, gate=gate), preloaded=(present_image(),))
        attempt = env.attempt(make_pod(), Container("c", "present_image", "IfNotPresent"))
        assert attempt.events == [
            ("Normal", "Pulled", f'Container image "present_image" already present on machine'
                                 f"{tail}")]


def test_failing_pull_alternates_errors_and_backoff_with_growing_windows() -> None:
    # KUBERNETES.md §3: 1 s/60 s back-off, 1 s between attempts, a pull that always fails.
    env = Env(config(serialized=True, gate=True), pull_error="404")
    container = Container("container_name", "typo_image", "IfNotPresent")
    errors = [env.attempt(make_pod(), container).error for _ in range(6)]
    assert errors == ["ErrImagePull", "ErrImagePull", "ImagePullBackOff", "ErrImagePull",
                      "ImagePullBackOff", "ImagePullBackOff"]


def test_failing_pull_events_and_status_messages_are_upstreams_texts() -> None:
    env = Env(config(serialized=True, gate=True), pull_error="404")
    container = Container("container_name", "typo_image", "IfNotPresent")
    failed = env.attempt(make_pod(), container)
    assert failed.events == [("Normal", "Pulling", 'Pulling image "typo_image"'),
                             ("Warning", "Failed", 'Failed to pull image "typo_image": 404')]
    assert (failed.result.reason, failed.result.message) == ("ErrImagePull", "404")
    env.attempt(make_pod(), container)
    held = env.attempt(make_pod(), container)
    assert held.events == [("Normal", "BackOff", 'Back-off pulling image "typo_image"')]
    assert held.result.message == 'Back-off pulling image "typo_image": ErrImagePull: 404'


def test_signature_failure_event_keeps_the_raw_error_and_status_gets_the_explanation() -> None:
    env = Env(config(serialized=True, gate=True), pull_error="SignatureValidationFailed: bad key")
    attempt = env.attempt(make_pod(), Container("c", "typo_image", "IfNotPresent"))
    assert attempt.events[-1] == ("Warning", "Failed", 'Failed to pull image "typo_image": '
                                                       "SignatureValidationFailed: bad key")
    assert (attempt.result.reason, attempt.result.message) == (
        "SignatureValidationFailed", SIGNATURE_ERROR + ": bad key")


# TestEvalCRIPullErr, through the kubelet: (runtime error, error name, status message)
EVAL_CASES = [
    pytest.param("test", "ErrImagePull", "test", id="fallback error"),
    pytest.param("RegistryUnavailable", "RegistryUnavailable",
                 "image pull failed for app because the registry is unavailable",
                 id="registry is unavailable"),
    pytest.param("RegistryUnavailable: foo", "RegistryUnavailable",
                 "image pull failed for app because the registry is unavailable: foo",
                 id="registry is unavailable with additional error message"),
    pytest.param("SignatureValidationFailed", "SignatureValidationFailed",
                 "image pull failed for app because the signature validation failed",
                 id="signature is invalid"),
    pytest.param("SignatureValidationFailed: bar", "SignatureValidationFailed",
                 "image pull failed for app because the signature validation failed: bar",
                 id="signature is invalid with additional error message"),
]


@pytest.mark.parametrize(("error", "name", "message"), EVAL_CASES)
def test_pull_errors_are_classified_and_remembered_for_the_backoff_message(
        error: str, name: str, message: str) -> None:
    env = Env(config(serialized=True, gate=True), pull_error=error)
    container = Container("c", "app", "IfNotPresent")
    failed = env.attempt(make_pod(), container)
    assert (failed.result.reason, failed.result.message) == (name, message)
    env.attempt(make_pod(), container)  # the second failure, 1 s later, opens a 2 s window
    held = env.attempt(make_pod(), container)
    assert (held.result.reason, held.result.message) == (
        "ImagePullBackOff", f'Back-off pulling image "app": {name}: {message}')


# --- ensureSecretImagesTestCases(): KubeletEnsureSecretPulledImages -------------------------------

HUB = "docker.io/library/present_image"


def pulled_with_secret(env: Env, image: str, secret: str, username: str) -> None:
    """The node holds `image`, pulled by the kubelet with test-ns/<secret> (§12 pulled record)."""
    ref = parse_reference(image)
    env.node.add_image(ref, PULLED, PULLED.manifest_digest)
    credential = make_pod((secret, "docker.io", username)).keyring.lookup(str(ref))[0]
    image_id = env.node.image_id(ref)
    assert image_id is not None
    env.node.records.setdefault(image_id, []).append(record_for(credential))


@pytest.mark.parametrize("serialized", [True, False], ids=["serialized", "parallel"])
def test_image_unknown_to_the_pull_records_is_pulled_again(serialized: bool) -> None:
    # "image present, unknown to image pull manager, pull": the records know another image
    # pulled with the pod's secret, nothing about present_image. Upstream's mock manager never
    # learns, and our fake puller records nothing either, so every attempt pulls. A preloaded
    # image is exempt under the default policy, hence AlwaysVerify.
    env = Env(config(serialized=serialized, gate=True, policy="AlwaysVerify"),
              preloaded=(present_image(),))
    pulled_with_secret(env, "another_image:latest", "testname", "user")
    pod = make_pod(("testname", HUB, "user"))
    for _ in range(3):
        attempt = env.attempt(pod, Container("container_name", "present_image", "IfNotPresent"))
        assert (attempt.error, attempt.calls, attempt.reasons) == PULLED_OK[:3]


@pytest.mark.parametrize(("uid", "expected"), [
    pytest.param("someothertestuid", PULLED_OK, id="unknown secret to image pull manager, pull"),
    pytest.param("testuid", CACHED, id="the recorded secret itself, don't pull"),
])
def test_same_named_secret_with_another_uid_is_unknown_to_the_pull_records(
        uid: str, expected: Expect) -> None:
    # "image present, unknown secret to image pull manager, pull": the records vouch for
    # test-ns/testname with UID testuid; the pod's secret of that name has another UID (it was
    # deleted and created again). Like upstream's mock manager the record holds no credential
    # hash, so only the coordinates (namespace, name, UID) can match. The second row is ours:
    # the same pod with the recorded UID uses the cached image, so the first row fails if UIDs
    # were ignored.
    env = Env(config(serialized=True, gate=True))
    ref = parse_reference("present_image:latest")
    env.node.add_image(ref, PULLED, PULLED.manifest_digest)
    image_id = env.node.image_id(ref)
    assert image_id is not None
    env.node.records[image_id] = [PullRecord(secret=("test-ns", "testname"), uid="testuid")]
    pod = replace(make_pod(("testname", HUB, "user")), secret_uids=(("testname", uid),))
    assert pod.uid_of("test-ns", "testname") == uid
    for _ in range(3):
        attempt = env.attempt(pod, Container("container_name", "present_image", "IfNotPresent"))
        assert (attempt.error, attempt.calls, attempt.reasons) == expected[:3]


@pytest.mark.parametrize(("policy", "expected"), [
    pytest.param("IfNotPresent", PULLED_OK, id="unknown secret, pull"),
    pytest.param("Never", NEVER_MISSING, id="unknown secret, never pull policy -> fail"),
])
def test_secret_unknown_to_the_pull_records_forces_a_pull_or_fails_never(
        policy: str, expected: Expect) -> None:
    # Analogue of "image present, unknown secret to image pull manager": present_image was
    # pulled with test-ns/testname; the pod only has test-ns/othername, with other credentials.
    env = Env(config(serialized=True, gate=True))
    pulled_with_secret(env, "present_image:latest", "testname", "user")
    pod = make_pod(("othername", HUB, "someone-else"))
    for _ in range(3):
        attempt = env.attempt(pod, Container("container_name", "present_image", policy))
        assert (attempt.error, attempt.calls, attempt.reasons) == expected[:3]


def test_one_known_secret_among_the_pods_is_enough_to_use_the_cached_image() -> None:
    # "a secret matches one of known to the image pull manager, don't pull".
    env = Env(config(serialized=True, gate=True))
    pulled_with_secret(env, "present_image:latest", "testname", "user")
    pod = make_pod(("othername", HUB, "someone-else"), ("testname", HUB, "user"))
    for _ in range(3):
        attempt = env.attempt(pod, Container("container_name", "present_image", "IfNotPresent"))
        assert (attempt.error, attempt.calls, attempt.reasons) == CACHED[:3]
        assert attempt.events[0][2].endswith("and can be accessed by the pod")


def test_node_credentials_alone_need_no_tracking() -> None:
    # "image present, only node credentials (no source), proceed without tracking".
    env = Env(config(serialized=True, gate=True), preloaded=(present_image(),))
    pod = make_pod(node_auths={HUB: {"username": "node-user", "password": "node-pass"}})
    assert pod.keyring.lookup(HUB)[0].source == "node"
    attempt = env.attempt(pod, Container("container_name", "present_image", "IfNotPresent"))
    assert (attempt.error, attempt.calls, attempt.reasons) == CACHED[:3]


TEST_SA = ServiceAccountRef("test-ns", "test-service-account", "sa-uid-123")


def with_account(pod: PodContext, account: ServiceAccountRef) -> PodContext:
    """The pod, plus what a token-based credential provider answers for present_image."""
    answer = Credential("sa-user", "sa-token", registry_key=HUB, source="provider test",
                        service_account=account)
    return replace(pod, keyring=pod.keyring + Keyring.from_lookup(lambda name: [answer]))


def test_service_account_credentials_of_a_preloaded_image_need_no_pull() -> None:
    # "image present, service account credentials available, don't pull": upstream's mock pull
    # manager allows everything; here present_image is preloaded, exempt under the default
    # NeverVerifyPreloadedImages.
    env = Env(config(serialized=True, gate=True), preloaded=(present_image(),))
    attempt = env.attempt(with_account(make_pod(), TEST_SA),
                          Container("container_name", "present_image", "IfNotPresent"))
    assert (attempt.error, attempt.calls, attempt.reasons) == CACHED[:3]


def recorded_for_account(env: Env, records: list[PullRecord]) -> None:
    ref = parse_reference("present_image:latest")
    env.node.add_image(ref, PULLED, PULLED.manifest_digest)
    image_id = env.node.image_id(ref)
    assert image_id is not None
    env.node.records[image_id] = records


def test_service_account_allowed_by_the_pull_records_needs_no_pull() -> None:
    # "image present, service account allowed by pull manager, don't pull".
    env = Env(config(serialized=True, gate=True))
    recorded_for_account(env, [PullRecord(service_account=TEST_SA)])
    attempt = env.attempt(with_account(make_pod(), TEST_SA),
                          Container("container_name", "present_image", "IfNotPresent"))
    assert (attempt.error, attempt.calls, attempt.reasons) == CACHED[:3]


def test_mixed_credentials_the_records_do_not_know_are_pulled() -> None:
    # "image present, mixed credentials (secrets + service accounts), pull required": the
    # records know testns/testname with another UID; the pod's service account has UID sa-uid-456.
    env = Env(config(serialized=True, gate=True))
    recorded_for_account(env, [PullRecord(secret=("test-ns", "testname"),
                                          uid="different-secret-uid")])
    pod = with_account(replace(make_pod(("testname", HUB, "user")),
                               secret_uids=(("testname", "secret-uid"),)),
                       replace(TEST_SA, uid="sa-uid-456"))
    attempt = env.attempt(pod, Container("container_name", "present_image", "IfNotPresent"))
    assert (attempt.error, attempt.calls, attempt.reasons) == PULLED_OK[:3]


@pytest.mark.parametrize(("records", "gate", "pulls"), [
    pytest.param([PullRecord(service_account=TEST_SA)], True, False,
                 id="service account credentials passed to image pull manager"),
    pytest.param([PullRecord(service_account=replace(TEST_SA, uid="sa-uid-999"))], True, True,
                 id="service account credentials require image pull"),
    pytest.param([], False, False, id="feature gate disabled - no service account check"),
])
def test_ensure_image_exists_with_service_account_coordinates(
        records: list[PullRecord], gate: bool, pulls: bool) -> None:
    # TestEnsureImageExistsWithServiceAccountCoordinates: upstream's tracking mock decides; ours
    # are real records, the pod's account being the one the plugin answered with.
    env = Env(config(serialized=True, gate=gate))
    recorded_for_account(env, records)
    attempt = env.attempt(with_account(make_pod(), TEST_SA),
                          Container("container_name", "present_image", "IfNotPresent"))
    assert attempt.calls == ((GET, PULL) if pulls else (GET,))


# --- two pods, one image ------------------------------------------------------------------------


def test_image_pulled_by_another_pod_ends_this_pods_backoff() -> None:
    # TestParallelPodPullingTimeRecorderWithErr: two pods pull missing_image; pod 1's pull
    # succeeds, pod 2's fails. On the next attempt both use the image on the node without a
    # pull: the presence check comes before the back-off check.
    env = Env(config(serialized=False, gate=True))
    container = Container("container_name", "missing_image", "IfNotPresent")
    pod1, pod2 = make_pod(name="test_pod1", uid="bar1"), make_pod(name="test_pod2", uid="bar2")
    env.clock += 1
    first = env.kubelet.ensure_image(pod1, container, lambda: env.clock)
    second = env.kubelet.ensure_image(pod2, container, lambda: env.clock)
    next(first), next(second)  # both found no image and wait for the puller
    ref = parse_reference("missing_image:latest")
    env.node.add_image(ref, PULLED, PULLED.manifest_digest)  # what the runtime did for pod 1
    env.node.records[f"{ref.name}@{PULLED.manifest_digest}"] = [PullRecord(node_wide=True)]
    with pytest.raises(StopIteration) as done:
        first.send(outcome(None))
    assert done.value.value.ok
    with pytest.raises(StopIteration) as done:
        second.send(outcome("pull image error"))
    assert done.value.value.reason == "ErrImagePull"
    # Upstream retries at the same instant, while pod 2 is still in back-off.
    assert env.kubelet.backoff.in_backoff("bar2_missing_image", env.clock)
    env.clock -= 1  # attempt() steps the clock 1 s; stay at the same instant
    for pod in (pod1, pod2):
        attempt = env.attempt(pod, container)
        assert (attempt.error, attempt.calls, attempt.reasons) == CACHED[:3]


# --- TestMaxParallelImagePullsLimit, through the simulator's puller ------------------------------


def seven_pods() -> str:
    return "\n---\n".join(
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n"
        f"    - name: c\n      image: nginx:1.25\n      imagePullPolicy: Always\n"
        for i in range(7))


@pytest.mark.parametrize(("kubelet", "at_once"), [
    pytest.param(KubeletConfig(serialize_image_pulls=False, max_parallel_image_pulls=5), 5,
                 id="maxParallelImagePulls 5"),
    pytest.param(KubeletConfig(serialize_image_pulls=True), 1, id="serialized"),
    pytest.param(KubeletConfig(serialize_image_pulls=False), 7, id="parallel, no limit"),
])
def test_puller_runs_at_most_the_configured_number_of_pulls_at_once(
        kubelet: KubeletConfig, at_once: int) -> None:
    nginx = Repository("library/nginx", {"pulled-1": PULLED}, {"1.25": "pulled-1"})
    hub = Registry("docker.io", bandwidth=10_000_000, repositories={"library/nginx": nginx})
    scenario = Scenario("limit", nodes=(Node("node-1"),), registries=(hub,), kubelet=kubelet)
    trace = simulate(load_manifests(seven_pods()), scenario)
    pulls = trace.pulls
    assert len(pulls) == 7 and all(p.outcome == "pulled" for p in pulls)
    assert sum(1 for p in pulls if p.started == p.requested) == at_once
    for pull in pulls:  # never more than the limit running at any start
        running = sum(1 for p in pulls if p.started <= pull.started < p.finished)
        assert running <= at_once
