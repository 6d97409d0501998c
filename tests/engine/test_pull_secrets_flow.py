"""Who gets which credentials, end to end through `simulate` (KUBERNETES.md §7, §8, §9).

Each test pastes Secrets, ServiceAccounts and Pods as a learner would and reads the outcome from
the trace: the pod's status, the events, and each pull's `tried` list (the usernames the kubelet
tried, in order) and registry exchange.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest

from sandbox.engine import load_manifests, simulate
from sandbox.engine.trace import Pull, Trace
from sandbox.engine.world import Account, Image, Layer, Node, Registry, Repository, Scenario

PRIVATE = "registry.company.com/webapp:v2"
WEBAPP = Image("build-2", (Layer("debian-12", 48_000_000), Layer("app-2", 1_000_000)))
NGINX = Image("1.25", (Layer("debian-bookworm-slim", 29_000_000), Layer("nginx-1.25", 41_000_000)))


def world() -> Scenario:
    company = Registry(
        "registry.company.com", private=True,
        accounts=(Account("myuser", "mypass123"), Account("ci-robot", "robot-pass")),
        repositories={"webapp": Repository("webapp", {"build-2": WEBAPP}, {"v2": "build-2"})})
    hub = Registry("docker.io", repositories={
        "library/nginx": Repository("library/nginx", {"1.25": NGINX}, {"1.25": "1.25"})})
    return Scenario("pull secrets", nodes=(Node("node-1"),), registries=(hub, company))


def docker_config_secret(name: str, username: str, password: str, *,
                         namespace: str = "default", server: str = "registry.company.com") -> str:
    config = json.dumps({"auths": {server: {"username": username, "password": password}}})
    return f"""\
apiVersion: v1
kind: Secret
metadata: {{name: {name}, namespace: {namespace}}}
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{config}'
---
"""


def pod(*, secrets: tuple[str, ...] | None = None, account: str | None = None,
        image: str = PRIVATE, namespace: str = "default", name: str = "web") -> str:
    lines = [f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}}}",
             "spec:"]
    if account is not None:
        lines.append(f"  serviceAccountName: {account}")
    if secrets is not None:
        lines.append("  imagePullSecrets: [" + ", ".join(f"{{name: {s}}}" for s in secrets) + "]")
    lines.append(f'  containers:\n    - {{name: web, image: "{image}"}}')
    return "\n".join(lines) + "\n---\n"


def service_account(name: str, secrets: tuple[str, ...], namespace: str = "default") -> str:
    listed = ", ".join(f"{{name: {s}}}" for s in secrets)
    return (f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, "
            f"namespace: {namespace}}}\nimagePullSecrets: [{listed}]\n---\n")


def run(manifest: str) -> Trace:
    return simulate(load_manifests(manifest), world())


def first_pull(trace: Trace) -> Pull:
    assert trace.pulls, "nothing was pulled"
    return trace.pulls[0]


def failed_pull_messages(trace: Trace) -> list[str]:
    return [e.message for e in trace.events
            if e.reason == "Failed" and e.message.startswith("Failed to pull image")]


# --- §7: the pod's own imagePullSecrets and the ServiceAccount admission plugin ------------------


def test_pod_image_pull_secrets_authenticate_the_pull() -> None:
    trace = run(docker_config_secret("regcred", "myuser", "mypass123") + pod(secrets=("regcred",)))
    assert trace.pods[0].status == "Running"
    pull = first_pull(trace)
    assert (pull.outcome, pull.username, pull.tried) == ("pulled", "myuser", ("myuser",))
    assert [e.response for e in pull.exchanges if e.actor == "auth"] == ["200 OK (token)"]


def test_service_account_pull_secrets_are_copied_when_the_pod_lists_none() -> None:
    manifest = (docker_config_secret("regcred", "myuser", "mypass123")
                + service_account("builder", ("regcred",)) + pod(account="builder"))
    trace = run(manifest)
    assert trace.pods[0].status == "Running"
    assert first_pull(trace).tried == ("myuser",)


def test_the_default_service_account_lends_its_pull_secrets_to_a_pod_without_an_account() -> None:
    manifest = (docker_config_secret("regcred", "myuser", "mypass123")
                + service_account("default", ("regcred",)) + pod())
    trace = run(manifest)
    assert trace.pods[0].status == "Running"
    assert first_pull(trace).username == "myuser"


def test_service_account_secrets_are_not_merged_into_a_pod_that_lists_its_own() -> None:
    manifest = (docker_config_secret("regcred", "myuser", "mypass123")
                + docker_config_secret("old", "former-employee", "revoked")
                + service_account("builder", ("regcred",))
                + pod(account="builder", secrets=("old",)))
    trace = run(manifest)
    assert trace.pods[0].status in ("ErrImagePull", "ImagePullBackOff")
    assert {p.tried for p in trace.pulls} == {("former-employee",)}


def test_a_missing_service_account_forbids_the_create() -> None:
    trace = run(docker_config_secret("regcred", "myuser", "mypass123")
                + pod(account="builder", secrets=("regcred",)))
    assert trace.pods == () and trace.pulls == ()
    assert trace.warnings[-1] == (
        'Error from server (Forbidden): error when creating "STDIN": pods "web" is forbidden: '
        'error looking up service account default/builder: serviceaccount "builder" not found')


def test_a_missing_service_account_is_a_failed_create_for_a_deployment() -> None:
    manifest = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: builder
      containers: [{name: web, image: "nginx:1.25"}]
"""
    trace = run(manifest)
    assert trace.pods == ()
    assert trace.warnings
    assert all(w.startswith("ReplicaSet/web-") and ": Error creating: pods \"web-" in w
               and 'serviceaccount "builder" not found' in w for w in trace.warnings)


def test_a_secret_is_read_only_from_the_pods_own_namespace() -> None:
    manifest = (docker_config_secret("regcred", "myuser", "mypass123", namespace="other")
                + pod(secrets=("regcred",)))
    trace = run(manifest)
    missing = [e.message for e in trace.events if e.reason == "FailedToRetrieveImagePullSecret"]
    assert missing[0] == ("Unable to retrieve some image pull secrets (regcred); attempting to "
                          "pull the image may not succeed.")
    assert {e.type for e in trace.events if e.reason == "FailedToRetrieveImagePullSecret"} == {
        "Warning"}
    # The pull went on, anonymously, and the private registry refused it.
    pull = first_pull(trace)
    assert pull.tried == () and pull.outcome == "failed"
    assert "pull access denied" in (pull.error or "")


def test_missing_secrets_are_named_together_in_one_event_while_found_ones_are_used() -> None:
    manifest = (docker_config_secret("regcred", "myuser", "mypass123")
                + pod(secrets=("gone", "regcred", "also-gone")))
    trace = run(manifest)
    events = [e for e in trace.events if e.reason == "FailedToRetrieveImagePullSecret"]
    assert events[0].message == ("Unable to retrieve some image pull secrets (gone, also-gone); "
                                 "attempting to pull the image may not succeed.")
    assert trace.pods[0].status == "Running"
    assert first_pull(trace).username == "myuser"


# --- §9: every matching credential, in order, until one works ------------------------------------


def test_matching_credentials_are_tried_in_order_until_one_works() -> None:
    manifest = (docker_config_secret("a-stale", "former-employee", "revoked")
                + docker_config_secret("b-current", "myuser", "mypass123")
                + pod(secrets=("a-stale", "b-current")))
    trace = run(manifest)
    assert trace.pods[0].status == "Running"
    pull = first_pull(trace)
    assert pull.tried == ("former-employee", "myuser")
    assert pull.username == "myuser"
    tokens = [(e.request, e.response) for e in pull.exchanges if e.actor == "auth"]
    assert tokens == [
        ("GET token?scope=repository:webapp:pull as former-employee", "401 Unauthorized"),
        ("GET token?scope=repository:webapp:pull as myuser", "200 OK (token)"),
    ]


def test_credentials_after_the_one_that_worked_are_not_tried() -> None:
    manifest = (docker_config_secret("a-current", "myuser", "mypass123")
                + docker_config_secret("b-stale", "former-employee", "revoked")
                + pod(secrets=("a-current", "b-stale")))
    trace = run(manifest)
    pull = first_pull(trace)
    assert pull.username == "myuser"
    assert [e.request for e in pull.exchanges if e.actor == "auth"] == [
        "GET token?scope=repository:webapp:pull as myuser"]
    assert pull.tried == ("myuser",)


def test_more_specific_registry_keys_are_tried_before_the_bare_host() -> None:
    manifest = (docker_config_secret("host-wide", "former-employee", "revoked")
                + docker_config_secret("webapp-only", "ci-robot", "robot-pass",
                                       server="registry.company.com/webapp")
                + pod(secrets=("host-wide", "webapp-only")))
    trace = run(manifest)
    pull = first_pull(trace)
    assert pull.tried[0] == "ci-robot" and pull.username == "ci-robot"


def test_when_every_credential_fails_the_errors_are_one_aggregated_failure() -> None:
    manifest = (docker_config_secret("a", "former-employee", "revoked")
                + docker_config_secret("b", "intern", "guessed")
                + pod(secrets=("a", "b")))
    trace = run(manifest)
    assert trace.pods[0].status in ("ErrImagePull", "ImagePullBackOff")
    pull = first_pull(trace)
    assert pull.outcome == "failed" and pull.tried == ("former-employee", "intern")
    # One pull attempt, one Failed event: the two identical token refusals collapse into one
    # text, as Go's aggregate error does.
    attempts = [p for p in trace.pulls if p.requested == pull.requested]
    assert len(attempts) == 1
    single = run(docker_config_secret("a", "former-employee", "revoked") + pod(secrets=("a",)))
    assert failed_pull_messages(trace)[0] == failed_pull_messages(single)[0]
    assert "failed to fetch oauth token" in failed_pull_messages(trace)[0]


def test_no_anonymous_retry_after_credentialed_failures() -> None:
    manifest = docker_config_secret("a", "former-employee", "revoked") + pod(secrets=("a",))
    trace = run(manifest)
    for pull in trace.pulls:
        assert pull.tried == ("former-employee",)
        assert not any("anonymous" in e.request for e in pull.exchanges)
    assert "pull access denied" not in failed_pull_messages(trace)[0]


@pytest.mark.parametrize("server", ["https://index.docker.io/v1/", "docker.io"])
def test_wrong_credentials_break_even_a_public_docker_hub_image(server: str) -> None:
    manifest = (docker_config_secret("hub", "someone", "wrong-password", server=server)
                + pod(image="nginx:1.25", secrets=("hub",)))
    trace = run(manifest)
    assert trace.pods[0].status in ("ErrImagePull", "ImagePullBackOff")
    assert first_pull(trace).tried == ("someone",)
    assert "failed to authorize: failed to fetch oauth token" in failed_pull_messages(trace)[0]
    anonymous = run(pod(image="nginx:1.25"))
    assert anonymous.pods[0].status == "Running"


# --- §8: secret types ----------------------------------------------------------------------------


@pytest.mark.parametrize("entry", [
    {"auth": base64.b64encode(b"myuser:mypass123").decode()},
    {"username": "myuser", "password": "mypass123"},
])
def test_a_legacy_dockercfg_secret_authenticates_the_pull(entry: dict[str, str]) -> None:
    cfg = json.dumps({"registry.company.com": entry})
    manifest = f"""\
apiVersion: v1
kind: Secret
metadata: {{name: legacy}}
type: kubernetes.io/dockercfg
data:
  .dockercfg: {base64.b64encode(cfg.encode()).decode()}
---
""" + pod(secrets=("legacy",))
    trace = run(manifest)
    assert trace.pods[0].status == "Running"
    assert first_pull(trace).username == "myuser"


@pytest.mark.parametrize("key", [".dockerconfigjson", ".dockercfg"])
def test_opaque_secrets_are_ignored_even_with_a_docker_config_key(key: str) -> None:
    type_ = "Opaque"
    entry = {"username": "myuser", "password": "mypass123"}
    config = json.dumps({"auths": {"registry.company.com": entry}} if key == ".dockerconfigjson"
                        else {"registry.company.com": entry})
    manifest = f"""\
apiVersion: v1
kind: Secret
metadata: {{name: regcred}}
type: {type_}
data:
  {key}: {base64.b64encode(config.encode()).decode()}
---
""" + pod(secrets=("regcred",))
    trace = run(manifest)
    assert trace.pods[0].status in ("ErrImagePull", "ImagePullBackOff")
    pull = first_pull(trace)
    assert pull.tried == ()  # nothing usable: the pull was anonymous
    assert "pull access denied" in (pull.error or "")
    # The secret exists, so it is not reported as missing.
    assert "FailedToRetrieveImagePullSecret" not in [e.reason for e in trace.events]


def test_node_credentials_are_tried_after_the_pods_own() -> None:
    node = Node("node-1", credentials={
        "registry.company.com": {"username": "ci-robot", "password": "robot-pass"}})
    manifest = docker_config_secret("a", "former-employee", "revoked") + pod(secrets=("a",))
    trace = simulate(load_manifests(manifest), replace(world(), nodes=(node,)))
    pull = first_pull(trace)
    assert pull.tried == ("former-employee", "ci-robot")
    assert pull.username == "ci-robot" and trace.pods[0].status == "Running"
