"""`kubectl describe` of Deployments, ReplicaSets, Secrets, ServiceAccounts and Namespaces, and
the controllers' events: upstream kubectl's describe_test.go rows (pkg/describe), then the
console end to end, output compared whole."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

from sandbox.engine.kubectl import tabwrite
from sandbox.engine.kubectl.describe_objects import (
    MAX_ANNOTATION_LEN,
    annotations_lines,
    describe_probe,
    secret_lines,
    secret_sizes,
    service_account_lines,
)
from sandbox.engine.kubectl.selectors import selector_text

sys.path.insert(0, str(Path(__file__).parent))
from test_console import SECRET, Console, deployment  # noqa: E402

KEY = "MaxLenAnnotation"
VALUE = "a" * (MAX_ANNOTATION_LEN - len(KEY) - 2)


@pytest.mark.parametrize(("annotations", "expected"), [
    ({"col1": "asd", "COL2": "zxc"}, "Annotations:\tCOL2: zxc\n\tcol1: asd\n"),
    ({KEY: VALUE}, f"Annotations:\t{KEY}: {VALUE}\n"),
    ({KEY: VALUE + "1"}, f"Annotations:\t{KEY}:\n\t  {VALUE}1\n"),
    ({KEY: VALUE + VALUE}, f"Annotations:\t{KEY}:\n\t  {'a' * (MAX_ANNOTATION_LEN - 2)}...\n"),
    ({"key": "value\nwith\nnewlines\n"}, "Annotations:\tkey:\n\t  value\n\t  with\n\t  newlines\n"),
    ({}, "Annotations:\t<none>\n"),
    ({"kubectl.kubernetes.io/last-applied-configuration": "{}"}, "Annotations:\t<none>\n"),
], ids=["sorted", "at-the-limit", "one-past", "cut", "newlines", "none", "last-applied-skipped"])
def test_upstream_print_annotations_multiline(annotations: dict[str, str], expected: str) -> None:
    """TestPrintLabelsMultiline (which tests printAnnotationsMultiline)."""
    assert "".join(line + "\n" for line in annotations_lines("Annotations", annotations)) == \
        expected


@pytest.mark.parametrize(("data", "order"), [
    ({"username": "YWRtaW4=", "password": "MWYyZDFlMmU2N2Rm"}, ["password", "username"]),
    ({"text": "a3ViZXJuZXRlcwo=", "Text": "dGhpcyBpcyBhIHRlc3QK", "tExt": "d2VpcmQgY2FzaW5nCg=="},
     ["Text", "tExt", "text"]),
    ({"key_1": "c29tZV9zZWNyZXQK", "1_key": "c29tZV90ZXh0Cg=="}, ["1_key", "key_1"]),
], ids=["alphabetical", "uppercase-first", "numbers-first"])
def test_upstream_describe_secret(data: dict[str, str], order: list[str]) -> None:
    """TestDescribeSecret: keys in Go's byte order, sizes only, never a value."""
    body = {"metadata": {"name": "bar", "namespace": "foo"}, "data": data, "type": ""}
    out = tabwrite("\n".join(secret_lines(body, secret_sizes(body))) + "\n")
    expected = ("Name:         bar\nNamespace:    foo\nLabels:       <none>\n"
                "Annotations:  <none>\n\nType:  \n\nData\n====\n"
                + "".join(f"{key}:  {len(base64.b64decode(data[key]))} bytes\n" for key in order))
    assert out == expected
    assert not any(value in out for value in data.values())


def test_upstream_describe_service_account() -> None:
    body = {"metadata": {"name": "bar", "namespace": "foo"},
            "secrets": [{"name": "test-objectref"}],
            "imagePullSecrets": [{"name": "test-local-ref"}]}
    out = tabwrite("\n".join(service_account_lines(body) + ["Events:\t<none>"]) + "\n")
    assert out == ("Name:                bar\nNamespace:           foo\n"
                   "Labels:              <none>\nAnnotations:         <none>\n"
                   "Image pull secrets:  test-local-ref\n"
                   "Events:              <none>\n")


def test_service_account_lists_each_pull_secret_under_the_first() -> None:
    body = {"metadata": {"name": "puller", "namespace": "default"},
            "imagePullSecrets": [{"name": "one"}, {"name": "two"}]}
    out = tabwrite("\n".join(service_account_lines(body)) + "\n")
    assert out.endswith("Image pull secrets:  one\n                     two\n")


@pytest.mark.parametrize(("selector", "text"), [
    ({"matchLabels": {"b": "2", "a": "1"}}, "a=1,b=2"),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}]},
     "tier in (api,web)"),
    ({"matchExpressions": [{"key": "x", "operator": "NotIn", "values": ["1"]},
                           {"key": "e", "operator": "Exists"},
                           {"key": "g", "operator": "DoesNotExist"}]}, "e,!g,x notin (1)"),
    ({}, "<none>"),
    (None, "<none>"),
    ({"matchExpressions": [{"key": "x", "operator": "Near"}]}, "<error>"),
])
def test_label_selector_text_is_format_label_selector(selector: object, text: str) -> None:
    assert selector_text(selector) == text


@pytest.mark.parametrize(("probe", "text"), [
    ({"httpGet": {"path": "/healthz", "port": "http"}},
     "http-get http://:http/healthz delay=0s timeout=1s period=10s successThreshold=1 "
     "failureThreshold=3"),
    ({"httpGet": {"path": "/", "port": 8000, "host": "::1", "scheme": "HTTPS"},
      "periodSeconds": 5},
     "http-get https://[::1]:8000/ delay=0s timeout=1s period=5s successThreshold=1 "
     "failureThreshold=3"),
    ({"tcpSocket": {"port": 5432}, "initialDelaySeconds": 3},
     "tcp-socket :5432 delay=3s timeout=1s period=10s successThreshold=1 failureThreshold=3"),
    ({"exec": {"command": ["cat", "/tmp/ready"]}},
     "exec [cat /tmp/ready] delay=0s timeout=1s period=10s successThreshold=1 "
     "failureThreshold=3"),
])
def test_probe_lines_follow_describe_probe_with_the_api_defaults(probe: dict[str, object],
                                                                 text: str) -> None:
    assert describe_probe(probe) == text


# --- the console -------------------------------------------------------------------------------


def rolled_out() -> Console:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25", replicas=2))
    c.do("sleep 20")
    c.do("kubectl set image deployment/web web=nginx:1.26")
    c.do("sleep 30")
    return c


def test_a_rollout_leaves_the_controllers_events_as_a_cluster_does() -> None:
    """sync.go scaleReplicaSet's `Scaled up/down replica set … from N to M` on the Deployment,
    controller_utils.go's `Created pod:` / `Deleted pod:` on the ReplicaSets."""
    c = rolled_out()
    controllers = ("ScalingReplicaSet", "SuccessfulCreate", "SuccessfulDelete")
    listed = json.loads(c.do("kubectl get events -o json").output)["items"]
    # In time order: an event's name ends in its first time, in hex nanoseconds.
    listed.sort(key=lambda e: int(e["metadata"]["name"].rsplit(".", 1)[1], 16))
    rows = [(e["reason"], f"{e['involvedObject']['kind'].lower()}/{e['involvedObject']['name']}",
             e["message"]) for e in listed if e["reason"] in controllers]
    old, new = sorted({obj for _, obj, _ in rows if obj.startswith("replicaset/")},
                      key=lambda name: [o for _, o, _ in rows].index(name))
    old, new = old.split("/")[1], new.split("/")[1]
    assert [(reason, obj, message.split(":")[0]) for reason, obj, message in rows] == [
        ("ScalingReplicaSet", "deployment/web",
         f"Scaled up replica set {old} from 0 to 2"),
        ("SuccessfulCreate", f"replicaset/{old}", "Created pod"),
        ("SuccessfulCreate", f"replicaset/{old}", "Created pod"),
        ("ScalingReplicaSet", "deployment/web", f"Scaled up replica set {new} from 0 to 1"),
        ("SuccessfulCreate", f"replicaset/{new}", "Created pod"),
        ("ScalingReplicaSet", "deployment/web", f"Scaled down replica set {old} from 2 to 1"),
        ("SuccessfulDelete", f"replicaset/{old}", "Deleted pod"),
        ("ScalingReplicaSet", "deployment/web", f"Scaled up replica set {new} from 1 to 2"),
        ("SuccessfulCreate", f"replicaset/{new}", "Created pod"),
        ("ScalingReplicaSet", "deployment/web", f"Scaled down replica set {old} from 1 to 0"),
        ("SuccessfulDelete", f"replicaset/{old}", "Deleted pod"),
    ]
    scaling = [e for e in listed if e["reason"] == "ScalingReplicaSet"][0]
    assert scaling["involvedObject"]["kind"] == "Deployment"
    assert scaling["involvedObject"]["apiVersion"] == "apps/v1"
    assert scaling["source"] == {"component": "deployment-controller"}
    assert scaling["involvedObject"]["uid"]


def test_describe_deployment_is_kubectls_layout() -> None:
    c = rolled_out()
    sets = c.do("kubectl get rs").output.split()
    old, new = sets[5], sets[10]
    out = c.do("kubectl describe deployment web").output
    assert out.split("Events:")[0] == f"""Name:                   web
Namespace:              default
CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000
Labels:                 <none>
Annotations:            deployment.kubernetes.io/revision: 2
Selector:               app=web
Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  25% max unavailable, 25% max surge
Pod Template:
  Labels:  app=web
  Containers:
   web:
    Image:         nginx:1.26
    Port:          <none>
    Host Port:     <none>
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
OldReplicaSets:  {old} (0/0 replicas created)
NewReplicaSet:   {new} (2/2 replicas created)
"""
    assert "\n  Normal  ScalingReplicaSet  " in out
    assert "deployment-controller  Scaled down replica set" in out


def test_describe_replicaset_counts_its_pods_and_shows_its_events() -> None:
    c = rolled_out()
    new = c.do("kubectl get rs").output.split()[10]
    out = c.do(f"kubectl describe rs {new}").output
    head = out.split("Pod Template:")[0]
    assert head == f"""Name:           {new}
Namespace:      default
Selector:       app=web,pod-template-hash={new.rsplit('-', 1)[1]}
Labels:         app=web
                pod-template-hash={new.rsplit('-', 1)[1]}
Annotations:    deployment.kubernetes.io/desired-replicas: 2
                deployment.kubernetes.io/max-replicas: 3
                deployment.kubernetes.io/revision: 2
Controlled By:  Deployment/web
Replicas:       2 current / 2 desired
Pods Status:    2 Running / 0 Waiting / 0 Succeeded / 0 Failed
"""
    assert out.count("replicaset-controller  Created pod: ") == 2


def test_a_stuck_rollout_shows_minimum_replicas_unavailable() -> None:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:no-such-tag", replicas=2))
    c.do("sleep 30")
    out = c.do("kubectl describe deployment web").output
    assert "2 desired | 2 updated | 2 total | 0 available | 2 unavailable" in out
    assert "  Available      False   MinimumReplicasUnavailable\n" in out
    assert "  Progressing    True    ReplicaSetUpdated\n" in out


def test_describe_secret_gives_sizes_as_written_and_never_the_password() -> None:
    c = Console()
    c.do(SECRET)
    out = c.do("kubectl describe secret regcred").output
    written = json.dumps({"auths": {"registry.company.com": {
        "username": "myuser", "password": "mypass123",
        "auth": base64.b64encode(b"myuser:mypass123").decode()}}}, separators=(",", ":"))
    assert out == ("Name:         regcred\nNamespace:    default\nLabels:       <none>\n"
                   "Annotations:  <none>\n\nType:  kubernetes.io/dockerconfigjson\n\nData\n"
                   f"====\n.dockerconfigjson:  {len(written)} bytes\n")
    assert "mypass123" not in out


def test_describe_secret_merges_string_data_and_counts_it_in_get() -> None:
    c = Console()
    c.do("kubectl apply -f -", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
         "data: {a: YWJj}\nstringData: {b: hello}\n")
    assert c.do("kubectl describe secret s").output.endswith("a:  3 bytes\nb:  5 bytes\n")
    assert c.do("kubectl get secret s").output.split("\n")[1].split()[2] == "2"


def test_describe_service_account_namespace_and_a_missing_one() -> None:
    c = Console()
    c.do("kubectl apply -f -", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: puller}\n"
         "imagePullSecrets: [{name: regcred}]\n")
    assert "Image pull secrets:  regcred\nEvents:              <none>\n" in \
        c.do("kubectl describe serviceaccount puller").output
    assert c.do("kubectl describe namespace default").output == (
        "Name:         default\nLabels:       kubernetes.io/metadata.name=default\n"
        "Annotations:  <none>\nStatus:       Active\n\nNo resource quota.\n\n"
        "No LimitRange resource.\n")
    missing = c.do("kubectl describe namespace nowhere")
    assert missing.exit_code == 1
    assert missing.error.startswith('Error from server (NotFound): namespaces "nowhere" not found')


def test_a_pod_named_like_a_deployment_shows_only_its_own_events() -> None:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25", replicas=1))
    c.do("kubectl run web --image=nginx:1.25")
    c.do("sleep 20")
    assert "ScalingReplicaSet" not in c.do("kubectl describe pod web").output


def test_a_replicaset_that_cannot_create_its_pods_shows_replica_failure() -> None:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25", replicas=2).replace(
        "    spec:\n", "    spec:\n      serviceAccountName: ghost\n"))
    c.do("sleep 5")
    out = c.do("kubectl describe rs").output
    assert "Conditions:\n  Type             Status  Reason\n  ----             ------  ------\n" \
           "  ReplicaFailure   True    FailedCreate\n" in out
    assert "Replicas:       0 current / 2 desired\n" in out


def test_template_volumes_follow_describe_volumes() -> None:
    from sandbox.engine.kubectl.describe_objects import template_lines

    template = {"spec": {"containers": [{"name": "c", "image": "busybox"}], "volumes": [
        {"name": "scratch", "emptyDir": {}},
        {"name": "host", "hostPath": {"path": "/var/log"}},
        {"name": "creds", "secret": {"secretName": "regcred", "optional": True}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "db"}},
        {"name": "api", "projected": {"sources": []}}]}}
    out = tabwrite("\n".join(template_lines(template)) + "\n")
    assert out.split("  Volumes:\n")[1] == f"""\
   scratch:
    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:     {''}
    SizeLimit:  <unset>
   host:
    Type:          HostPath (bare host directory volume)
    Path:          /var/log
    HostPathType:  {''}
   creds:
    Type:        Secret (a volume populated by a Secret)
    SecretName:  regcred
    Optional:    true
   data:
    Type:       PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)
    ClaimName:  db
    ReadOnly:   false
   api:
  <unknown>
  Node-Selectors:  <none>
  Tolerations:     <none>
"""


def test_template_volumes_of_nfs_git_and_the_downward_api() -> None:
    """describe.go's printNFSVolumeSource, printGitRepoVolumeSource and
    printDownwardAPIVolumeSource (each item's field or resource, `->`, its path)."""
    from sandbox.engine.kubectl.describe_objects import template_lines

    template = {"spec": {"containers": [{"name": "c", "image": "busybox"}], "volumes": [
        {"name": "share", "nfs": {"server": "nfs.example.com", "path": "/exports"}},
        {"name": "site", "gitRepo": {"repository": "https://example.com/site.git"}},
        {"name": "info", "downwardAPI": {"items": [
            {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
            {"path": "cpu", "resourceFieldRef": {"containerName": "c",
                                                 "resource": "limits.cpu"}}]}}]}}
    out = tabwrite("\n".join(template_lines(template)) + "\n")
    assert out.split("  Volumes:\n")[1].split("  Node-Selectors:")[0] == f"""\
   share:
    Type:      NFS (an NFS mount that lasts the lifetime of a pod)
    Server:    nfs.example.com
    Path:      /exports
    ReadOnly:  false
   site:
    Type:        GitRepo (a volume that is pulled from git when the pod is created)
    Repository:  https://example.com/site.git
    Revision:    {''}
   info:
    Type:  DownwardAPI (a volume populated by information about the pod)
    Items:
      metadata.labels -> labels
      limits.cpu -> cpu
"""


def test_a_stuck_rollout_passes_its_progress_deadline() -> None:
    """A tag that does not exist: the rollout makes no progress; after progressDeadlineSeconds
    (here 60) Progressing turns False with ProgressDeadlineExceeded, and `kubectl rollout
    status` fails as kubectl's DeploymentStatusViewer does."""
    c = Console()
    with_deadline = deployment("nginx:1.25", replicas=2).replace(
        "spec:\n  replicas", "spec:\n  progressDeadlineSeconds: 60\n  replicas")
    c.do("kubectl apply -f -", with_deadline)
    c.do("sleep 20")
    c.do("kubectl set image deployment/web web=nginx:no-such-tag")
    c.do("sleep 10")
    waiting = c.do("kubectl rollout status deployment/web")
    assert (waiting.exit_code, waiting.output) == (0, 'Waiting for deployment "web" rollout to '
                                                      "finish: 1 out of 2 new replicas have "
                                                      "been updated...\n")
    c.do("sleep 60")
    stuck = c.do("kubectl rollout status deployment/web")
    assert (stuck.exit_code, stuck.error.strip()) == (
        1, 'error: deployment "web" exceeded its progress deadline')
    status = json.loads(c.do("kubectl get deployment web -o json").output)["status"]
    progressing = [x for x in status["conditions"] if x["type"] == "Progressing"][0]
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert progressing["message"].endswith("has timed out progressing.")
    assert {k: status[k] for k in ("replicas", "updatedReplicas", "availableReplicas",
                                   "unavailableReplicas")} == {
        "replicas": 3, "updatedReplicas": 1, "availableReplicas": 2, "unavailableReplicas": 1}
    assert "  Progressing    False   ProgressDeadlineExceeded\n" in \
        c.do("kubectl describe deployment web").output


def test_a_finished_rollout_reports_its_status_as_the_controller_writes_it() -> None:
    c = rolled_out()
    status = json.loads(c.do("kubectl get deployment web -o json").output)["status"]
    assert [(x["type"], x["status"], x["reason"]) for x in status["conditions"]] == [
        ("Available", "True", "MinimumReplicasAvailable"),
        ("Progressing", "True", "NewReplicaSetAvailable")]
    assert "unavailableReplicas" not in status  # omitempty: 0 is left out
    assert c.do("kubectl rollout status deployment/web").output == \
        'deployment "web" successfully rolled out\n'
    sets = json.loads(c.do("kubectl get rs -o json").output)["items"]
    assert sorted(s["status"]["replicas"] for s in sets) == [0, 2]
