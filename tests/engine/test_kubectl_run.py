"""`kubectl run`, `kubectl create deployment` and `kubectl create namespace`, pasted or typed.

The objects are the ones kubectl builds (staging/src/k8s.io/kubectl/pkg/cmd/run/run.go
`createPod`, pkg/cmd/create/create_deployment.go, create_namespace.go), printed the way
`--dry-run=client -o yaml` prints them (kubectl 1.34+, without `creationTimestamp: null`), and
the errors are kubectl's own words, each placed on the word it is about.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sandbox.engine import evaluate
from sandbox.engine.kubectl import dry_run_yaml, parse_commands
from sandbox.engine.objects import Manifests
from sandbox.engine.paste import created_objects
from sandbox.engine.problems import ManifestError, Position, Problem

sys.path.insert(0, str(Path(__file__).parent))
from test_console import SECRET, Console  # noqa: E402


def parsed(text: str) -> Manifests:
    found = parse_commands(text)
    assert found is not None
    return found


def only_error(text: str) -> Problem:
    with pytest.raises(ManifestError) as caught:
        parse_commands(text)
    found = [p for p in caught.value.problems if p.severity == "error"]
    assert len(found) == 1, found
    return found[0]


# --- the objects, as kubectl prints them ---------------------------------------------------------


def test_run_makes_the_pod_kubectl_makes() -> None:
    [pod] = parsed("kubectl run web --image=nginx:1.27")
    assert dry_run_yaml(pod) == """\
apiVersion: v1
kind: Pod
metadata:
  labels:
    run: web
  name: web
spec:
  containers:
  - image: nginx:1.27
    name: web
    resources: {}
  dnsPolicy: ClusterFirst
  restartPolicy: Always
status: {}
"""
    assert pod.pod_spec is not None
    [container] = pod.pod_spec.containers
    assert (container.name, container.image, container.image_pull_policy) == (
        "web", "nginx:1.27", None)  # left empty: the API server defaults it
    assert pod.labels == (("run", "web"),)
    assert container.position == Position(1, 17)  # an editor marker goes on --image


def test_run_with_every_flag_that_shapes_the_pod() -> None:
    [pod] = parsed("kubectl run api -n team --image=registry.example.com/api:v2 "
                   "--image-pull-policy=Never --restart=OnFailure --labels=app=api,tier=back "
                   "--env=MODE=fast --env EMPTY= --port=8080 --annotations=note=hi "
                   "--privileged --command -- /bin/api --serve")
    assert dry_run_yaml(pod) == """\
apiVersion: v1
kind: Pod
metadata:
  annotations:
    note: hi
  labels:
    app: api
    tier: back
  name: api
  namespace: team
spec:
  containers:
  - command:
    - /bin/api
    - --serve
    env:
    - name: MODE
      value: fast
    - name: EMPTY
      value: ""
    image: registry.example.com/api:v2
    imagePullPolicy: Never
    name: api
    ports:
    - containerPort: 8080
    resources: {}
    securityContext:
      privileged: true
  dnsPolicy: ClusterFirst
  restartPolicy: OnFailure
status: {}
"""
    assert pod.namespace == "team"
    assert pod.pod_spec is not None and pod.pod_spec.containers[0].image_pull_policy == "Never"


def test_run_puts_extra_words_in_args_unless_command() -> None:
    [pod] = parsed("kubectl run once --image=busybox:1.36 --restart=Never -- sleep 5")
    assert pod.body["spec"]["containers"][0]["args"] == ["sleep", "5"]
    assert "command" not in pod.body["spec"]["containers"][0]


def test_create_deployment_makes_the_deployment_kubectl_makes() -> None:
    [deployment] = parsed("kubectl create deployment web --image=nginx:1.27 --replicas=3")
    assert dry_run_yaml(deployment) == """\
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  strategy: {}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - image: nginx:1.27
        name: nginx
        resources: {}
status: {}
"""
    assert deployment.replicas == 3


def test_create_deployment_names_each_container_after_its_image() -> None:
    [deployment] = parsed("kubectl create deploy pair --image=registry.example.com/team/app@sha256:"
                          + "a" * 64 + " --image=busybox:1.36,redis:7 -r 2 --port=80")
    assert deployment.pod_spec is not None
    names = [c.name for c in deployment.pod_spec.containers]
    assert names == ["app", "busybox", "redis"]
    assert deployment.body["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80}]
    assert deployment.replicas == 2


def test_a_dot_or_underscore_in_the_image_name_is_replaced_and_suffixed() -> None:
    [deployment] = parsed("kubectl create deployment x --image=my_app.v2:1")
    assert deployment.pod_spec is not None
    # kubectl adds five random letters; here they are fixed, so a run can be replayed
    assert deployment.pod_spec.containers[0].name == "my-app-v2-xxxxx"


def test_create_deployment_puts_words_after_the_dash_in_command() -> None:
    [deployment] = parsed("kubectl create deployment d --image=busybox:1.36 -- sleep 3600")
    assert deployment.body["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "sleep", "3600"]


def test_create_namespace() -> None:
    [namespace] = parsed("kubectl create namespace team")
    assert dry_run_yaml(namespace) == ("apiVersion: v1\nkind: Namespace\nmetadata:\n"
                                       "  name: team\nspec: {}\nstatus: {}\n")


# --- kubectl's own errors, on the word they are about ------------------------------------------


@pytest.mark.parametrize("command, message, column", [
    ("kubectl run --image=nginx", "error: NAME is required for run", 9),
    ("kubectl run web", "error: --image is required", 1),
    ("kubectl run web --image=Nginx",
     'error: invalid image name "Nginx": invalid reference format', 17),
    ("kubectl run web --image=nginx:", 'error: invalid image name "nginx:": invalid reference '
     "format", 17),
    ("kubectl run web --image=nginx --restart=never", "error: invalid restart policy: never, "
     "valid values are: Always, OnFailure, Never", 31),
    ("kubectl run web --image=nginx --image-pull-policy=always", "error: invalid image pull "
     "policy: always, valid values are: Always, IfNotPresent, Never", 31),
    ("kubectl run web --image=nginx --labels=a=b=c", "error: unexpected label spec: a=b=c", 31),
    ("kubectl run web --image=nginx --labels==x", "error: unexpected empty label key", 31),
    ("kubectl run web --image=nginx --env=1X=y", "error: invalid env: 1X=y", 31),
    ("kubectl run web --image=nginx --env=NOVALUE", "error: invalid env: NOVALUE", 31),
    ("kubectl run web --image=nginx --port=http", "error: --port must be a number", 31),
    ("kubectl create deployment web", 'error: required flag(s) "image" not set', 1),
    ("kubectl create deployment web --image=a --image=b -- sleep 1",
     "error: cannot specify multiple --image options and command", 41),
    ("kubectl create deployment web --image=nginx --replicas=two", 'error: invalid argument '
     '"two" for "-r, --replicas" flag: strconv.ParseInt: parsing "two": invalid syntax', 45),
    ("kubectl create deployment a b --image=nginx", "error: exactly one NAME is required, got 2",
     29),
    ("kubectl run web --image=nginx -it", "--stdin is not supported here", 31),
    ("kubectl run web --image=nginx --expose --port=80", "--expose is not supported here", 31),
])
def test_kubectl_errors(command: str, message: str, column: int) -> None:
    error = only_error(command)
    assert (error.message, error.line, error.column) == (message, 1, column)
    assert error.hint


def test_hostile_commands_are_refused_quickly_and_briefly() -> None:
    many = only_error("kubectl create deployment x --image=" + ",".join(["a"] * 5000))
    assert many.message == ("this command lists 5000 images, variables, labels and arguments; "
                            "at most 1000 are read here")
    lines = "".join(f"kubectl run x{n} --image=nginx\n" for n in range(150))
    assert only_error(lines) == Problem("more than 100 kubectl commands in one paste", 101, 1,
                                        hint="paste the first ones, run them, then the rest")
    words = only_error("kubectl run x --image=nginx -- " + "a " * 30_000)
    assert words.message == "more than 20000 words in the pasted commands"
    with pytest.raises(ManifestError) as caught:
        parse_commands("kubectl run " + "a" * 100_000 + " --image=nginx")
    assert {(p.line, p.column) for p in caught.value.problems} == {(1, 13)}  # all on NAME
    assert all(p.message.startswith('The Pod "' + "a" * 200 + '" is invalid')
               for p in caught.value.problems)


def test_the_image_is_checked_against_the_grammar_only_as_kubectl_does() -> None:
    # run.go matches ReferenceRegexp: a 300-letter name fits it (the length is checked later)
    [pod] = parsed("kubectl run long --image=" + "a" * 300)
    assert pod.pod_spec is not None and pod.pod_spec.containers[0].image == "a" * 300


def test_the_api_servers_validation_is_reported_on_the_word_it_is_about() -> None:
    error = only_error("kubectl run web.v1 --image=nginx")
    assert error.message.startswith('The Pod "web.v1" is invalid: spec.containers[0].name: '
                                    'Invalid value: "web.v1": a lowercase RFC 1123 label')
    assert (error.line, error.column) == (1, 13)
    label = only_error("kubectl run web --image=nginx --labels=app=-x-")
    assert label.message.startswith('The Pod "web" is invalid: metadata.labels: Invalid value: '
                                    '"-x-"')
    assert label.column == 31
    replicas = only_error("kubectl create deployment web --image=nginx --replicas=-1")
    assert "spec.replicas" in replicas.message and replicas.column == 45


def test_a_dry_run_in_a_paste_says_the_pod_is_run_anyway() -> None:
    found = parsed("kubectl run web --image=nginx:1.27 --dry-run=client -o yaml")
    assert [o.kind for o in found] == ["Pod"]
    [warning] = found.warnings
    assert warning.message.startswith("with --dry-run kubectl only prints the Pod")
    assert warning.column == 36


def test_a_pasted_run_shows_the_pod_it_made() -> None:
    text = "kubectl run web --image=nginx:1.27"
    [shown] = created_objects(text, parsed(text))
    assert shown["kind"] == "Pod" and "run: web" in shown["yaml"]


# --- what then happens to the images -------------------------------------------------------------


def test_a_paste_of_commands_alone_pulls_from_a_private_registry() -> None:
    """Secret, service account and Pod, with no YAML: the account's secret reaches the pull."""
    from test_console import scenario
    paste = "\n".join([
        SECRET,
        """kubectl patch serviceaccount default -p '{"imagePullSecrets": [{"name": "regcred"}]}'""",
        "kubectl run app --image=registry.company.com/webapp:v1",
    ])
    result = evaluate(paste, scenario("private-registry"))
    assert [p.outcome for p in result.trace.pulls] == ["pulled"]
    without = evaluate("kubectl run app --image=registry.company.com/webapp:v1",
                       scenario("private-registry"))
    assert [p.outcome for p in without.trace.pulls][:1] != ["pulled"]


def test_never_on_a_node_without_the_image_is_err_image_never_pull() -> None:
    console = Console()
    assert console.do("kubectl run web --image=nginx:1.25 --image-pull-policy=Never").output == \
        "pod/web created\n"
    console.do("sleep 5")
    rows = console.do("kubectl get pods").output.splitlines()
    assert rows[1].split()[:3] == ["web", "0/1", "ErrImageNeverPull"]


def test_the_console_keeps_kubectls_words_for_what_exists_and_what_does_not() -> None:
    console = Console()
    assert console.do("kubectl run web --image=nginx:1.25").output == "pod/web created\n"
    again = console.do("kubectl run web --image=nginx:1.25")
    assert again.exit_code == 1
    assert again.error.startswith('Error from server (AlreadyExists): pods "web" already exists')
    assert console.do("kubectl create deployment api --image=nginx:1.25 --replicas=2").output == \
        "deployment.apps/api created\n"
    assert console.do("kubectl create deployment api --image=nginx:1.25").error.startswith(
        'error: failed to create deployment: deployments.apps "api" already exists')
    assert console.do("kubectl run x -n team --image=nginx").error == \
        'Error from server (NotFound): namespaces "team" not found\n'
    assert console.do("kubectl create deployment x -n team --image=nginx").error == \
        'error: failed to create deployment: namespaces "team" not found\n'
    assert console.do("kubectl create namespace team").output == "namespace/team created\n"
    assert console.do("kubectl create ns team").error.startswith(
        'Error from server (AlreadyExists): namespaces "team" already exists')
    assert console.do("kubectl run x -n team --image=nginx").output == "pod/x created\n"
    console.do("sleep 30")
    names = [row.split()[0] for row in console.do("kubectl get pods -A").output.splitlines()[1:]]
    assert sorted(names) == ["default", "default", "default", "team"]


def test_a_dry_run_in_the_console_prints_and_stores_nothing() -> None:
    console = Console()
    shown = console.do("kubectl run web --image=nginx:1.27 --dry-run=client -o yaml")
    assert shown.output.startswith("apiVersion: v1\nkind: Pod\n")
    assert console.do("kubectl create deployment web --image=nginx --dry-run=client").output == \
        "deployment.apps/web created (dry run)\n"
    assert console.do("kubectl get pods").error == "No resources found in default namespace.\n"


@pytest.mark.parametrize("verb", ["logs web", "exec web -- sh", "top pods"])
def test_what_runs_inside_containers_is_said_to_be_not_simulated(verb: str) -> None:
    result = Console().do(f"kubectl {verb}")
    assert result.exit_code == 1
    assert result.error.startswith(f"kubectl {verb.split()[0]} is not simulated here")
