"""Pods the controllers create for pasted objects, and the admission plugins at pod creation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sandbox.engine.cluster import (
    CRONJOB_SCHEDULED_MINUTES,
    SAFE_ALPHABET,
    AdmissionError,
    PodPlan,
    admit_always_pull_images,
    admit_service_account,
    expand_workloads,
    fnv32a,
    safe_encode,
    template_hash,
)
from sandbox.engine.objects import Container, KubeObject, PodSpec, Toleration
from sandbox.engine.problems import ManifestError
from sandbox.engine.world import Node, Taint

SUFFIX = f"[{SAFE_ALPHABET}]{{5}}"
HASH = "[456789bcdf]{1,10}"  # safe-encoded decimal digits of a 32-bit number


def spec(image: str = "nginx:1.25", **fields: Any) -> PodSpec:
    return PodSpec(containers=(Container("app", image),), **fields)


def obj(kind: str, name: str, replicas: int | None = None, namespace: str | None = None,
        body: dict[str, Any] | None = None, pod_spec: PodSpec | None = None) -> KubeObject:
    has_pods = kind not in ("Namespace", "ServiceAccount", "Secret")
    return KubeObject("v1", kind, name, namespace=namespace,
                      pod_spec=pod_spec or (spec() if has_pods else None),
                      replicas=replicas, body=body or {})


def deployment_body(image: str = "nginx:1.25") -> dict[str, Any]:
    return {"spec": {"template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "app", "image": image}]}}}}


def plan(**fields: Any) -> PodPlan:
    values: dict[str, Any] = {"namespace": "default", "name": "web", "uid": "uid-1",
                              "owner": None, "spec": spec()}
    values.update(fields)
    return PodPlan(**values)


def account(name: str, secrets: list[Any] | None = None,
            namespace: str | None = None) -> KubeObject:
    body: dict[str, Any] = {} if secrets is None else {"imagePullSecrets": secrets}
    return obj("ServiceAccount", name, namespace=namespace, body=body)


# --- names ---------------------------------------------------------------------------------------


def test_safe_encode_maps_digits_like_kubernetes_rand():
    # '0' is code point 48, 48 % 27 = 21, the alphabet's '4'; and so on.
    assert safe_encode("0123456789") == "456789bcdf"


@pytest.mark.parametrize(("text", "expected"), [
    ("", 0x811C9DC5),
    ("a", 0xE40C292C),
    ("foobar", 0xBF9CF968),
])
def test_fnv32a_matches_the_reference_vectors(text, expected):
    assert fnv32a(text.encode()) == expected


def test_deployment_makes_a_replicaset_named_by_template_hash_and_pods_with_suffixes():
    pods, warnings = expand_workloads(
        [obj("Deployment", "web", replicas=3, body=deployment_body())], [])
    assert warnings == []
    assert len(pods) == 3
    rs = pods[0].owner
    assert rs is not None and re.fullmatch(f"ReplicaSet/web-{HASH}", rs)
    rs_name = rs.split("/", 1)[1]
    for pod in pods:
        assert pod.owner == rs
        assert pod.workload == "Deployment/web"
        assert re.fullmatch(f"{re.escape(rs_name)}-{SUFFIX}", pod.name)
        assert pod.generate_name == f"{rs_name}-"
        assert dict(pod.labels) == {"app": "web", "pod-template-hash": rs_name[len("web-"):]}
    assert len({pod.name for pod in pods}) == 3


def test_names_are_deterministic():
    objects = [obj("Deployment", "web", replicas=2, body=deployment_body()),
               obj("DaemonSet", "agent"), obj("Job", "migrate")]
    nodes = [Node("node-1"), Node("node-2")]
    assert expand_workloads(objects, nodes) == expand_workloads(objects, nodes)


def test_changing_the_template_changes_the_pod_template_hash():
    assert template_hash(deployment_body("nginx:1.25")) != template_hash(
        deployment_body("nginx:1.26"))


def test_replicaset_pods_are_named_after_the_replicaset():
    pods, _ = expand_workloads([obj("ReplicaSet", "cache", replicas=2)], [])
    assert [p.owner for p in pods] == ["ReplicaSet/cache"] * 2
    assert all(re.fullmatch(f"cache-{SUFFIX}", p.name) for p in pods)


def test_statefulset_pods_get_ordinals():
    pods, _ = expand_workloads([obj("StatefulSet", "db", replicas=3)], [])
    assert [p.name for p in pods] == ["db-0", "db-1", "db-2"]
    assert dict(pods[2].labels)["statefulset.kubernetes.io/pod-name"] == "db-2"
    assert all(p.owner == "StatefulSet/db" for p in pods)


def test_replicas_default_to_one_and_zero_makes_none():
    one, _ = expand_workloads([obj("StatefulSet", "db")], [])
    none, _ = expand_workloads([obj("StatefulSet", "db", replicas=0)], [])
    assert [p.name for p in one] == ["db-0"]
    assert none == []


@pytest.mark.parametrize(("parallelism", "body", "expected"), [
    (None, {}, 1),
    (3, {}, 3),
    (3, {"spec": {"completions": 2}}, 2),
    (3, {"spec": {"suspend": True}}, 0),
])
def test_job_makes_parallelism_pods_capped_by_completions(parallelism, body, expected):
    pods, _ = expand_workloads([obj("Job", "migrate", replicas=parallelism, body=body)], [])
    assert len(pods) == expected
    assert all(re.fullmatch(f"migrate-{SUFFIX}", p.name) for p in pods)
    assert all(p.owner == "Job/migrate" for p in pods)


def test_cronjob_makes_one_job_named_after_the_scheduled_minute_then_its_pod():
    pods, _ = expand_workloads([obj("CronJob", "backup")], [])
    assert CRONJOB_SCHEDULED_MINUTES == 29_453_760  # 2026-01-01T00:00:00Z in minutes
    assert len(pods) == 1
    assert pods[0].owner == "Job/backup-29453760"
    assert pods[0].workload == "CronJob/backup"
    assert re.fullmatch(f"backup-29453760-{SUFFIX}", pods[0].name)


def test_daemonset_runs_one_pod_per_node_it_fits():
    nodes = [
        Node("node-1"),
        Node("node-2", taints=(Taint("dedicated", "gpu", "NoSchedule"),)),
        Node("node-3", taints=(Taint("node.kubernetes.io/unschedulable", None, "NoSchedule"),)),
        Node("node-4", taints=(Taint("dedicated", "gpu", "PreferNoSchedule"),)),
    ]
    pods, _ = expand_workloads([obj("DaemonSet", "agent")], nodes)
    assert [p.daemonset_node for p in pods] == ["node-1", "node-3", "node-4"]
    assert all(re.fullmatch(f"agent-{SUFFIX}", p.name) for p in pods)
    assert Toleration("node.kubernetes.io/not-ready", "Exists", None, "NoExecute") in (
        pods[0].spec.tolerations)


def test_daemonset_respects_its_node_selector():
    nodes = [Node("node-1", labels=(("disk", "ssd"),)), Node("node-2")]
    ds = obj("DaemonSet", "agent", pod_spec=spec(node_selector=(("disk", "ssd"),)))
    pods, _ = expand_workloads([ds], nodes)
    assert [p.daemonset_node for p in pods] == ["node-1"]


def test_namespace_serviceaccount_and_secret_make_no_pods():
    objects = [obj("Namespace", "team"), account("builder"), obj("Secret", "regcred")]
    assert expand_workloads(objects, [Node("node-1")]) == ([], [])


def test_two_identical_pods_are_both_kept_and_reported_as_already_existing():
    pods, warnings = expand_workloads([obj("Pod", "web"), obj("Pod", "web")], [])
    assert [p.name for p in pods] == ["web", "web"]
    assert pods[0].uid != pods[1].uid
    assert warnings == ['Error from server (AlreadyExists): pods "web" already exists']


def test_same_pod_name_in_two_namespaces_is_fine():
    pods, warnings = expand_workloads(
        [obj("Pod", "web"), obj("Pod", "web", namespace="team")], [])
    assert len(pods) == 2 and warnings == []


def test_repeated_deployment_is_refused_and_makes_no_second_set_of_pods():
    deploy = obj("Deployment", "web", replicas=2, body=deployment_body())
    pods, warnings = expand_workloads([deploy, deploy], [])
    assert len(pods) == 2
    assert warnings == [
        'Error from server (AlreadyExists): deployments.apps "web" already exists']


def test_pod_uid_is_uuid_shaped():
    pods, _ = expand_workloads([obj("Pod", "web")], [])
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        pods[0].uid)


def test_long_generated_names_are_cut_to_63_characters():
    pods, _ = expand_workloads([obj("ReplicaSet", "x" * 70)], [])
    assert len(pods[0].name) == 63
    assert pods[0].name.startswith("x" * 58)
    assert pods[0].generate_name == "x" * 70 + "-"


@pytest.mark.parametrize("bad", [-1, "3", 2.5, True])
def test_bad_replica_counts_are_manifest_errors(bad):
    with pytest.raises(ManifestError, match="replicas must be a whole number"):
        expand_workloads([obj("Deployment", "web", replicas=bad)], [])


def test_too_many_pods_is_a_manifest_error_not_a_hang():
    with pytest.raises(ManifestError, match="above 500"):
        expand_workloads([obj("Deployment", "web", replicas=100_000_000)], [])


def wide(containers: int) -> PodSpec:
    return PodSpec(containers=tuple(Container(f"c{i}", "nginx") for i in range(containers)))


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "StatefulSet"])
def test_too_many_containers_is_refused_before_the_pods_are_planned(kind, monkeypatch):
    import sandbox.engine.cluster.workloads as workloads

    def no_hash(template: Any) -> str:
        raise AssertionError("the template was hashed")

    monkeypatch.setattr(workloads, "template_hash", no_hash)
    with pytest.raises(ManifestError, match=f"{kind}/web would bring the container count above "
                                            "1000, the most one sandbox evaluation simulates"):
        expand_workloads([obj(kind, "web", replicas=3, pod_spec=wide(400))], [])


def test_pods_already_planned_count_towards_the_early_refusal():
    first = obj("Pod", "p", pod_spec=wide(600))
    with pytest.raises(ManifestError, match="Deployment/web would bring the container count"):
        expand_workloads([first, obj("Deployment", "web", replicas=1, pod_spec=wide(401))], [])
    with pytest.raises(ManifestError, match="Deployment/web would bring the pod count above 500"):
        expand_workloads([obj("Deployment", "a", replicas=400),
                          obj("Deployment", "web", replicas=101)], [])


def test_a_workload_of_no_replicas_is_not_refused_for_its_containers():
    expansion = expand_workloads([obj("Deployment", "web", replicas=0, pod_spec=wide(1001))], [])
    assert expansion.pods == []


def test_workload_without_pod_template_is_a_manifest_error():
    broken = KubeObject("apps/v1", "Deployment", "web", pod_spec=None)
    with pytest.raises(ManifestError, match="has no pod template"):
        expand_workloads([broken], [])


# --- ServiceAccount admission (KUBERNETES.md §7) ---------------------------------------------


def test_empty_service_account_becomes_default_which_exists_implicitly():
    admitted = admit_service_account(plan(), [])
    assert isinstance(admitted, PodPlan)
    assert admitted.spec.service_account_name == "default"
    assert admitted.spec.image_pull_secrets == ()


def test_pasted_default_account_overrides_the_implicit_one():
    admitted = admit_service_account(plan(), [account("default", [{"name": "regcred"}])])
    assert isinstance(admitted, PodPlan)
    assert admitted.spec.image_pull_secrets == ("regcred",)


def test_account_secrets_are_copied_in_order_when_the_pod_lists_none():
    pod = plan(spec=spec(service_account_name="builder"))
    accounts = [account("builder", [{"name": "b"}, {"name": ""}, {"name": "a"}])]
    admitted = admit_service_account(pod, accounts)
    assert isinstance(admitted, PodPlan)
    assert admitted.spec.image_pull_secrets == ("b", "a")
    assert admitted.spec.image_pull_secrets_written


def test_pod_secrets_win_and_are_not_merged_with_the_accounts():
    pod = plan(spec=spec(image_pull_secrets=("mine",), image_pull_secrets_written=True))
    admitted = admit_service_account(pod, [account("default", [{"name": "theirs"}])])
    assert isinstance(admitted, PodPlan)
    assert admitted.spec.image_pull_secrets == ("mine",)


def test_missing_named_account_forbids_the_pod():
    pod = plan(spec=spec(service_account_name="builder"))
    refused = admit_service_account(pod, [account("builder", namespace="other")])
    assert isinstance(refused, AdmissionError)
    assert refused.message == ('pods "web" is forbidden: error looking up service account '
                               'default/builder: serviceaccount "builder" not found')
    assert refused.kubectl.startswith(
        'Error from server (Forbidden): error when creating "STDIN": pods "web"')


def test_controller_pods_are_refused_under_their_generate_name():
    pod = plan(name="web-7d9c5b8f6d-x2x4q", generate_name="web-7d9c5b8f6d-",
               owner="ReplicaSet/web-7d9c5b8f6d", spec=spec(service_account_name="ci"))
    refused = admit_service_account(pod, [])
    assert isinstance(refused, AdmissionError)
    assert str(refused) == (
        'ReplicaSet/web-7d9c5b8f6d: Error creating: pods "web-7d9c5b8f6d-" is forbidden: '
        'error looking up service account default/ci: serviceaccount "ci" not found')


@pytest.mark.parametrize("secrets", ["regcred", [["regcred"]], [{"name": 3}]])
def test_malformed_account_pull_secrets_are_manifest_errors(secrets):
    with pytest.raises(ManifestError, match="imagePullSecrets"):
        admit_service_account(plan(), [account("default", secrets)])


# --- AlwaysPullImages (KUBERNETES.md §11) ----------------------------------------------------


def test_always_pull_images_sets_always_on_init_and_regular_containers():
    pod = plan(spec=PodSpec(
        containers=(Container("app", "nginx:1.25", "Never"), Container("side", "busybox")),
        init_containers=(Container("init", "busybox:1.36", "IfNotPresent", init=True),),
    ))
    admitted = admit_always_pull_images(pod)
    assert [c.image_pull_policy for c in admitted.spec.all_containers] == ["Always"] * 3
    assert [c.image for c in admitted.spec.all_containers] == [
        "busybox:1.36", "nginx:1.25", "busybox"]
