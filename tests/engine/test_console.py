"""The learner's cluster (sandbox.engine.console): state that persists between commands, with
kubectl's own words and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sandbox.engine import load_scenario
from sandbox.engine.console import ClusterState, new_cluster, run_command

KEY = b"test-key"
SCENARIOS = Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"
PRIVATE_POD = """apiVersion: v1
kind: Pod
metadata: {name: private-app}
spec:
  nodeName: node-b
  containers:
  - name: app
    image: registry.company.com/webapp:v1
  imagePullSecrets:
  - name: regcred
"""
SECRET = ("kubectl create secret docker-registry regcred --docker-server=registry.company.com "
          "--docker-username=myuser --docker-password=mypass123")


def deployment(image: str, replicas: int = 3, name: str = "web") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: {name}, image: "{image}"}}]
"""


def scenario(name: str):  # type: ignore[no-untyped-def]
    return load_scenario((SCENARIOS / f"{name}.yaml").read_text())


class Console:
    """A terminal on one cluster: `do` runs a line and keeps the state it leaves."""

    def __init__(self, scenario_name: str | None = None) -> None:
        from sandbox.engine import default_scenario
        world = scenario(scenario_name) if scenario_name else default_scenario()
        self.state: ClusterState = new_cluster(world, key=KEY)
        self.files: dict[str, str] = {}

    def do(self, line: str, file: str | None = None):  # type: ignore[no-untyped-def]
        if file is not None:
            self.files["-"] = file
        self.state, result = run_command(self.state, line, files=self.files, key=KEY)
        return result


def pod_rows(console: Console) -> list[list[str]]:
    out = console.do("kubectl get pods -o wide").output.splitlines()
    return [line.split() for line in out[1:]]


# --- the private-registry story --------------------------------------------------------------


def test_secret_then_pull_then_cache_then_rmi_then_pull_again() -> None:
    c = Console("private-registry")
    assert c.do(SECRET).output == "secret/regcred created\n"
    created = c.do("kubectl apply -f -", PRIVATE_POD)
    assert (created.output, created.exit_code) == ("pod/private-app created\n", 0)
    assert [p.outcome for p in created.trace.pulls] == ["pulled"]
    assert pod_rows(c)[0][2] == "Running"
    assert c.do("kubectl apply -f -").output == "pod/private-app unchanged\n"
    assert c.do("kubectl delete pod private-app").output == \
        'pod "private-app" deleted from default namespace\n'
    again = c.do("kubectl apply -f -")
    assert again.trace.pulls == ()  # the node kept the image: no pull at all
    assert any(e.reason == "Pulled" and "already present" in e.message
               for e in again.trace.events)
    images = c.do("ssh node-b crictl images").output
    assert "registry.company.com/webapp" in images and "v1" in images
    assert c.do("ssh node-b crictl rmi registry.company.com/webapp:v1").output == \
        "Deleted: registry.company.com/webapp:v1\n"
    c.do("kubectl delete pod private-app")
    pulled_again = c.do("kubectl apply -f -")
    assert [p.outcome for p in pulled_again.trace.pulls] == ["pulled"]


def test_the_password_is_kept_only_as_a_fingerprint() -> None:
    c = Console("private-registry")
    result = c.do(SECRET)
    c.do("kubectl apply -f -", PRIVATE_POD)
    text = c.state.to_json()
    assert "mypass123" not in text
    import base64
    decoded = [base64.b64decode(r["body"]["data"][".dockerconfigjson"]).decode()
               for r in c.state.records("Secret")]
    assert all("mypass123" not in d for d in decoded)
    assert "mypass123" not in result.command and "********" in result.command
    assert "mypass123" not in json.dumps(c.state.data["log"])
    assert pod_rows(c)[0][2] == "Running"  # and the registry still accepted it


def test_without_the_secret_the_private_pull_fails_and_backs_off() -> None:
    c = Console("private-registry")
    applied = c.do("kubectl apply -f -", PRIVATE_POD)
    # apply runs on through the PLEG's resync a second after the failed first sync, which
    # already meets the back-off; the status is what that resync wrote as it started.
    assert [e.reason for e in applied.trace.events
            if e.reason in ("Pulling", "BackOff")] == ["Pulling", "BackOff"]
    assert pod_rows(c)[0][2] == "ErrImagePull"
    # Requeues every 10-15 s: a pull at ~16 s fails (20 s window), the sync at ~30 s backs
    # off, and the one at ~43 s shows that ImagePullBackOff.
    c.do("sleep 45")
    assert pod_rows(c)[0][2] == "ImagePullBackOff"
    warnings = [line for line in c.do("kubectl get events").output.splitlines()
                if "FailedToRetrieveImagePullSecret" in line]
    assert warnings


def test_a_sync_after_a_command_boundary_shows_the_result_of_the_sync_before() -> None:
    c = Console("private-registry")
    c.do("kubectl apply -f -", PRIVATE_POD)  # syncs at 1 s (pull fails) and 2 s (BackOff)
    c.do("sleep 15")  # the requeue at ~16.5 s writes the 2 s sync's ImagePullBackOff
    assert pod_rows(c)[0][2] == "ImagePullBackOff"


# --- apply and defaulting --------------------------------------------------------------------


def test_defaulting_happens_once_at_creation() -> None:
    """`:latest` defaults to Always; `set image` to :1.25 keeps the stored Always."""
    c = Console()
    assert c.do("kubectl apply -f -", deployment("nginx")).output == \
        "deployment.apps/web created\n"
    assert c.do("kubectl set image deployment/web web=nginx:1.25").output == \
        "deployment.apps/web image updated\n"
    body = json.loads(c.do("kubectl get deployment web -o json").output)
    container = body["spec"]["template"]["spec"]["containers"][0]
    assert (container["image"], container["imagePullPolicy"]) == ("nginx:1.25", "Always")


def test_set_image_to_the_same_image_prints_nothing() -> None:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25"))
    result = c.do("kubectl set image deployment/web web=nginx:1.25")
    assert (result.output, result.exit_code, result.changed) == ("", 0, False)


def test_a_template_change_rolls_out_a_new_replicaset() -> None:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25"))
    first = {row[0] for row in pod_rows(c)}
    c.do("kubectl apply -f -", deployment("nginx:1.26"))
    sets = c.do("kubectl get rs").output.splitlines()[1:]
    assert len(sets) == 2
    assert sorted(line.split()[1] for line in sets) == ["0", "3"]
    after = {row[0] for row in pod_rows(c)}
    assert len(after) == 3 and not first & after
    assert c.do("kubectl rollout status deployment/web").output == \
        'deployment "web" successfully rolled out\n'


def test_a_rollout_to_a_missing_tag_stalls_within_max_unavailable() -> None:
    """3 replicas: maxSurge 1 (25 % rounded up), maxUnavailable 0 (rounded down), so the old
    pods keep serving while one new pod fails to pull."""
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25"))
    c.do("kubectl set image deployment/web web=nginx:9.99-missing")
    rows = pod_rows(c)
    statuses = sorted(row[2] for row in rows)
    assert statuses.count("Running") == 3 and len(rows) == 4
    assert "1 out of 3 new replicas" in c.do("kubectl rollout status deployment/web").output
    undone = c.do("kubectl rollout undo deployment/web")
    assert undone.output == "deployment.apps/web rolled back\n"
    assert sorted(row[2] for row in pod_rows(c)) == ["Running"] * 3


def test_deleting_a_deployment_pod_brings_a_new_one_with_a_new_name() -> None:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25", replicas=1))
    name = pod_rows(c)[0][0]
    c.do(f"kubectl delete pod {name}")
    rows = pod_rows(c)
    assert len(rows) == 1 and rows[0][0] != name and rows[0][0].startswith("web-")


def test_pod_updates_may_only_change_images() -> None:
    c = Console()
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" \
          "  - {name: c, image: nginx:1.25}\n"
    c.do("kubectl apply -f -", pod)
    before = c.state.to_json()
    refused = c.do("kubectl apply -f -", pod.replace("  - {name: c", "  restartPolicy: Never\n"
                                                     "  containers:\n  - {name: c")
                   .replace("  containers:\n  restartPolicy", "  restartPolicy"))
    assert refused.exit_code == 1
    assert refused.error.startswith('The Pod "p" is invalid: spec: Forbidden: pod updates may '
                                    "not change fields other than `spec.containers[*].image`")
    assert c.state.to_json() == before
    changed = c.do("kubectl set image pod/p c=nginx:1.26")
    assert changed.output == "pod/p image updated\n"
    assert any(e.reason == "Killing" and "definition changed" in e.message
               for e in changed.trace.events)
    assert pod_rows(c)[0][3] == "1"  # RESTARTS


def test_create_of_an_existing_object_is_already_exists() -> None:
    c = Console()
    c.do("kubectl create -f -", deployment("nginx:1.25"))
    again = c.do("kubectl create -f -")
    assert again.exit_code == 1
    assert again.error == ('Error from server (AlreadyExists): error when creating "STDIN": '
                           'deployments.apps "web" already exists\n')


# --- registry and nodes ----------------------------------------------------------------------


def test_a_moved_tag_makes_replicas_diverge_under_if_not_present() -> None:
    c = Console("moving-tag")
    c.do("kubectl apply -f -", deployment("registry.company.com/app:latest", replicas=2)
         .replace('image: "registry.company.com/app:latest"}',
                  'image: "registry.company.com/app:latest", imagePullPolicy: IfNotPresent}'))
    ids = {json.loads(c.do(f"kubectl get pod {row[0]} -o json").output)["status"]
           ["containerStatuses"][0]["imageID"] for row in pod_rows(c)}
    assert len(ids) == 1  # both nodes used their cached build-41
    digest = c.do("crane digest registry.company.com/app:1.42").output.strip()
    c.do(f"crane tag registry.company.com/app@{digest} latest")
    c.do("ssh node-1 crictl rmi registry.company.com/app:latest")
    c.do("kubectl scale deployment/web --replicas=0")
    c.do("kubectl scale deployment/web --replicas=2")
    ids = {json.loads(c.do(f"kubectl get pod {row[0]} -o json").output)["status"]
           ["containerStatuses"][0]["imageID"] for row in pod_rows(c)}
    assert len(ids) == 2  # one node pulled the moved tag, the other kept its old build


def test_cordon_keeps_new_pods_off_the_node_and_drain_moves_them() -> None:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25", replicas=2))
    assert c.do("kubectl cordon node-1").output == "node/node-1 cordoned\n"
    assert "Ready,SchedulingDisabled" in c.do("kubectl get nodes").output
    drained = c.do("kubectl drain node-1 --ignore-daemonsets")
    assert drained.output.endswith("node/node-1 drained\n")
    assert {row[6] for row in pod_rows(c)} == {"node-2"}


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "error"), [
    ("kubectl frobnicate", 'error: unknown command "frobnicate" for "kubectl"'),
    ("kubectl get pods nope", 'Error from server (NotFound): pods "nope" not found'),
    ("kubectl get widgets", 'error: the server doesn\'t have a resource type "widgets"'),
    ("kubectl get pods --bogus", "error: unknown flag: --bogus"),
    ("rm -rf /", "rm: command not found"),
    ("kubectl get pods; rm x", "one command at a time here"),
    ("sleep forever", "sleep: invalid time interval 'forever'"),
    ("kubectl apply -f missing.yaml", 'error: the path "missing.yaml" does not exist'),
])
def test_bad_commands_change_nothing_and_say_why(line: str, error: str) -> None:
    c = Console()
    before = c.state.to_json()
    result = c.do(line)
    assert result.exit_code == 1 and result.error.startswith(error)
    assert c.state.to_json() == before


def test_a_bad_paste_is_positioned_and_changes_nothing() -> None:
    c = Console()
    before = c.state.to_json()
    paste = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
             "spec:\n  containers:\n  - name: c\n    imagePullSecrets: []\n")
    result = c.do("kubectl apply -f -", paste)
    assert result.exit_code == 1 and "line " in result.error and "column " in result.error
    assert c.state.to_json() == before


def test_no_resources_is_stderr_and_exit_zero() -> None:
    result = Console().do("kubectl get pods")
    assert (result.output, result.error, result.exit_code) == (
        "", "No resources found in default namespace.\n", 0)


def test_the_same_history_gives_the_same_state_byte_for_byte() -> None:
    lines = [SECRET, "kubectl apply -f -", "sleep 30", "ssh node-b crictl rmi "
             "registry.company.com/webapp:v1", "kubectl delete pod private-app",
             "kubectl apply -f -"]
    states = []
    for _ in range(2):
        c = Console("private-registry")
        c.files["-"] = PRIVATE_POD
        for line in lines:
            c.do(line)
        states.append(c.state.to_json())
    assert states[0] == states[1]
    restored = ClusterState.from_json(states[0], scenario("private-registry"))
    assert restored.to_json() == states[0]


def test_a_stored_state_that_is_not_ours_is_refused() -> None:
    with pytest.raises(ValueError):
        ClusterState.from_json('{"version": 99}', scenario("private-registry"))
    with pytest.raises(ValueError):
        ClusterState.from_json("[]", scenario("private-registry"))


@pytest.mark.parametrize("line", [
    "kubectl create secret docker-registry r --docker-username=u '--docker-password=p@ss word!'",
    "kubectl create secret docker-registry r --docker-username=u --docker-password='p@ss word!'",
    'kubectl create secret docker-registry r --docker-username=u --docker-password "p@ss word!"',
    "kubectl create secret docker-registry r --docker-username=u --docker-password='p@ss word!",
])
def test_a_quoted_password_is_hidden_in_the_history(line: str) -> None:
    c = Console()
    result = c.do(line)
    assert "p@ss" not in result.command and "word!" not in result.command
    assert "p@ss" not in c.state.to_json()


def test_flags_may_come_before_the_verb_and_missing_names_are_each_reported() -> None:
    c = Console()
    c.do("kubectl apply -f -", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                               "  containers: [{name: c, image: nginx:1.25}]\n")
    assert c.do("kubectl -n default get pods").output.startswith("NAME")
    both = c.do("kubectl get pods p nope")
    assert both.exit_code == 1 and both.output.startswith("NAME") and "\np " in both.output
    assert both.error == 'Error from server (NotFound): pods "nope" not found\n'
    assert c.do("kubectl get nodes nope").error.startswith("Error from server (NotFound)")
    assert Console().do("kubectl get pods -A").error == "No resources found\n"


def test_every_namespace_has_its_default_service_account_to_patch() -> None:
    c = Console()
    assert "default" in c.do("kubectl get serviceaccounts").output
    patch = """-p '{"imagePullSecrets": [{"name": "regcred"}]}'"""
    patched = c.do(f"kubectl patch serviceaccount default {patch}")
    assert patched.output == "serviceaccount/default patched\n"
    body = json.loads(c.do("kubectl get sa default -o json").output)
    assert body["imagePullSecrets"] == [{"name": "regcred"}]
    assert "kube-system" in c.do("kubectl get namespaces").output


def test_a_dry_run_prints_and_stores_nothing() -> None:
    c = Console()
    before = c.state.to_json()
    printed = c.do(SECRET + " --dry-run=client -o yaml")
    assert printed.output.startswith("apiVersion: v1") and "kind: Secret" in printed.output
    assert "mypass123" not in printed.output
    assert c.do(SECRET + " --dry-run=client").output == "secret/regcred created (dry run)\n"
    assert c.state.to_json() == before


def test_a_dry_run_and_its_output_are_read_as_kubectls_flags() -> None:
    """pflag reads the command's flags: `--output yaml` is `-o yaml`, `-o name` prints the name
    alone, `--dry-run=server` says so (PrintFlagsWithDryRunStrategy), and after `--` a
    `--dry-run` is the container's argument, not a flag; the command line's text is not
    searched for them."""
    c = Console()
    before = c.state.to_json()
    spaced = c.do(SECRET + " --dry-run=client --output yaml")
    assert spaced.output.startswith("apiVersion: v1") and "mypass123" not in spaced.output
    assert c.do(SECRET + " --dry-run=client -o name").output == "secret/regcred\n"
    assert (c.do(SECRET + " --dry-run=server").output
            == "secret/regcred created (server dry run)\n")
    refused = c.do(SECRET + " --dry-run=client -o json")
    assert refused.exit_code == 1 and "-o yaml prints the same object" in refused.error
    assert c.state.to_json() == before
    made = c.do("kubectl run echo --image=busybox:1.36 -- echo --dry-run -o yaml")
    assert made.output == "pod/echo created\n"
    assert ("    Args:\n      echo\n      --dry-run\n      -o\n      yaml\n"
            in c.do("kubectl describe pod echo").output)


@pytest.mark.parametrize("text", [
    "kubectl create secret docker-registry r --docker-password='two words' --docker-username=u",
    "kubectl create secret docker-registry r --docker-password=s3cr3t-value",
    "stringData:\n  .dockerconfigjson: '{\"auths\":{\"r\":{\"password\":\"s3cr3t-value\"}}}'\n",
    "  password: s3cr3t-value\n",
    "# my password: s3cr3t-value\n",
    '{"auths": {"r": {"auth": "dTpzM2NyM3QtdmFsdWU="}}}',
])
def test_shared_editor_text_hides_passwords(text: str) -> None:
    from sandbox.engine.console.compare import scrub_text
    scrubbed = scrub_text(text)
    assert "s3cr3t-value" not in scrubbed and "two words" not in scrubbed
    assert "dTpzM2NyM3QtdmFsdWU=" not in scrubbed


def test_compare_names_what_the_last_command_changed() -> None:
    from sandbox.engine.console.compare import compare
    c = Console()
    c.do("kubectl apply -f -", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                               "  nodeName: node-2\n  containers: [{name: c, image: nginx:1.25}]\n")
    before = c.state
    c.do("kubectl set image pod/p c=nginx:1.26")
    found = {(d.pod, d.what) for d in compare(before, c.state)}
    assert ("default/p", "image ID") in found and ("default/p", "restarts") in found
    assert ("default/p", "bytes pulled") in found
    assert ("node-2", "image") in found


def test_docker_pull_then_inspect_repo_digests_finds_the_digest() -> None:
    c = Console("moving-tag")
    missing = c.do("docker inspect --format '{{.RepoDigests}}' registry.company.com/app:1.42")
    assert (missing.exit_code, missing.error) == (
        1, "Error: No such object: registry.company.com/app:1.42\n")
    pulled = c.do("docker pull registry.company.com/app:1.42")
    lines = pulled.output.splitlines()
    assert lines[0] == "1.42: Pulling from app" and lines[-1] == "registry.company.com/app:1.42"
    assert lines[-2] == "Status: Downloaded newer image for registry.company.com/app:1.42"
    digest = c.do("crane digest registry.company.com/app:1.42").output.strip()
    inspected = c.do("docker inspect --format '{{.RepoDigests}}' registry.company.com/app:1.42")
    assert inspected.output == f"[registry.company.com/app@{digest}]\n"
    again = c.do("docker pull registry.company.com/app:1.41")
    assert "Already exists" in again.output  # the base layers are shared


def test_a_pod_made_again_under_its_name_has_its_own_events() -> None:
    c = Console()
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  nodeName: node-2\n"
           "  containers: [{name: c, image: nginx:1.25}]\n")
    c.do("kubectl apply -f -", pod)
    c.do("kubectl delete pod p")
    c.do("kubectl apply -f -")
    described = c.do("kubectl describe pod p").output
    assert "Successfully pulled" not in described and "already present" in described
    table = c.do("kubectl get events").output
    assert "Successfully pulled" in table and "already present" in table  # both objects listed
    assert table.count("Started") == 2


def test_a_full_replace_defaults_the_policy_again_where_a_patch_keeps_it() -> None:
    """KUBERNETES.md §2: defaulting runs on every write of a whole object. `kubectl replace`
    (a PUT) recomputes a policy the manifest leaves out; `apply` and `set image` (PATCHes)
    keep the stored one."""
    for verb, wanted in (("apply", "Always"), ("replace", "IfNotPresent")):
        c = Console()
        c.do("kubectl apply -f -", deployment("nginx"))
        result = c.do(f"kubectl {verb} -f -", deployment("nginx:1.25"))
        done = "configured" if verb == "apply" else "replaced"
        assert result.output == f"deployment.apps/web {done}\n"
        body = json.loads(c.do("kubectl get deployment web -o json").output)
        assert body["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == wanted


def test_replace_of_a_missing_object_is_not_found() -> None:
    result = Console().do("kubectl replace -f -", deployment("nginx:1.25"))
    assert result.error == ('Error from server (NotFound): error when replacing "STDIN": '
                            'deployments.apps "web" not found\n')


def test_the_cluster_summary_shows_nodes_images_layers_pods_and_tags() -> None:
    from sandbox.engine.console.summary import cluster_summary
    c = Console("moving-tag")
    applied = c.do("kubectl apply -f -", deployment("registry.company.com/app:1.42", replicas=2))
    summary = cluster_summary(c.state, applied.trace)
    node = summary["nodes"][0]
    assert node["name"] == "node-1" and node["labels"]["kubernetes.io/arch"] == "amd64"
    refs = [image["refs"] for image in node["images"]]
    assert ["registry.company.com/app:1.42"] in refs and ["registry.company.com/app:latest"] in refs
    shared = [layer["shared"] for image in node["images"] for layer in image["layers"]]
    assert shared.count(True) >= 2  # the base and deps layers are stored once for both builds
    assert [pod["status"] for n in summary["nodes"] for pod in n["pods"]] == ["Running"] * 2
    states = {layer["state"] for pull in summary["pulls"] for layer in pull["layers"]}
    assert states == {"Pull complete", "Already exists"}
    tags = {t["tag"]: t for t in summary["registries"][0]["repositories"][0]["tags"]}
    assert tags["latest"]["image"] == "build-42" and not tags["latest"]["moved"]
    digest = c.do("crane digest registry.company.com/app:1.41").output.strip()
    c.do(f"crane tag registry.company.com/app@{digest} latest")
    moved = {t["tag"]: t for t in cluster_summary(c.state)["registries"][0]["repositories"][0]
             ["tags"]}
    assert moved["latest"]["image"] == "build-41" and moved["latest"]["moved"]


def test_a_pod_update_may_not_add_pull_secrets() -> None:
    """imagePullSecrets is not among the fields ValidatePodUpdate lets change."""
    c = Console()
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
           "  containers: [{name: c, image: nginx:1.25}]\n")
    c.do("kubectl apply -f -", pod)
    refused = c.do("kubectl apply -f -", pod + "  imagePullSecrets: [{name: regcred}]\n")
    assert refused.exit_code == 1 and "pod updates may not change fields" in refused.error
    assert c.do("kubectl apply -f -", pod).output == "pod/p unchanged\n"


def test_describing_many_pods_works_out_their_addresses_and_events_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`kubectl describe pods` over N pods read every pod's status (for the IP addresses) and
    scanned every stored event once per pod: N² work, 3 s for 200 pods. Now once per command,
    with each pod's text as `kubectl describe pod NAME` gives it alone."""
    from sandbox.engine.console import event_objects, reading, views

    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25", replicas=6))
    c.do("kubectl run solo --image=nginx:no-such-tag")
    c.do("sleep 30")
    names = sorted(line.split("/")[1] for line in c.do("kubectl get pods -o name").output.split())
    assert len(names) == 7
    alone = [c.do(f"kubectl describe pod {name}").output for name in names]
    calls = {"statuses": 0, "events": 0}

    def counted(key: str, function: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[key] += 1
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(reading, "pod_statuses", counted("statuses", reading.pod_statuses))
    monkeypatch.setattr(views, "pod_statuses", counted("statuses", views.pod_statuses))
    monkeypatch.setattr(views, "events", counted("events", views.events))
    monkeypatch.setattr(event_objects, "events", counted("events", event_objects.events))
    together = c.do("kubectl describe pods").output
    assert calls == {"statuses": 1, "events": 0}
    assert together == "\n\n".join(alone)
