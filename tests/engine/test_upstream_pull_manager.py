"""KEP-2535 pull records against upstream's own pull manager tests (KUBERNETES.md §12).

Ported from kubernetes `pkg/kubelet/images/pullmanager`: the
`TestFileBasedImagePullManager_MustAttemptImagePull` table, `TestPreloadedImageNotPoisonedByPull
FromDifferentRepo`, `Test_pulledRecordMergeNewCreds`, and
`image_pull_policies_test.go` (TestNeverVerifyPreloadedPullPolicy,
TestNewNeverVerifyAllowListedPullPolicy). Upstream's on-disk record files become explicit
`NodeRuntime.records` / `NodeRuntime.pulled` here:

* an `ImagePulledRecord` for the image's name is a list of `PullRecord`s under `name@digest`;
* a record with an empty credential mapping is an empty list;
* an image known only through a pull intent (the kubelet pulled it, no record written) is an
  image ID in `pulled` with no records;
* "preloaded" (the image is there, no record, no intent) is an image added with `pulled=False`;
* an empty imageRef (the image is not on the node) is an image the node does not hold.

`may_use_cached` answers the opposite question of MustAttemptImagePull: may the pod use the
cached image (True) rather than must the kubelet pull (True). Upstream's credential hashes are
labels ("testsecrethash"); here each label is the hash of a credential with that password.
A pod's service account (KEP-4412) is the coordinates a token-based credential provider
answered with: a keyring part (`Keyring.from_lookup`) whose credential carries them, as
upstream's podServiceAccount. Whether upstream asked for the pod's credentials lazily
(`wantPodCredsRequested`) has no counterpart: our kubelet always has the pod's keyring at hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from sandbox.engine.credentials import Credential, Keyring, ServiceAccountRef
from sandbox.engine.kubelet import (
    NodeRuntime,
    PodContext,
    PodSecret,
    PullRecord,
    credential_hash,
    default_secret_uid,
    may_use_cached,
    record_for,
    remember_secret,
    requires_verification,
    secret_uid,
)
from sandbox.engine.manifests import load_manifests
from sandbox.engine.reference import parse_reference
from sandbox.engine.world import Image, KubeletConfig, Layer, Node

IMAGE = "docker.io/testing/test:latest"
CONTENT = Image("test-1", (Layer("test-base", 1_000_000),))
DIGEST = CONTENT.manifest_digest
IMAGE_ID = f"docker.io/testing/test@{DIGEST}"

NVP, ALWAYS, NEVER = "NeverVerifyPreloadedImages", "AlwaysVerify", "NeverVerify"



def hashed(label: str) -> str:
    """Upstream's hash label as the hash of a credential whose password is that label."""
    return credential_hash(Credential("user", label))


# --- the harness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A pull secret of the pod: coordinates plus the label of the credential it holds."""

    namespace: str
    name: str
    uid: str
    label: str


def make_pod(*secrets: Secret, registry: str = "docker.io",
             account: ServiceAccountRef | None = None) -> PodContext:
    """A pod in the secrets' namespace whose secrets hold a credential for `registry` each;
    with `account`, a credential provider plugin also answers with that service account's
    token (KEP-4412), as upstream's podServiceAccount."""
    namespace = secrets[0].namespace if secrets else "default"
    assert all(s.namespace == namespace for s in secrets), "a pod's secrets share its namespace"
    objects = [{"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
                "metadata": {"name": s.name, "namespace": s.namespace, "uid": s.uid},
                "stringData": {".dockerconfigjson": json.dumps(
                    {"auths": {registry: {"username": "user", "password": s.label}}})}}
               for s in secrets]
    keyring = Keyring.from_pull_secrets(objects, strict=True)
    if account is not None:
        answer = Credential("sa-user", "sa-token", registry_key=registry, source="provider test",
                            service_account=account)
        keyring += Keyring.from_lookup(lambda name: [answer])
    return PodContext(f"{namespace}/pod", "pod-uid", namespace,
                      tuple(s.name for s in secrets), keyring,
                      secret_uids=tuple((s.name, s.uid) for s in secrets))


def config(policy: str, allowlist: tuple[str, ...] = ()) -> KubeletConfig:
    return KubeletConfig(ensure_secret_pulled_images=True, verification_policy=policy,
                         preloaded_images_verification_allowlist=allowlist)


def node_holding(image: str, *, pulled: bool, records: list[PullRecord] | None = None,
                 policy: str = NVP) -> NodeRuntime:
    """A node with `image` on it; `records` (None: no record at all) under its image ID."""
    node = NodeRuntime.start(Node("node-1"), config(policy))
    ref = parse_reference(image)
    node.add_image(ref, CONTENT, DIGEST, pulled=pulled)
    if records is not None:
        node.records[f"{ref.name}@{DIGEST}"] = list(records)
    return node


def secret_record(namespace: str, name: str, uid: str, credential: str) -> PullRecord:
    return PullRecord(secret=(namespace, name), uid=uid, credential=credential)


# The upstream testdata records, as records for docker.io/testing/test.
WITH_SECRET = [secret_record("default", "pull-secret", "testsecretuid", hashed("testsecrethash"))]
BROKEN_HASH = [secret_record("default", "pull-secret", "testsecretuid", "")]
NODE_WIDE = [PullRecord(node_wide=True)]

EXACT = Secret("default", "pull-secret", "testsecretuid", "testsecrethash")
ROTATED = Secret("default", "pull-secret", "testsecretuid", "differenthash")
RECREATED = Secret("default", "pull-secret", "different uid", "differenthash")
OTHER_NS = Secret("differentns", "pull-secret", "testsecretuid", "differenthash")
OTHER_NS_SAME_CREDENTIAL = Secret("differentns", "pull-secret", "testsecretuid",
                                  "testsecrethash")


# --- TestFileBasedImagePullManager_MustAttemptImagePull ------------------------------------------

# (policy, pod secrets, image asked for, node state, may use the cached image, records after)
# node state: "recorded" (pulled, records given), "intent" (pulled, no record), "preloaded",
# "absent". records after: None when the case leaves them as they were.
MUST_ATTEMPT = [
    pytest.param(NVP, [EXACT], IMAGE, ("recorded", WITH_SECRET), True, None,
                 id="image exists and is recorded with pod's exact secret"),
    pytest.param(NVP, [], IMAGE, ("recorded", WITH_SECRET), False, None,
                 id="image exists and is recorded, no pod secrets"),
    pytest.param(NVP, [ROTATED], IMAGE, ("recorded", WITH_SECRET), True,
                 [secret_record("default", "pull-secret", "testsecretuid",
                                hashed("differenthash"))],
                 id="image exists and is recorded with the same secret but different "
                    "credential hash"),
    pytest.param(NVP, [RECREATED], IMAGE, ("recorded", WITH_SECRET), False, None,
                 id="image exists and is recorded with a different secret with a different UID"),
    pytest.param(NVP, [OTHER_NS], IMAGE, ("recorded", WITH_SECRET), False, None,
                 id="image exists and is recorded with a different secret"),
    pytest.param(NVP, [OTHER_NS_SAME_CREDENTIAL], IMAGE, ("recorded", WITH_SECRET), True,
                 [*WITH_SECRET, secret_record("differentns", "pull-secret", "testsecretuid",
                                              hashed("testsecrethash"))],
                 id="image exists and is recorded with a different secret with the same "
                    "credential hash"),
    pytest.param(NVP, [EXACT], "docker.io/testing/different:latest", ("recorded", WITH_SECRET),
                 True, None,
                 id="image exists but the pull is recorded with a different image name but "
                    "with the exact same secret"),
    pytest.param(NVP, [], IMAGE, ("recorded", []), False, None,
                 id="image exists and is recorded with empty credential mapping"),
    pytest.param(NVP, [], IMAGE, ("absent", None), False, None,
                 id="image does not exist and there are no records of it"),
    pytest.param(NVP, [], IMAGE, ("preloaded", None), True, None,
                 id="image exists and there are no records of it with NeverVerifyPreloadedImages "
                    "pull policy"),
    pytest.param(ALWAYS, [], IMAGE, ("preloaded", None), False, None,
                 id="image exists and there are no records of it with AlwaysVerify pull policy"),
    pytest.param(NVP, [EXACT], IMAGE, ("intent", None), False, None,
                 id="image exists but is only recorded via pulling intent"),
    pytest.param(NEVER, [EXACT], IMAGE, ("intent", None), True, None,
                 id="image exists but is only recorded via pulling intent - NeverVerify policy"),
    pytest.param(NVP, [], IMAGE, ("recorded", NODE_WIDE), True, None,
                 id="image exists and is recorded as node-accessible, no pod secrets"),
    pytest.param(NVP, [EXACT], IMAGE, ("recorded", NODE_WIDE), True, None,
                 id="image exists and is recorded as node-accessible, request with pod secrets"),
    pytest.param(NVP, [OTHER_NS], IMAGE, ("recorded", BROKEN_HASH), False, None,
                 id="image exists and is recorded with empty hash as its hashing originally "
                    "failed, the same fail for a different pod secret"),
    pytest.param(NVP, [], IMAGE, ("recorded", WITH_SECRET), False, None,
                 id="image exists and is recorded, no pod service accounts"),
]


def _node_for(image: str, state: tuple[str, list[PullRecord] | None], policy: str
              ) -> NodeRuntime:
    kind, records = state
    if kind == "absent":
        return NodeRuntime.start(Node("node-1"), config(policy))
    if kind == "recorded":
        # The records are for docker.io/testing/test, whatever name the pod asks for; the same
        # content also sits on the node under the asked name, put there by someone else.
        node = node_holding(IMAGE, pulled=True, records=records, policy=policy)
        if parse_reference(image).name != parse_reference(IMAGE).name:
            node.add_image(parse_reference(image), CONTENT, DIGEST, pulled=False)
        return node
    return node_holding(image, pulled=kind == "intent", policy=policy)


@pytest.mark.parametrize(("policy", "secrets", "image", "state", "usable", "after"),
                         MUST_ATTEMPT)
def test_must_attempt_image_pull(policy: str, secrets: list[Secret], image: str,
                                 state: tuple[str, list[PullRecord] | None], usable: bool,
                                 after: list[PullRecord] | None) -> None:
    node = _node_for(image, state, policy)
    before = {key: list(value) for key, value in node.records.items()}
    allowed, why = may_use_cached(node, parse_reference(image), make_pod(*secrets),
                                  config(policy))
    assert allowed is usable, why
    assert node.records == (before if after is None else {IMAGE_ID: after})


def test_empty_recorded_hash_still_matches_the_same_secret_coordinates() -> None:
    # "...the same fail for the same pod secret": upstream's pod-side hash is empty too, which
    # our hashing never produces; the coordinates match all the same, so the pod may use the
    # image, and the record learns the pod's (real) hash instead of the empty one.
    node = node_holding(IMAGE, pulled=True, records=BROKEN_HASH)
    pod_secret = Secret("default", "pull-secret", "testsecretuid", "whatever")
    allowed, why = may_use_cached(node, parse_reference(IMAGE), make_pod(pod_secret), config(NVP))
    assert allowed, why
    assert node.records[IMAGE_ID] == [
        secret_record("default", "pull-secret", "testsecretuid", hashed("whatever"))]


def test_an_empty_recorded_hash_is_never_matched_by_hash() -> None:
    # The hash comparison requires a non-empty recorded hash (hashing may have failed).
    node = node_holding(IMAGE, pulled=True, records=BROKEN_HASH)
    blank = PodContext("default/pod", "pod-uid", "default", (), Keyring())
    assert may_use_cached(node, parse_reference(IMAGE), blank, config(NVP))[0] is False


TEST_SA = ServiceAccountRef("default", "test-sa", "test-sa-uid")
WITH_SA = [PullRecord(service_account=TEST_SA)]


@pytest.mark.parametrize(("policy", "account", "image", "state", "usable"), [
    pytest.param(NVP, TEST_SA, IMAGE, ("recorded", WITH_SA), True,
                 id="image exists and is recorded with pod's exact service account"),
    pytest.param(NVP, ServiceAccountRef("default", "test-sa", "different-sa-uid"), IMAGE,
                 ("recorded", WITH_SA), False,
                 id="image exists and is recorded with a different service account with "
                    "different UID"),
    pytest.param(NVP, ServiceAccountRef("different-ns", "test-sa", "test-sa-uid"), IMAGE,
                 ("recorded", WITH_SA), False,
                 id="image exists and is recorded with a different service account with "
                    "different namespace"),
    pytest.param(NVP, TEST_SA, "docker.io/testing/different:latest", ("recorded", WITH_SA),
                 True, id="image exists but the pull is recorded with a different image name but "
                          "with the exact same service account"),
    pytest.param(NVP, TEST_SA, IMAGE, ("intent", None), False,
                 id="image exists but is only recorded via pulling intent with service account"),
    pytest.param(NEVER, TEST_SA, IMAGE, ("intent", None), True,
                 id="image exists but is only recorded via pulling intent with service account - "
                    "NeverVerify policy"),
    pytest.param(NVP, TEST_SA, IMAGE, ("recorded", NODE_WIDE), True,
                 id="image exists and is recorded as node-accessible, request with pod service "
                    "accounts"),
])
def test_must_attempt_image_pull_with_service_accounts(
        policy: str, account: ServiceAccountRef, image: str,
        state: tuple[str, list[PullRecord] | None], usable: bool) -> None:
    # The pod's service account is what a token-based credential provider answered with for
    # the image (the first such credential of the keyring lookup, as the kubelet takes it).
    node = _node_for(image, state, policy)
    before = {key: list(value) for key, value in node.records.items()}
    allowed, why = may_use_cached(node, parse_reference(image), make_pod(account=account),
                                  config(policy))
    assert allowed is usable, why
    assert node.records == before  # a service-account match writes nothing back


def test_a_service_account_record_does_not_vouch_for_a_pod_with_only_secrets() -> None:
    # The other direction of "recorded, no pod service accounts": a pod whose secret holds a
    # credential for the image, but no service account, may not use an image a plugin pulled.
    node = node_holding(IMAGE, pulled=True, records=WITH_SA)
    assert may_use_cached(node, parse_reference(IMAGE), make_pod(EXACT), config(NVP))[0] is False


def test_a_secret_offered_for_another_registry_does_not_vouch_for_the_image() -> None:
    # Upstream compares the records with the pod's secrets that the keyring returns for the
    # image, not with every secret the pod names: same coordinates, but no credential for
    # docker.io, so nothing to compare.
    node = node_holding(IMAGE, pulled=True, records=WITH_SECRET)
    other = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
             "metadata": {"name": "pull-secret", "namespace": "default", "uid": "testsecretuid"},
             "stringData": {".dockerconfigjson": json.dumps(
                 {"auths": {"quay.io": {"username": "user", "password": "testsecrethash"}}})}}
    pod = PodContext("default/pod", "pod-uid", "default", ("pull-secret",),
                     Keyring.from_pull_secrets([other], strict=True),
                     secret_uids=(("pull-secret", "testsecretuid"),))
    assert may_use_cached(node, parse_reference(IMAGE), pod, config(NVP))[0] is False


def test_matches_stop_being_written_back_past_the_record_limit() -> None:
    # writeRecordWhileMatchingLimit: with 100 secrets recorded, a hash match from yet another
    # secret still lets the pod use the image but is no longer added to the record.
    crowd = [secret_record("ns", f"s{i}", f"uid{i}", hashed(f"h{i}")) for i in range(100)]
    node = node_holding(IMAGE, pulled=True, records=crowd)
    pod = make_pod(Secret("other", "copy", "copy-uid", "h7"))
    assert may_use_cached(node, parse_reference(IMAGE), pod, config(NVP))[0] is True
    assert node.records[IMAGE_ID] == crowd


# --- TestPreloadedImageNotPoisonedByPullFromDifferentRepo -----------------------------------------


def test_preloaded_image_not_poisoned_by_a_pull_from_a_different_repository() -> None:
    # Issue 138175: repository X is preloaded; the same content is pulled with a secret from
    # repository Y; a pod without credentials may still use X's preloaded image.
    public = parse_reference("quay.io/mowsiany/qa-multi-arch:foo")
    private = parse_reference("quay.io/mowsiany/qa-multi-arch-priv:foo")
    node = NodeRuntime.start(Node("node-1"), config(NVP))
    node.add_image(public, CONTENT, DIGEST, pulled=False)
    nobody = make_pod()
    assert may_use_cached(node, public, nobody, config(NVP))[0] is True

    owner = make_pod(Secret("t", "mowsiany-robot1-pull-secret",
                            "3d2a7cfc-3554-49b5-9fdb-7da367b705e3", "robot"), registry="quay.io")
    credential = owner.keyring.lookup(private)[0]
    node.add_image(private, CONTENT, DIGEST)
    node.records.setdefault(f"{private.name}@{DIGEST}", []).append(record_for(credential, owner))
    assert node.records[f"{private.name}@{DIGEST}"][0].uid == \
        "3d2a7cfc-3554-49b5-9fdb-7da367b705e3"

    assert may_use_cached(node, public, nobody, config(NVP))[0] is True
    assert may_use_cached(node, private, nobody, config(NVP))[0] is False


# --- Test_pulledRecordMergeNewCreds (secrets) ----------------------------------------------------

RECORD_1 = secret_record("namespace1", "name1", "uid1", "hash1")
RECORD_2 = secret_record("namespace2", "name2", "uid2", "hash2")


@pytest.mark.parametrize(("existing", "merged", "expected"), [
    pytest.param([], PodSecret("newnamespace", "newname", "newuid", "newhash"),
                 [secret_record("newnamespace", "newname", "newuid", "newhash")],
                 id="create a new image record"),
    pytest.param([RECORD_1], PodSecret("newnamespace", "newname", "newuid", "newhash"),
                 [RECORD_1, secret_record("newnamespace", "newname", "newuid", "newhash")],
                 id="merge with an existing image secret"),
    pytest.param([RECORD_1, RECORD_2], PodSecret("namespace2", "name2", "uid2", "newhash"),
                 [RECORD_1, secret_record("namespace2", "name2", "uid2", "newhash")],
                 id="new creds have the same secret coordinates but a different hash"),
    pytest.param([RECORD_1, RECORD_2], PodSecret("namespace2", "name3", "uid3", "hash2"),
                 [RECORD_1, RECORD_2, secret_record("namespace2", "name3", "uid3", "hash2")],
                 id="new creds have the same hash but a different coordinates"),
    pytest.param([PullRecord(node_wide=True)],
                 PodSecret("any-namespace", "any-name", "any-uid", "any-hash"),
                 [PullRecord(node_wide=True)],
                 id="no update when image already marked as node-accessible with secrets"),
])
def test_pulled_record_merge_new_secret(existing: list[PullRecord], merged: PodSecret,
                                        expected: list[PullRecord]) -> None:
    # Upstream also sorts the merged secrets; ours keep their order, which no decision reads.
    node = NodeRuntime.start(Node("node-1"), config(NVP))
    if existing:
        node.records["img"] = list(existing)
    remember_secret(node, "img", merged)
    assert node.records["img"] == expected


SA_1 = ServiceAccountRef("default", "sa1", "sa-uid1")
NEW_SA = ServiceAccountRef("default", "new-sa", "new-sa-uid")
SECRET_1 = secret_record("kube-system", "secret1", "secret-uid1", "secret-hash1")
SA_2 = PullRecord(service_account=ServiceAccountRef("kube-system", "sa2", "sa-uid2"))


def sa(account: ServiceAccountRef) -> PullRecord:
    return PullRecord(service_account=account)


@pytest.mark.parametrize(("existing", "merged", "expected"), [
    pytest.param([], [sa(NEW_SA)], [sa(NEW_SA)],
                 id="create a new image record with service accounts"),
    pytest.param([sa(SA_1)], [sa(ServiceAccountRef("kube-system", "new-sa", "new-sa-uid"))],
                 [sa(SA_1), sa(ServiceAccountRef("kube-system", "new-sa", "new-sa-uid"))],
                 id="merge with existing service account"),
    pytest.param([sa(SA_1)], [sa(SA_1)], [sa(SA_1)],
                 id="no update when service account is identical"),
    pytest.param([RECORD_1, RECORD_2], [sa(NEW_SA)], [RECORD_1, RECORD_2, sa(NEW_SA)],
                 id="add service account to image with only secrets"),
    pytest.param([sa(SA_1)], [secret_record("default", "new-secret", "new-secret-uid",
                                            "new-secret-hash")],
                 [sa(SA_1), secret_record("default", "new-secret", "new-secret-uid",
                                          "new-secret-hash")],
                 id="add secret to image with only service accounts"),
    pytest.param([SECRET_1, SA_2], [PullRecord(node_wide=True)], [PullRecord(node_wide=True)],
                 id="node-accessible overrides mixed credentials"),
    pytest.param([PullRecord(node_wide=True)],
                 [sa(ServiceAccountRef("any-namespace", "any-sa", "any-sa-uid"))],
                 [PullRecord(node_wide=True)],
                 id="no update when trying to add service account to node-accessible image"),
    pytest.param([], [sa(ServiceAccountRef("z-namespace", "z-sa", "sa-uid-z")),
                      sa(ServiceAccountRef("a-namespace", "a-sa", "sa-uid-a")),
                      sa(ServiceAccountRef("m-namespace", "m-sa", "sa-uid-m"))],
                 [sa(ServiceAccountRef("z-namespace", "z-sa", "sa-uid-z")),
                  sa(ServiceAccountRef("a-namespace", "a-sa", "sa-uid-a")),
                  sa(ServiceAccountRef("m-namespace", "m-sa", "sa-uid-m"))],
                 id="multiple service accounts with sorting verification"),
    pytest.param([sa(SA_1)], [sa(ServiceAccountRef("default", "sa1", "different-uid"))],
                 [sa(ServiceAccountRef("default", "sa1", "different-uid")), sa(SA_1)],
                 id="service account with same namespace and name but different UID"),
    pytest.param([RECORD_1, RECORD_2], [PullRecord(node_wide=True)],
                 [PullRecord(node_wide=True)], id="node-accessible overrides all secrets"),
    pytest.param([RECORD_1, RECORD_2], [secret_record("namespace1", "newname", "newuid",
                                                      "newhash")],
                 [RECORD_1, RECORD_2, secret_record("namespace1", "newname", "newuid",
                                                    "newhash")],
                 id="merge with existing image record secrets"),
])
def test_pulled_record_merge_new_credentials(existing: list[PullRecord],
                                             merged: list[PullRecord],
                                             expected: list[PullRecord]) -> None:
    # What a successful pull writes (NodeRuntime.remember). Upstream keeps secrets and service
    # accounts in two sorted lists; ours is one list in arrival order, which no decision reads,
    # so the comparison ignores order ("multiple ... with sorting verification" keeps the
    # order given, as upstream does for a new record).
    node = NodeRuntime.start(Node("node-1"), config(NVP))
    if existing:
        node.records["img"] = list(existing)
    for record in merged:
        node.remember("img", record)
    assert sorted(map(repr, node.records["img"])) == sorted(map(repr, expected))
    assert len(node.records["img"]) == len(expected)


# --- TestFileBasedImagePullManager_RecordImagePulled (what a pull leaves) -----------------------


def test_a_pull_without_a_pod_secret_records_the_image_as_node_wide() -> None:
    # "new pull record": NodePodsAccessible for an anonymous pull or node credentials.
    assert record_for(None) == PullRecord(node_wide=True)
    assert record_for(Credential("node-user", "pw", source="node")) == PullRecord(node_wide=True)


def test_a_pull_with_a_service_account_token_records_the_account() -> None:
    # trackedToImagePullCreds: a credential whose source is a ServiceAccount becomes
    # KubernetesServiceAccounts (namespace, name, UID); a plugin's answer without one is
    # node-wide, like node credentials.
    account = ServiceAccountRef("ns", "builder", "sa-uid")
    tokened = Credential("AWS", "t", source="provider ecr", service_account=account)
    assert record_for(tokened) == PullRecord(service_account=account)
    assert record_for(Credential("AWS", "t", source="provider ecr")) == PullRecord(node_wide=True)


def test_a_pull_with_a_pod_secret_records_its_coordinates_and_credential_hash() -> None:
    pod = make_pod(EXACT)
    credential = pod.keyring.lookup(parse_reference(IMAGE))[0]
    assert record_for(credential, pod) == WITH_SECRET[0]
    # Without the pod (or a UID it knows) the UID is the stable stand-in for namespace/name.
    assert record_for(credential).uid == default_secret_uid("default", "pull-secret")


def test_secret_uid_is_metadata_uid_or_a_stable_stand_in() -> None:
    with_uid, without_uid = load_manifests(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: ns, uid: abc-123}\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: ns}\n")
    assert secret_uid(with_uid) == "abc-123"
    assert secret_uid(without_uid) == default_secret_uid("ns", "b")
    assert default_secret_uid("ns", "a") == default_secret_uid("ns", "a")
    assert default_secret_uid("ns", "a") != default_secret_uid("ns2", "a")


# --- image_pull_policies_test.go --------------------------------------------------------------

POLICY_IMAGE = parse_reference("test.io/test/test-image:tag")


@pytest.mark.parametrize(("records_exist", "want"), [
    pytest.param(False, False, id="there are no records about the image being pulled"),
    pytest.param(True, True, id="there are records about the image being pulled"),
])
def test_never_verify_preloaded_pull_policy(records_exist: bool, want: bool) -> None:
    assert requires_verification(config(NVP), POLICY_IMAGE, records_exist) is want


@pytest.mark.parametrize(("records_exist", "allowlist", "want"), [
    pytest.param(False, ("test.io/test/image1", "test.io/test/image2", "test.io/test/image3"),
                 True, id="there are no records about the image being pulled, not in allowlist"),
    pytest.param(True, ("test.io/test/image1", "test.io/test/image3", "test.io/test/image2",
                        "test.io/test/image3"),
                 True, id="there are records about the image being pulled, not in allowlist"),
    pytest.param(False, ("test.io/test/image1", "test.io/test/image2", "test.io/test/test-image",
                         "test.io/test/image3"),
                 False, id="there are no records about the image being pulled, appears in "
                           "allowlist"),
    pytest.param(True, ("test.io/test/image1", "test.io/test/image2", "test.io/test/test-image",
                        "test.io/test/image3"),
                 False, id="there are records about the image being pulled, appears in "
                           "allowlist"),
    pytest.param(False, ("test.io/test/image1", "test.io/test/image2", "different.repo/test/*"),
                 True, id="there are no records about the image being pulled, not in allowlist "
                          "- different repo wildcard"),
    pytest.param(False, ("test.io/test/image1", "test.io/test/image2", "test.io/test/*"),
                 False, id="there are no records about the image being pulled, not in allowlist "
                           "- matches org wildcard"),
    pytest.param(False, ("test.io/test/image1", "test.io/test/image2", "test.io/*"),
                 False, id="there are no records about the image being pulled, not in allowlist "
                           "- matches repo wildcard"),
])
def test_never_verify_allowlisted_pull_policy(records_exist: bool, allowlist: tuple[str, ...],
                                              want: bool) -> None:
    # Upstream also counts the absolute and wildcard entries it parsed; ours keeps the entries
    # as written (validated by load_scenario, see test_upstream_kubelet_config_validation).
    allowlisted = config("NeverVerifyAllowlistedImages", allowlist)
    assert requires_verification(allowlisted, POLICY_IMAGE, records_exist) is want
    # The same through the whole decision: the pod has no credentials, so only an exemption
    # lets it use the image, whether preloaded or pulled by the kubelet with a secret.
    records = [secret_record("ns", "s", "uid", hashed("x"))] if records_exist else None
    node = node_holding(str(POLICY_IMAGE), pulled=records_exist, records=records)
    assert may_use_cached(node, POLICY_IMAGE, make_pod(), allowlisted)[0] is not want


def test_allowlist_matches_familiar_names_by_their_normalized_name() -> None:
    # kubernetes PR 137629: a pod's `alpine` matches the entry docker.io/library/alpine.
    allowlisted = config("NeverVerifyAllowlistedImages", ("docker.io/library/alpine",))
    assert requires_verification(allowlisted, parse_reference("alpine"), True) is False
    assert requires_verification(allowlisted, parse_reference("alpine:3.20"), True) is False
    assert requires_verification(allowlisted, parse_reference("alpinex"), True) is True


@pytest.mark.parametrize(("policy", "pulled", "want"), [
    (NEVER, True, False), (NEVER, False, False),
    (ALWAYS, True, True), (ALWAYS, False, True),
    ("SomethingElse", False, True),  # unknown: check everything (upstream refuses to start)
])
def test_never_and_always_verify_ignore_the_records(policy: str, pulled: bool, want: bool
                                                    ) -> None:
    assert requires_verification(config(policy), POLICY_IMAGE, pulled) is want
