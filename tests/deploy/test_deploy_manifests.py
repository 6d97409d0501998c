"""deploy/kubernetes/ is valid Kubernetes 1.37 and runs in Lunchbox's own simulator.

Every document validates strictly (unknown fields refused) against the Kubernetes 1.37 JSON
schemas that the kubernetes-validate package ships, so nothing is fetched. Then the kinds the
simulator models (Namespace, ServiceAccount, Deployment) are applied to tests/deploy/three-
nodes.yaml: three empty nodes, a private registry holding the pinned build, and the pull secret
an operator creates first. The other kinds (ConfigMap, Service, Ingress, PodDisruptionBudget)
are left out of the paste: the simulator refuses kinds it does not model, and none of them
changes how images are pulled. in-cluster/ (Redis, PostgreSQL) is schema-checked only: its
images are pinned to Docker Hub's real digests, which the simulator's catalogue, computing its
own digests, does not hold.

Documents are read with PyYAML, YAML 1.1 as kubectl reads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from sandbox.engine import Evaluation, Scenario, evaluate, load_scenario
from sandbox.engine.objects import OBJECT_KINDS
from sandbox.engine.registry import resolve_digest

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "deploy" / "kubernetes"
SCENARIO = Path(__file__).with_name("three-nodes.yaml")
KUBERNETES_VERSION = "1.37"
RELEASE_TAG = "registry.example.com/lunchbox:2026.11.1"
NOT_SIMULATED = {"ConfigMap", "Service", "Ingress", "PodDisruptionBudget"}
PULL_ERRORS = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
               "ImageInspectError", "RegistryUnavailable"}


def documents(directory: Path, pattern: str = "*.yaml") -> list[tuple[str, dict[str, Any]]]:
    """(`file#index`, object) for every document of the files `pattern` matches, in order."""
    found = []
    for path in sorted(directory.glob(pattern)):
        for index, document in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
            if document is not None:
                found.append((f"{path.relative_to(MANIFESTS)}#{index}", document))
    return found


ALL_DOCUMENTS = documents(MANIFESTS, "**/*.yaml")


def pod_templates() -> list[tuple[str, dict[str, Any]]]:
    return [(name, doc["spec"]["template"]["spec"]) for name, doc in ALL_DOCUMENTS
            if doc["kind"] in {"Deployment", "StatefulSet", "DaemonSet"}]


def the(kind: str) -> dict[str, Any]:
    (found,) = [doc for _, doc in documents(MANIFESTS) if doc["kind"] == kind]
    return found


def simulated_paste(leave_out: tuple[str, ...] = ()) -> str:
    """The top-level files' documents of modelled kinds, as one multi-document paste."""
    texts = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        kind = yaml.safe_load(text)["kind"]
        if kind in OBJECT_KINDS and kind not in leave_out:
            texts.append(text)
    return "---\n".join(texts)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def evaluation(scenario: Scenario) -> Evaluation:
    return evaluate(simulated_paste(), scenario)


# ------------------------------------------------------------------------- the API schema


@pytest.mark.parametrize(("name", "document"), ALL_DOCUMENTS, ids=[n for n, _ in ALL_DOCUMENTS])
def test_every_document_validates_strictly_against_the_kubernetes_1_37_schema(
        name: str, document: dict[str, Any]) -> None:
    used = kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    assert used == KUBERNETES_VERSION  # the package's own 1.37 schemas, not an older fallback


def test_strict_validation_refuses_a_misspelt_field() -> None:
    deployment = the("Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    misspelt = {**deployment, "spec": {**deployment["spec"], "template": {
        "metadata": deployment["spec"]["template"]["metadata"],
        "spec": {**deployment["spec"]["template"]["spec"],
                 "containers": [{**container, "imagePullPolcy": "IfNotPresent"}]}}}}
    with pytest.raises(kubernetes_validate.ValidationError, match="imagePullPolcy"):
        kubernetes_validate.validate(misspelt, KUBERNETES_VERSION, strict=True)


def test_only_unmodelled_kinds_are_left_out_of_the_simulation() -> None:
    kinds = {doc["kind"] for _, doc in documents(MANIFESTS)}
    assert kinds - set(OBJECT_KINDS) == NOT_SIMULATED
    assert {"Namespace", "ServiceAccount", "Deployment"} <= kinds


# ------------------------------------------------------------ written the way lessons teach


@pytest.mark.parametrize(("name", "spec"), pod_templates(), ids=[n for n, _ in pod_templates()])
def test_every_image_is_pinned_by_digest_and_pulled_if_not_present(
        name: str, spec: dict[str, Any]) -> None:
    for container in spec.get("initContainers", []) + spec["containers"]:
        assert "@sha256:" in container["image"], container["name"]
        assert container["imagePullPolicy"] == "IfNotPresent", container["name"]


@pytest.mark.parametrize(("name", "spec"), pod_templates(), ids=[n for n, _ in pod_templates()])
def test_every_pod_runs_as_non_root_with_requests_and_probes(
        name: str, spec: dict[str, Any]) -> None:
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] > 0
    for container in spec["containers"]:
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["resources"]["requests"].keys() >= {"cpu", "memory"}
        assert "memory" in container["resources"]["limits"]
        assert "readinessProbe" in container and "livenessProbe" in container


def test_the_deployment_takes_its_pull_secret_from_the_service_account() -> None:
    spec = the("Deployment")["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == the("ServiceAccount")["metadata"]["name"] == "lunchbox"
    assert "imagePullSecrets" not in spec  # a pod's own list stops the account's being copied
    assert the("ServiceAccount")["imagePullSecrets"] == [{"name": "registry-pull"}]


def test_the_servers_read_their_credentials_from_the_lunchbox_secrets_secret() -> None:
    spec = the("Deployment")["spec"]["template"]["spec"]
    for container in spec["initContainers"] + spec["containers"]:
        from_secret = {item["name"]: item["valueFrom"]["secretKeyRef"]
                       for item in container["env"] if "valueFrom" in item}
        assert from_secret == {key: {"name": "lunchbox-secrets", "key": key}
                               for key in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")}


def test_no_secret_and_no_credential_is_kept_in_the_deploy_directory() -> None:
    assert [name for name, doc in ALL_DOCUMENTS if doc["kind"] == "Secret"] == []


def test_the_service_and_ingress_reach_the_servers_port_with_long_websocket_timeouts() -> None:
    service, ingress = the("Service"), the("Ingress")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http",
                                         "protocol": "TCP"}]
    web = the("Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert web["ports"] == [{"name": "http", "containerPort": 8000}]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    annotations = ingress["metadata"]["annotations"]
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{timeout}"]) >= 3600
    assert not any("affinity" in key for key in annotations)  # no sticky sessions needed


# ------------------------------------------------------------------ through the simulator


def test_the_pinned_digest_is_the_release_the_registry_holds(scenario: Scenario) -> None:
    pinned = resolve_digest(scenario, RELEASE_TAG).pinned
    spec = the("Deployment")["spec"]["template"]["spec"]
    assert {c["image"] for c in spec["initContainers"] + spec["containers"]} == {pinned}


def test_all_three_replicas_run_pulled_with_the_service_accounts_pull_secret(
        evaluation: Evaluation) -> None:
    pods = evaluation.trace.pods
    assert len(pods) == 3
    for pod in pods:
        assert (pod.phase, pod.status, pod.ready) == ("Running", "Running", "1/1")
        assert pod.image_pull_secrets == ("registry-pull",)
        assert pod.pull_secrets_from == "serviceaccount"


def test_the_replicas_are_spread_over_the_three_nodes(evaluation: Evaluation) -> None:
    assert sorted(pod.node or "" for pod in evaluation.trace.pods) == [
        "node-a", "node-b", "node-c"]


def test_each_node_pulls_the_pinned_build_once_with_the_registry_account(
        evaluation: Evaluation, scenario: Scenario) -> None:
    digest = resolve_digest(scenario, RELEASE_TAG).digest
    pulls = evaluation.trace.pulls
    assert sorted(pull.node for pull in pulls) == ["node-a", "node-b", "node-c"]
    for pull in pulls:
        assert (pull.container, pull.outcome, pull.digest) == ("migrate", "pulled", digest)
        assert pull.username == "lunchbox-pull"
    present = [e for e in evaluation.trace.events
               if e.reason == "Pulled" and "already present on machine" in e.message]
    assert sorted(e.field_path or "" for e in present) == ["spec.containers{web}"] * 3


def test_nothing_fails_no_invalid_image_name_and_no_hint(evaluation: Evaluation) -> None:
    reasons = {c.reason for pod in evaluation.trace.pods for c in pod.containers}
    assert not reasons & PULL_ERRORS
    assert [e for e in evaluation.trace.events if e.type == "Warning"] == []
    assert evaluation.warnings == ()
    assert evaluation.trace.warnings == ()
    assert evaluation.trace.hints == ()  # no latest tag, no mutable tag, no Always with digest


def test_without_the_service_account_pull_secret_the_private_registry_refuses(
        scenario: Scenario) -> None:
    account = (MANIFESTS / "10-serviceaccount.yaml").read_text(encoding="utf-8")
    without = account.replace("imagePullSecrets:\n  - name: registry-pull\n", "")
    assert without != account
    paste = simulated_paste(leave_out=("ServiceAccount",)) + "---\n" + without
    pods = evaluate(paste, scenario).trace.pods
    assert len(pods) == 3
    assert {pod.phase for pod in pods} == {"Pending"}
    assert {pod.pull_secrets_from for pod in pods} == {None}
    waiting = {c.reason for pod in pods for c in pod.containers if c.init}
    assert waiting <= {"ErrImagePull", "ImagePullBackOff"} and waiting
