"""`manage.py kubectl --cluster FILE`: the console from a terminal, its state kept in FILE.

No test here touches the database: the command only reads and writes FILE and calls the engine.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sandbox.management import BadInput
from sandbox.management.commands.kubectl import command_line

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_REGISTRY = ROOT / "lessons" / "content" / "scenarios" / "private-registry.yaml"
PASSWORD = "mypass123"
CREATE_SECRET = ("create", "secret", "docker-registry", "regcred",
                 "--docker-server=registry.company.com", "--docker-username=myuser",
                 f"--docker-password={PASSWORD}")

POD = """\
apiVersion: v1
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


def kubectl(cluster: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """The exit code, stdout and stderr of one call; CommandError propagates."""
    out, err = io.StringIO(), io.StringIO()
    extra: dict[str, Any] = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    try:
        call_command("kubectl", "--cluster", str(cluster), *args, stdout=out, stderr=err,
                     **extra)
    except SystemExit as exit_:
        assert isinstance(exit_.code, int)
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def ok(cluster: Path, *args: str, stdin: str | None = None) -> str:
    """The stdout of a call that must succeed without writing to stderr."""
    code, out, err = kubectl(cluster, *args, stdin=stdin)
    assert (code, err) == (0, ""), err
    return out


def refused(cluster: Path, *args: str) -> str:
    """The stderr of a call the management command itself refuses (exit status 1)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("kubectl", "--cluster", str(cluster), *args, stdout=out, stderr=err)
    assert caught.value.returncode == 1
    assert out.getvalue() == ""
    return err.getvalue()


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)


def envelope(cluster: Path) -> dict[str, Any]:
    data = json.loads(cluster.read_text())
    assert isinstance(data, dict)
    return data


def state_part(cluster: Path) -> str:
    """The state as the file holds it: the engine's canonical JSON, byte for byte."""
    text = cluster.read_text()
    start = text.index('\n  "state": ') + len('\n  "state": ')
    return text[start:text.rindex("\n}")]


@pytest.fixture
def cluster(tmp_path: Path) -> Path:
    return tmp_path / "cluster.json"


@pytest.fixture
def pod_file(tmp_path: Path) -> Path:
    path = tmp_path / "pod.yaml"
    path.write_text(POD)
    return path


def story(cluster: Path, pod_file: Path) -> list[str]:
    """The private-registry story, one call each, as a learner types it; the outputs."""
    outputs = [ok(cluster, "--scenario", "private-registry", *CREATE_SECRET)]
    for args in (("apply", "-f", str(pod_file)), ("get", "pods", "-o", "wide"),
                 ("apply", "-f", str(pod_file)), ("ssh", "node-b", "crictl", "images"),
                 ("ssh", "node-b", "crictl", "rmi", "registry.company.com/webapp:v1"),
                 ("ssh", "node-b", "crictl", "images"), ("delete", "pod", "private-app"),
                 ("apply", "-f", str(pod_file)), ("get", "events"), ("sleep", "60"),
                 ("get", "pods")):
        outputs.append(ok(cluster, *args))
    return outputs


# --- the story, over several calls ---------------------------------------------------------


def test_private_registry_story_keeps_the_cluster_in_the_file_between_calls(
        cluster: Path, pod_file: Path) -> None:
    (created, applied, wide, unchanged, images, rmi, no_images, deleted, again, events, slept,
     pods) = story(cluster, pod_file)
    assert created == "secret/regcred created\n"
    assert applied == "pod/private-app created\n"
    assert wide.startswith("NAME          READY   STATUS    RESTARTS   AGE   IP ")
    assert wide.splitlines()[1].split()[:3] == ["private-app", "1/1", "Running"]
    assert " node-b " in wide
    assert unchanged == "pod/private-app unchanged\n"
    assert "registry.company.com/webapp   v1 " in images
    assert rmi == "Deleted: registry.company.com/webapp:v1\n"
    assert "registry.company.com/webapp" not in no_images
    assert deleted == 'pod "private-app" deleted from default namespace\n'
    assert again == "pod/private-app created\n"
    # The image was removed from node-b, so the new pod pulled it again.
    assert 'Pulling   pod/private-app   Pulling image "registry.company.com/webapp:v1"' in events
    assert "already present on machine" not in events
    assert slept == ""
    assert pods.splitlines()[1].split() == ["private-app", "1/1", "Running", "0", "64s"]


def test_the_file_is_created_on_first_use_even_by_a_command_that_changes_nothing(
        cluster: Path) -> None:
    out = ok(cluster, "--scenario", str(PRIVATE_REGISTRY), "get", "secrets")
    assert out.splitlines()[1].startswith("company-registry-secret ")
    data = envelope(cluster)
    assert (data["lunchbox"], data["version"], data["scenario"]) == (
        "cluster", 1, str(PRIVATE_REGISTRY))
    assert len(bytes.fromhex(data["key"])) == 32
    assert data["state"]["clock"] == 0.0
    assert stat.S_IMODE(cluster.stat().st_mode) == 0o600
    # Later calls find the scenario in the file.
    assert ok(cluster, "get", "secrets") == out


def test_a_command_that_changes_nothing_leaves_the_file_as_it_was(cluster: Path) -> None:
    ok(cluster, "--scenario", "private-registry", "sleep", "5")
    before, inode = cluster.read_bytes(), cluster.stat().st_ino
    ok(cluster, "get", "nodes", "-o", "wide")
    assert kubectl(cluster, "get", "pods", "nope")[0] == 1
    assert cluster.read_bytes() == before
    assert cluster.stat().st_ino == inode  # not even replaced by an identical copy
    ok(cluster, "sleep", "5")
    assert cluster.stat().st_ino != inode
    assert envelope(cluster)["state"]["clock"] == 10.0


def test_apply_reads_the_manifest_from_stdin_with_f_dash(cluster: Path) -> None:
    assert ok(cluster, "--scenario", "private-registry", "apply", "-f", "-",
              stdin=POD) == "pod/private-app created\n"
    assert ok(cluster, "apply", "-f", "-", stdin=POD) == "pod/private-app unchanged\n"


def test_a_missing_f_file_is_an_error_naming_it_and_nothing_is_run(cluster: Path,
                                                                   tmp_path: Path) -> None:
    err = refused(cluster, "apply", "-f", str(tmp_path / "nope.yaml"))
    assert f"{tmp_path / 'nope.yaml'}: cannot read: No such file or directory" in err
    assert not cluster.exists()


# --- what kubectl prints ---------------------------------------------------------------------


def test_get_a_missing_pod_exits_1_with_kubectls_not_found_on_stderr(cluster: Path) -> None:
    assert kubectl(cluster, "get", "pods", "nope") == (
        1, "", 'Error from server (NotFound): pods "nope" not found\n')


def test_exit_code_and_streams_are_kubectls_from_a_shell(cluster: Path) -> None:
    result = manage("kubectl", "--cluster", str(cluster), "get", "pods", "nope")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == 'Error from server (NotFound): pods "nope" not found\n'
    result = manage("kubectl", "--cluster", str(cluster), "--", "ssh", "node-1", "crictl",
                    "images")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("IMAGE ")


def test_get_pods_o_json_is_a_pod_list_with_container_states_and_image_ids(
        cluster: Path, pod_file: Path) -> None:
    ok(cluster, "--scenario", "private-registry", *CREATE_SECRET)
    ok(cluster, "apply", "-f", str(pod_file))
    listed = json.loads(ok(cluster, "get", "pods", "-o", "json"))
    assert (listed["apiVersion"], listed["kind"]) == ("v1", "List")
    [pod] = listed["items"]
    assert (pod["kind"], pod["metadata"]["name"], pod["status"]["phase"]) == (
        "Pod", "private-app", "Running")
    [status] = pod["status"]["containerStatuses"]
    assert status["imageID"].startswith("registry.company.com/webapp@sha256:")
    assert status["ready"] is True
    assert list(status["state"]) == ["running"]
    assert status["state"]["running"]["startedAt"].endswith("Z")


def test_the_password_never_reaches_the_file(cluster: Path, pod_file: Path) -> None:
    story(cluster, pod_file)
    ok(cluster, "create", "secret", "docker-registry", "other", "--docker-server=x.example",
       "--docker-username=u", "--docker-password", "p@ss!w'rd")
    text = cluster.read_text()
    assert PASSWORD not in text
    assert "p@ss" not in text and "w'rd" not in text
    assert "--docker-password=********" in text  # the history keeps the command, redacted


def test_a_password_the_history_could_not_hide_is_refused_before_anything_runs(
        cluster: Path) -> None:
    err = refused(cluster, "create", "secret", "docker-registry", "s",
                  "--docker-server=x.example", "--docker-username=u",
                  "--docker-password=two words")
    assert "--docker-password: a password with whitespace" in err
    assert not cluster.exists()


def test_command_line_quotes_words_for_the_console_and_passes_other_tools_as_they_are() -> None:
    assert command_line(["get", "pods", "-l", "app=web app"]) == (
        "kubectl get pods -l 'app=web app'", {})
    assert command_line(["kubectl", "get", "pods"])[0] == "kubectl get pods"
    assert command_line(["ssh", "node-b", "crictl", "images"])[0] == "ssh node-b crictl images"
    assert command_line(["sleep", "60"])[0] == "sleep 60"
    # A password flag is written --flag=VALUE: the form whose value the history hides.
    assert command_line(["create", "secret", "docker-registry", "r", "--docker-password",
                         "p@ss!"])[0] == ("kubectl create secret docker-registry r "
                                          "--docker-password='p@ss!'")
    with pytest.raises(BadInput):
        command_line(["create", "--docker-password", "a b"])


# --- the file --------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    b"", b"not json", b'{"lunchbox": "cluster", "version": 1, "key": "00", "state": {}}',
    b'{"lunchbox": "cluster", "version": 1, "scenario": null, "scenario_sha256": null, '
    b'"key": "' + b"ab" * 32 + b'", "state": {"version": 1}}',
    b"\xff\xfe",
])
def test_a_corrupt_file_is_an_error_naming_it_and_is_left_unchanged(cluster: Path,
                                                                    content: bytes) -> None:
    cluster.write_bytes(content)
    err = refused(cluster, "sleep", "5")
    assert err.startswith(f"{cluster}: ")
    assert cluster.read_bytes() == content


def test_a_corrupt_file_exits_1_without_a_traceback_from_a_shell(cluster: Path) -> None:
    cluster.write_text('{"lunchbox": "cluster", "state": [')
    result = manage("kubectl", "--cluster", str(cluster), "get", "pods")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{cluster}: not a Lunchbox cluster file")
    assert cluster.read_text() == '{"lunchbox": "cluster", "state": ['


def test_reset_replaces_a_damaged_cluster_but_never_a_file_that_is_not_one(
        cluster: Path, pod_file: Path) -> None:
    cluster.write_text('{"lunchbox": "cluster", "version": 1, "key": "00", "state": {}}')
    ok(cluster, "--reset", "--scenario", "private-registry")
    assert envelope(cluster)["scenario"] == "private-registry"
    err = refused(pod_file, "--reset", "get", "pods")
    assert "not a Lunchbox cluster file" in err
    assert pod_file.read_text() == POD


def test_another_scenario_is_refused_until_reset(cluster: Path, pod_file: Path) -> None:
    ok(cluster, "--scenario", "private-registry", "apply", "-f", str(pod_file))
    # The same scenario named by its file is the same scenario.
    ok(cluster, "--scenario", str(PRIVATE_REGISTRY), "get", "pods")
    err = refused(cluster, "--scenario", "two-nodes", "get", "pods")
    assert "made from the scenario private-registry, not the scenario two-nodes" in err
    ok(cluster, "--scenario", "two-nodes", "--reset")
    assert envelope(cluster)["scenario"] == "two-nodes"
    assert kubectl(cluster, "get", "pods") == (0, "", "No resources found in default namespace.\n")


def test_a_scenario_edited_since_the_cluster_was_made_is_refused(cluster: Path,
                                                                 tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(PRIVATE_REGISTRY.read_text())
    ok(cluster, "--scenario", str(scenario), "sleep", "1")
    scenario.write_text(PRIVATE_REGISTRY.read_text().replace("node-c", "node-d"))
    err = refused(cluster, "get", "nodes")
    assert f"the scenario {scenario} has changed since this cluster was made" in err


def test_an_unknown_scenario_lists_the_courses(cluster: Path) -> None:
    err = refused(cluster, "--scenario", "nope", "get", "pods")
    assert "--scenario: nope: no such file, and no scenario of the course" in err
    assert "private-registry" in err
    assert not cluster.exists()


def test_the_same_commands_give_byte_identical_state_in_two_files(
        tmp_path: Path, pod_file: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    ok(first, "--scenario", "private-registry", "get", "secrets")
    ok(second, "--scenario", "private-registry", "get", "secrets")
    # Each file has its own random key, and the scenario's secret is fingerprinted with it...
    assert envelope(first)["key"] != envelope(second)["key"]
    assert state_part(first) != state_part(second)
    # ...so give the second the same start (the same key), then the same history.
    second.write_bytes(first.read_bytes())
    story(first, pod_file)
    story(second, pod_file)
    assert state_part(first) == state_part(second)
    assert json.loads(state_part(first)) == envelope(first)["state"]
    assert first.read_bytes() == second.read_bytes()
    assert os.path.getsize(first) > 5000


def test_a_moved_tag_makes_replicas_diverge_from_a_terminal_too(cluster: Path,
                                                               tmp_path: Path) -> None:
    """The rest of the issue's story: a tag moved with crane, replicas diverge under
    IfNotPresent, and one undo-free reset brings the scenario back."""
    deployment = tmp_path / "web.yaml"
    deployment.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
        "  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n    spec:\n"
        "      imagePullSecrets: [{name: regcred}]\n      containers:\n"
        "      - {name: web, image: registry.company.com/webapp:v1,"
        " imagePullPolicy: IfNotPresent}\n")
    ok(cluster, "--scenario", "private-registry", *CREATE_SECRET)
    ok(cluster, "apply", "-f", str(deployment))
    digest = ok(cluster, "crane", "digest", "registry.company.com/webapp:v2").strip()
    code, out, err = kubectl(cluster, "crane", "tag", f"registry.company.com/webapp@{digest}", "v1")
    assert (code, out) == (0, "") and f": digest: {digest} size: " in err
    ok(cluster, "ssh", "node-c", "crictl", "rmi", "registry.company.com/webapp:v1")
    ok(cluster, "delete", "pod", "--all")
    pods = json.loads(ok(cluster, "get", "pods", "-o", "json"))["items"]
    ids = {p["status"]["containerStatuses"][0]["imageID"] for p in pods}
    assert len(pods) == 3 and len(ids) == 2
