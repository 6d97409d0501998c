"""`load_manifests`: typed objects out, and every problem with the API server's wording."""

from __future__ import annotations

import base64

import pytest

from sandbox.engine.manifests import load_manifests
from sandbox.engine.objects import Container, NodeSelectorRequirement, Toleration
from sandbox.engine.problems import ManifestError, Position, Problem

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.27
"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""


def problems_of(text: str) -> tuple[Problem, ...]:
    with pytest.raises(ManifestError) as caught:
        load_manifests(text)
    return caught.value.problems


def errors_of(text: str) -> list[Problem]:
    return [p for p in problems_of(text) if p.severity == "error"]


def only_error(text: str) -> Problem:
    errors = errors_of(text)
    assert len(errors) == 1, errors
    return errors[0]


# --------------------------------------------------------------------- seed-style examples


def test_lowercase_always_pull_policy_is_rejected_with_the_allowed_values() -> None:
    problem = only_error(POD + "    imagePullPolicy: always\n")
    assert problem.message == 'spec.containers[0].imagePullPolicy: Unsupported value: ' \
        '"always": supported values: "Always", "IfNotPresent", "Never"'
    assert problem.hint == "values are case-sensitive: did you mean Always?"
    assert problem.path == "spec.containers[0].imagePullPolicy"
    assert (problem.line, problem.column) == (9, 22)


def unknown_field_errors(text: str) -> list[Problem]:
    """The per-field errors of strict validation (without kubectl's one-line summary)."""
    return [p for p in errors_of(text) if p.path is not None]


def test_misspelled_field_is_refused_with_a_did_you_mean() -> None:
    # Was a warning; kubectl's default --validate=strict refuses it (test_strict_validation.py).
    (error,) = unknown_field_errors(POD + "    imagePullPolice: Always\n")
    assert error.severity == "error"
    assert error.message == 'strict decoding error: unknown field ' \
        '"spec.containers[0].imagePullPolice"'
    assert error.hint == 'did you mean "imagePullPolicy"?'
    assert (error.line, error.column) == (9, 5)


def test_misspelled_field_with_validate_warn_is_a_warning_and_the_pod_is_created() -> None:
    objects = load_manifests(POD + "    imagePullPolice: Always\n", validate="warn")
    (warning,) = objects.warnings
    assert warning.severity == "warning"
    assert warning.message == 'unknown field "spec.containers[0].imagePullPolice"'
    assert warning.hint == 'did you mean "imagePullPolicy"?'
    assert (warning.line, warning.column) == (9, 5)
    assert objects[0].pod_spec is not None
    assert objects[0].pod_spec.containers[0].image_pull_policy is None


def test_unknown_field_without_a_close_name_says_it_is_ignored_with_validate_warn() -> None:
    text = POD.replace("spec:\n", "spec:\n  flavour: mint\n")
    (warning,) = load_manifests(text, validate="warn").warnings
    assert warning.message == 'unknown field "spec.flavour"'
    assert warning.hint == "this field is ignored"
    (error,) = unknown_field_errors(text)
    assert error.hint == "remove it: the API server refuses a field its type does not have"


def test_misspelled_field_in_a_workload_template_has_the_full_path() -> None:
    text = DEPLOYMENT.replace("      containers:", "      imagePullSecret: []\n      containers:")
    (error,) = unknown_field_errors(text)
    assert error.message == 'strict decoding error: unknown field ' \
        '"spec.template.spec.imagePullSecret"'
    assert error.hint == 'did you mean "imagePullSecrets"?'


def test_a_full_real_world_manifest_has_no_false_warnings() -> None:
    text = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  labels: {app: api, app.kubernetes.io/part-of: shop}
  annotations: {deployment.kubernetes.io/revision: "3"}
spec:
  replicas: 2
  revisionHistoryLimit: 5
  progressDeadlineSeconds: 600
  minReadySeconds: 5
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector:
    matchLabels: {app: api}
    matchExpressions: [{key: tier, operator: NotIn, values: [db]}]
  template:
    metadata:
      labels: {app: api}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      serviceAccountName: api
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 30
      dnsPolicy: ClusterFirst
      restartPolicy: Always
      schedulerName: default-scheduler
      priorityClassName: high
      enableServiceLinks: false
      hostname: api
      securityContext: {runAsNonRoot: true, fsGroup: 2000, seccompProfile: {type: RuntimeDefault}}
      imagePullSecrets: [{name: regcred}]
      nodeSelector: {kubernetes.io/arch: amd64}
      tolerations: [{key: dedicated, operator: Equal, value: shop, effect: NoSchedule}]
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: disk, operator: In, values: [ssd]}]
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 10
            preference: {matchExpressions: [{key: zone, operator: In, values: [a]}]}
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution: []
      volumes:
      - name: cache
        emptyDir: {sizeLimit: 1Gi}
      initContainers:
      - name: migrate
        image: registry.example.com/shop/api:1.4.2
        command: [./migrate]
        restartPolicy: Always
      containers:
      - name: api
        image: registry.example.com/shop/api@sha256:DIGEST
        imagePullPolicy: IfNotPresent
        args: [--port=8080]
        workingDir: /app
        ports: [{name: http, containerPort: 8080, protocol: TCP}]
        env: [{name: MODE, value: prod}]
        envFrom: [{configMapRef: {name: api}}]
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
        resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
        volumeMounts: [{name: cache, mountPath: /cache}]
        livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10}
        readinessProbe: {httpGet: {path: /ready, port: http}}
        startupProbe: {tcpSocket: {port: 8080}}
        lifecycle: {preStop: {exec: {command: [sleep, "5"]}}}
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: File
        stdin: false
        tty: false
status: {}
""".replace("DIGEST", "0123456789abcdef" * 4)
    objects = load_manifests(text)
    assert objects.warnings == []
    assert objects[0].namespace == "shop"


def test_tabs_duplicate_keys_and_python_tags_reach_the_learner_through_load_manifests() -> None:
    assert problems_of("kind: Pod\n\tspec: {}\n")[0].message == "tab character in the indentation"
    duplicate = problems_of(POD + "    image: nginx:1.26\n")[0]
    assert (duplicate.line, duplicate.column) == (9, 5)
    assert duplicate.message == 'duplicate key "image" (first at line 8, column 5)'
    tag = problems_of(POD + "    args: !!python/object/apply:os.system [id]\n")[0]
    assert (tag.line, tag.message) == (9, "YAML tag !!python/object/apply:os.system is not allowed")


def test_secret_service_account_and_deployment_in_one_paste() -> None:
    auth = base64.b64encode(b"ada:s3cret").decode()
    config = '{"auths": {"registry.example.com": {"auth": "AUTH"}}}'.replace("AUTH", auth)
    text = f"""apiVersion: v1
kind: Secret
metadata:
  name: regcred
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: {base64.b64encode(config.encode()).decode()}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: builder
imagePullSecrets:
- name: regcred
---
""" + DEPLOYMENT.replace("    spec:\n", "    spec:\n      serviceAccountName: builder\n")
    secret, account, deployment = load_manifests(text)
    assert (secret.kind, secret.name, secret.document, secret.position) == \
        ("Secret", "regcred", 0, Position(1, 1))
    assert secret.body["type"] == "kubernetes.io/dockerconfigjson"
    assert base64.b64decode(secret.body["data"][".dockerconfigjson"]).decode() == config
    assert (account.kind, account.body["imagePullSecrets"]) == \
        ("ServiceAccount", [{"name": "regcred"}])
    assert (deployment.kind, deployment.api_version, deployment.position) == \
        ("Deployment", "apps/v1", Position(16, 1))
    assert deployment.replicas == 3
    assert deployment.pod_spec is not None
    assert deployment.pod_spec.service_account_name == "builder"
    assert deployment.pod_spec.image_pull_secrets_written is False


def test_every_error_of_every_document_is_collected() -> None:
    text = POD.replace("    image: nginx:1.27\n", "") + "---\n" + DEPLOYMENT.replace(
        "apps/v1", "extensions/v1beta1") + "---\nkind: Service\n"
    problems = problems_of(text)
    assert [(p.line, p.message) for p in problems] == [
        (7, "spec.containers[0].image: Required value"),
        (9, "Deployment is in apiVersion apps/v1, not extensions/v1beta1"),
        (27, 'kind "Service" is not supported here: supported kinds are Pod, Deployment, '
             "ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, Namespace, ServiceAccount, "
             "Secret"),
    ]


# ------------------------------------------------------------------------ kind, apiVersion


@pytest.mark.parametrize(("kind", "written", "right"), [
    ("Deployment", "extensions/v1beta1", "apps/v1"),
    ("DaemonSet", "apps/v1beta2", "apps/v1"),
    ("CronJob", "batch/v1beta1", "batch/v1"),
    ("Pod", "apps/v1", "v1"),
    ("Secret", "v2", "v1"),
])
def test_kind_with_the_wrong_api_version_names_the_right_one(kind: str, written: str,
                                                             right: str) -> None:
    problems = errors_of(f"apiVersion: {written}\nkind: {kind}\nmetadata: {{name: x}}\n")
    (problem,) = [p for p in problems if p.path == "apiVersion"]
    assert problem.message == f"{kind} is in apiVersion {right}, not {written}"
    assert (problem.line, problem.column, problem.path) == (1, 13, "apiVersion")


def test_missing_api_version_is_required_and_says_which_one() -> None:
    problem = only_error(POD.replace("apiVersion: v1\n", ""))
    assert problem.message == "apiVersion: Required value"
    assert problem.hint == "Pod is in apiVersion v1: add `apiVersion: v1`"


def test_missing_kind_is_required() -> None:
    problem = only_error("apiVersion: v1\nmetadata: {name: x}\n")
    assert (problem.message, problem.line, problem.column) == ("kind: Required value", 1, 1)


def test_kind_with_the_wrong_case_gets_a_did_you_mean() -> None:
    problem = only_error(POD.replace("kind: Pod", "kind: pod"))
    assert problem.message.startswith('kind "pod" is not supported here: supported kinds are')
    assert problem.hint == "kinds are case-sensitive: did you mean Pod?"
    assert (problem.line, problem.column) == (2, 7)


def test_a_document_that_is_a_list_is_not_an_object() -> None:
    problem = only_error("- a\n- b\n")
    assert problem.message == "a Kubernetes object is a mapping (`kind:`, `metadata:`, …), " \
        "not a list"


# --------------------------------------------------------------------------------- metadata


def test_missing_name_is_required_like_the_api_server_says() -> None:
    problem = only_error(POD.replace("  name: web\n", "  labels: {}\n"))
    assert problem.message == "metadata.name: Required value: name or generateName is required"
    assert (problem.line, problem.column) == (4, 3)


def test_generate_name_stands_in_for_the_name() -> None:
    (pod,) = load_manifests(POD.replace("  name: web\n", "  generateName: web-\n"))
    assert pod.name == "web-"
    assert "name" not in pod.body["metadata"]


def test_invalid_object_name_uses_the_rfc1123_wording() -> None:
    problem = only_error(POD.replace("  name: web\n", "  name: Web_1\n"))
    assert problem.message.startswith('metadata.name: Invalid value: "Web_1": a lowercase RFC '
                                      "1123 subdomain must consist of")
    assert (problem.line, problem.column) == (4, 9)


def test_label_values_must_be_strings() -> None:
    problem = only_error(POD.replace("  name: web\n", "  name: web\n  labels:\n    version: 1.0\n"))
    assert problem.message == "metadata.labels.version: must be a string, not a number"
    assert problem.hint == 'quote it: version: "1.0"'
    assert (problem.line, problem.column) == (6, 14)


def test_namespace_and_labels_are_read() -> None:
    (pod,) = load_manifests(POD.replace("  name: web\n",
                                        "  name: web\n  namespace: team\n  labels: {app: web}\n"))
    assert (pod.namespace, pod.effective_namespace, pod.labels) == \
        ("team", "team", (("app", "web"),))


def test_same_kind_namespace_and_name_twice_is_an_error() -> None:
    problem = only_error(POD + "---\n" + POD)
    assert problem.message == 'Pod "web" already exists (document 1 has the same kind, ' \
        "namespace and name)"
    assert problem.line == 10


# ----------------------------------------------------------------------------- containers


def test_missing_image_is_a_required_value_at_the_container() -> None:
    problem = only_error(POD.replace("    image: nginx:1.27\n", ""))
    assert problem.message == "spec.containers[0].image: Required value"
    assert problem.path == "spec.containers[0].image"
    assert (problem.line, problem.column) == (7, 5)


def test_empty_image_is_a_required_value_at_the_value() -> None:
    problem = only_error(POD.replace("nginx:1.27", '""'))
    assert problem.message == "spec.containers[0].image: Required value"
    assert (problem.line, problem.column) == (8, 12)


@pytest.mark.parametrize(("value", "described"), [
    ("1.27", "a number"), ("[nginx]", "a list"), ("{name: nginx}", "a mapping"),
    ("true", "a boolean"),
])
def test_image_must_be_a_string(value: str, described: str) -> None:
    problem = only_error(POD.replace("nginx:1.27", value))
    assert problem.message == f"spec.containers[0].image: must be a string, not {described}"
    assert (problem.line, problem.column) == (8, 12)


def test_image_with_surrounding_spaces_is_invalid() -> None:
    problem = only_error(POD.replace("nginx:1.27", '" nginx"'))
    assert problem.message == 'spec.containers[0].image: Invalid value: " nginx": must not ' \
        "have leading or trailing whitespace"


@pytest.mark.parametrize("containers", ["  containers: []\n", "  containers:\n",
                                        "  nodeName: a\n"])
def test_containers_must_be_a_non_empty_list(containers: str) -> None:
    text = POD.split("  containers:\n")[0] + containers
    problem = only_error(text)
    assert problem.message == "spec.containers: Required value"


def test_containers_must_be_a_list() -> None:
    problem = only_error(POD.replace("  containers:\n  - name", "  containers:\n    name")
                         .replace("\n    image", "\n    image"))
    assert problem.message == "spec.containers: must be a list, not a mapping"


def test_container_name_is_required() -> None:
    problem = only_error(POD.replace("  - name: web\n    image", "  - image"))
    assert problem.message == "spec.containers[0].name: Required value"
    assert (problem.line, problem.column) == (7, 5)


def test_container_name_must_be_a_dns_label() -> None:
    problem = only_error(POD.replace("- name: web", "- name: Web.1"))
    assert problem.message.startswith('spec.containers[0].name: Invalid value: "Web.1": a '
                                      "lowercase RFC 1123 label must consist of")


def test_container_names_are_unique_across_init_and_regular_containers() -> None:
    text = POD.replace("  containers:\n", "  initContainers:\n  - name: web\n    image: busybox\n"
                                          "  containers:\n")
    problem = only_error(text)
    assert problem.message == 'spec.containers[0].name: Duplicate value: "web"'
    assert (problem.line, problem.column) == (10, 11)


def test_containers_and_init_containers_are_read_in_order_with_positions() -> None:
    text = POD.replace("  containers:\n", "  initContainers:\n  - name: setup\n"
                                          "    image: busybox:1.36\n  containers:\n") + \
        "    imagePullPolicy: Never\n  - name: side\n    image: envoy:v1\n"
    (pod,) = load_manifests(text)
    assert pod.pod_spec is not None
    assert pod.pod_spec.init_containers == (
        Container("setup", "busybox:1.36", None, init=True, position=Position(8, 12)),
    )
    assert pod.pod_spec.containers == (
        Container("web", "nginx:1.27", "Never", position=Position(11, 12)),
        Container("side", "envoy:v1", None, position=Position(14, 12)),
    )
    assert [c.name for c in pod.pod_spec.all_containers] == ["setup", "web", "side"]


# ------------------------------------------------------------------------------- workloads


def test_deployment_replicas_and_template_are_read() -> None:
    (deployment,) = load_manifests(DEPLOYMENT)
    assert deployment.replicas == 3
    assert deployment.pod_spec is not None
    assert deployment.pod_spec.containers[0].image == "nginx:1.27"


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "StatefulSet"])
def test_replicas_default_to_one(kind: str) -> None:
    (obj,) = load_manifests(DEPLOYMENT.replace("  replicas: 3\n", "")
                            .replace("kind: Deployment", f"kind: {kind}"))
    assert obj.replicas == 1


def test_daemon_set_has_no_replicas() -> None:
    (obj,) = load_manifests(DEPLOYMENT.replace("  replicas: 3\n", "")
                            .replace("kind: Deployment", "kind: DaemonSet"))
    assert obj.replicas is None and obj.pod_spec is not None


@pytest.mark.parametrize(("value", "message"), [
    ("-1", "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    ('"3"', "spec.replicas: must be an integer, not a string"),
    ("1.5", "spec.replicas: must be an integer, not a number"),
])
def test_replicas_must_be_a_non_negative_integer(value: str, message: str) -> None:
    problem = only_error(DEPLOYMENT.replace("replicas: 3", f"replicas: {value}"))
    assert (problem.message, problem.line, problem.column) == (message, 6, 13)


def test_zero_replicas_are_allowed() -> None:
    assert load_manifests(DEPLOYMENT.replace("replicas: 3", "replicas: 0"))[0].replicas == 0


def test_deployment_selector_is_required() -> None:
    text = DEPLOYMENT.replace("  selector:\n    matchLabels:\n      app: web\n", "")
    problem = only_error(text)
    assert problem.message == "spec.selector: Required value"
    assert (problem.line, problem.column) == (6, 3)


def test_deployment_selector_must_match_template_labels() -> None:
    problem = only_error(DEPLOYMENT.replace("        app: web", "        app: api"))
    assert problem.message == 'spec.template.metadata.labels: Invalid value: ' \
        'map[string]string{"app":"api"}: `selector` does not match template `labels`'
    assert (problem.line, problem.column) == (13, 9)


def test_selector_match_expressions_are_honoured() -> None:
    text = DEPLOYMENT.replace("    matchLabels:\n      app: web\n",
                              "    matchExpressions:\n    - {key: app, operator: In, "
                              "values: [web, api]}\n")
    assert load_manifests(text)[0].kind == "Deployment"
    text = text.replace("operator: In", "operator: NotIn")
    assert "does not match" in only_error(text).message


def test_empty_selector_is_invalid() -> None:
    problem = only_error(DEPLOYMENT.replace("    matchLabels:\n      app: web\n",
                                            "    matchLabels: {}\n"))
    assert problem.message == "spec.selector: Invalid value: {}: empty selector is invalid " \
        "for deployment"


def test_missing_template_is_required() -> None:
    text = DEPLOYMENT.split("  template:")[0]
    assert only_error(text).message == "spec.template: Required value"


def test_deployment_template_restart_policy_must_be_always() -> None:
    text = DEPLOYMENT.replace("    spec:\n", "    spec:\n      restartPolicy: Never\n")
    problem = only_error(text)
    assert problem.message == 'spec.template.spec.restartPolicy: Unsupported value: "Never": ' \
        'supported values: "Always"'


JOB = """apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: run
        image: busybox:1.36
"""


def test_job_parallelism_defaults_to_one_and_is_read() -> None:
    assert load_manifests(JOB)[0].replicas == 1
    assert load_manifests(JOB.replace("spec:\n  template", "spec:\n  parallelism: 4\n  template"))[
        0].replicas == 4


def test_job_needs_a_restart_policy_of_on_failure_or_never() -> None:
    problem = only_error(JOB.replace("      restartPolicy: Never\n", ""))
    assert problem.message == 'spec.template.spec.restartPolicy: Required value: valid ' \
        'values: "OnFailure", "Never"'


def test_cron_job_pod_spec_comes_from_the_job_template() -> None:
    text = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      parallelism: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: run
            image: busybox:1.36
"""
    (cron,) = load_manifests(text)
    assert cron.replicas == 2
    assert cron.pod_spec is not None
    assert cron.pod_spec.containers[0].position == Position(15, 20)
    problem = only_error(text.replace("            image: busybox:1.36\n", ""))
    assert problem.message == "spec.jobTemplate.spec.template.spec.containers[0].image: " \
        "Required value"


# --------------------------------------------------------------------- the rest of PodSpec


def test_pod_spec_scheduling_and_pull_fields_are_read() -> None:
    text = POD.replace("spec:\n", """spec:
  nodeName: node-a
  serviceAccount: builder
  nodeSelector: {disk: ssd}
  imagePullSecrets: [{name: first}, {name: ""}, {name: second}]
  tolerations:
  - {key: gpu, operator: Exists, effect: NoSchedule}
  - {key: team, value: shop}
  - operator: Exists
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: arch, operator: In, values: [amd64, arm64]}
          - {key: spot, operator: DoesNotExist}
        - matchExpressions:
          - {key: cores, operator: Gt, values: ["4"]}
""")
    (pod,) = load_manifests(text)
    spec = pod.pod_spec
    assert spec is not None
    assert spec.node_name == "node-a"
    assert spec.service_account_name == "builder"
    assert spec.node_selector == (("disk", "ssd"),)
    assert spec.image_pull_secrets == ("first", "second")
    assert spec.image_pull_secrets_written is True
    assert spec.tolerations == (
        Toleration("gpu", "Exists", None, "NoSchedule"),
        Toleration("team", "Equal", "shop", None),
        Toleration(None, "Exists", None, None),
    )
    assert spec.required_node_affinity == (
        (NodeSelectorRequirement("arch", "In", ("amd64", "arm64")),
         NodeSelectorRequirement("spot", "DoesNotExist")),
        (NodeSelectorRequirement("cores", "Gt", ("4",)),),
    )


def test_service_account_name_wins_over_the_deprecated_field() -> None:
    text = POD.replace("spec:\n", "spec:\n  serviceAccountName: new\n  serviceAccount: old\n")
    spec = load_manifests(text)[0].pod_spec
    assert spec is not None and spec.service_account_name == "new"


@pytest.mark.parametrize(("written", "names", "flag"), [
    ("", (), False),
    ("  imagePullSecrets:\n", (), False),
    ("  imagePullSecrets: []\n", (), True),
    ('  imagePullSecrets: [{name: ""}]\n', (), True),
])
def test_image_pull_secrets_written_flag(written: str, names: tuple[str, ...],
                                         flag: bool) -> None:
    spec = load_manifests(POD.replace("spec:\n", "spec:\n" + written))[0].pod_spec
    assert spec is not None
    assert (spec.image_pull_secrets, spec.image_pull_secrets_written) == (names, flag)


def test_image_pull_secrets_as_plain_names_get_a_hint() -> None:
    problem = only_error(POD.replace("spec:\n", "spec:\n  imagePullSecrets: [regcred]\n"))
    assert problem.message == "spec.imagePullSecrets[0]: must be a mapping with a name, not a " \
        "string"
    assert problem.hint == "write `- name: regcred`"


def test_node_selector_values_must_be_strings() -> None:
    problem = only_error(POD.replace("spec:\n", "spec:\n  nodeSelector: {gpu: true}\n"))
    assert problem.message == "spec.nodeSelector.gpu: must be a string, not a boolean"
    assert problem.hint == 'quote it: gpu: "true"'


@pytest.mark.parametrize(("toleration", "message"), [
    ("{key: a, operator: Exists, value: b}", 'spec.tolerations[0].operator: Invalid value: '
     '"b": value must be empty when `operator` is \'Exists\''),
    ("{value: b}", 'spec.tolerations[0].operator: Invalid value: "Equal": operator must be '
     'Exists when `key` is empty, which means "match all values and all keys"'),
    ("{key: a, operator: Equals}", 'spec.tolerations[0].operator: Unsupported value: '
     '"Equals": supported values: "Equal", "Exists"'),
    ("{key: a, effect: NoRun}", 'spec.tolerations[0].effect: Unsupported value: "NoRun": '
     'supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"'),
])
def test_tolerations_are_validated(toleration: str, message: str) -> None:
    problem = only_error(POD.replace("spec:\n", f"spec:\n  tolerations: [{toleration}]\n"))
    assert problem.message == message


@pytest.mark.parametrize(("expression", "message"), [
    ("{key: a, operator: In, values: []}", "values: Required value: must be specified when "
     "`operator` is 'In' or 'NotIn'"),
    ("{key: a, operator: Exists, values: [x]}", "values: Forbidden: may not be specified when "
     "`operator` is 'Exists' or 'DoesNotExist'"),
    ("{key: a, operator: Gt, values: [x]}", "values: Required value: must be specified single "
     "value when `operator` is 'Lt' or 'Gt'"),
    ("{key: a, operator: in, values: [x]}", 'operator: Unsupported value: "in": supported '
     'values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"'),
])
def test_node_affinity_requirements_are_validated(expression: str, message: str) -> None:
    text = POD.replace("spec:\n", "spec:\n  affinity:\n    nodeAffinity:\n"
                       "      requiredDuringSchedulingIgnoredDuringExecution:\n"
                       f"        nodeSelectorTerms: [{{matchExpressions: [{expression}]}}]\n")
    problem = only_error(text)
    path = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution." \
        "nodeSelectorTerms[0].matchExpressions[0]."
    assert problem.message == path + message


# ----------------------------------------------------------------------------------- Secret

SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: creds
"""


def test_secret_type_defaults_to_opaque_and_body_is_plain_data() -> None:
    (secret,) = load_manifests(SECRET + "data:\n  password: czNjcmV0\n")
    assert secret.body == {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
                           "type": "Opaque", "data": {"password": "czNjcmV0"}}


def test_secret_data_must_be_base64() -> None:
    problem = only_error(SECRET + "data:\n  password: s3cret!\n")
    assert problem.message == "data[password]: illegal base64 data at input byte 6"
    assert problem.hint == "data values are base64; put plain text under stringData"
    assert (problem.line, problem.column) == (6, 13)


def test_secret_string_data_is_merged_into_data_as_base64() -> None:
    (secret,) = load_manifests(SECRET + "data:\n  a: YQ==\n  b: YQ==\nstringData:\n  b: plain\n")
    assert secret.body["data"] == {"a": "YQ==", "b": base64.b64encode(b"plain").decode()}
    assert "stringData" not in secret.body


def test_secret_string_data_values_must_be_strings() -> None:
    problem = only_error(SECRET + "stringData:\n  port: 5432\n")
    assert problem.message == "stringData[port]: must be a string, not an integer"
    assert (problem.line, problem.column) == (6, 9)


def test_docker_config_secret_needs_its_key() -> None:
    problem = only_error(SECRET + "type: kubernetes.io/dockerconfigjson\ndata:\n  config: e30=\n")
    assert problem.message == "data[.dockerconfigjson]: Required value"
    assert (problem.line, problem.column) == (5, 7)


@pytest.mark.parametrize(("secret_type", "key"), [
    ("kubernetes.io/dockerconfigjson", ".dockerconfigjson"),
    ("kubernetes.io/dockercfg", ".dockercfg"),
])
def test_docker_config_secret_must_hold_json(secret_type: str, key: str) -> None:
    text = SECRET + f"type: {secret_type}\nstringData:\n  {key}: '{{not json'\n"
    problem = only_error(text)
    assert problem.message.startswith(f'data[{key}]: Invalid value: "<secret contents '
                                      'redacted>": ')
    assert (problem.line, problem.column) == (7, 5 + len(key))


def test_docker_config_secret_from_string_data_is_accepted() -> None:
    text = SECRET + "type: kubernetes.io/dockercfg\nstringData:\n  .dockercfg: '{\"r.io\": {}}'\n"
    (secret,) = load_manifests(text)
    assert base64.b64decode(secret.body["data"][".dockercfg"]) == b'{"r.io": {}}'


def test_secret_keys_must_be_valid_config_keys() -> None:
    problem = only_error(SECRET + "stringData:\n  bad key: x\n")
    assert problem.message.startswith('stringData[bad key]: Invalid value: "bad key": a valid '
                                      "config key must consist of alphanumeric characters")


def test_a_flood_of_warnings_is_capped_with_a_count_of_the_rest() -> None:
    fields = "".join(f"  field{i}: x\n" for i in range(100))
    text = POD.replace("spec:\n", "spec:\n" + fields)
    warnings = load_manifests(text, validate="warn").warnings
    assert len(warnings) == 50
    assert warnings[-1].message == "… and 51 more problems"
    errors = problems_of(text)  # strict: 100 field errors and kubectl's line, capped alike
    assert len(errors) == 50
    assert errors[-1].message == "… and 52 more problems"


def test_colon_inside_a_flow_mapping_value_reads_as_kubectl_reads_it() -> None:
    # go-yaml v2 (kubectl) accepts a plain `nginx:1.25` inside `{…}`; old libyaml did not.
    objects = load_manifests(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
        "spec:\n  containers: [{name: a, image: nginx:1.25}]\n")
    assert objects[0].pod_spec is not None
    assert objects[0].pod_spec.containers[0].image == "nginx:1.25"
