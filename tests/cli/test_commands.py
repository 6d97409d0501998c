"""`manage.py simulate` and `manage.py digest`: output formats, stdin, and bad input at the edge.

No test here touches the database: the commands only call the engine.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sandbox.engine import Trace, load_manifests, load_scenario, simulate
from sandbox.engine.registry import resolve_digest
from sandbox.engine.render import flow_diagram

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_REGISTRY = ROOT / "lessons" / "content" / "scenarios" / "private-registry.yaml"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: webapp
spec:
  replicas: 3
  selector:
    matchLabels: {app: webapp}
  template:
    metadata:
      labels: {app: webapp}
    spec:
      imagePullSecrets:
        - name: company-registry-secret
      containers:
        - name: web
          image: registry.company.com/webapp:v2
"""

BAD_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: Web
spec:
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: always
"""

NGINX_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - {name: web, image: "nginx:1.25"}
"""


@pytest.fixture
def deployment_file(tmp_path: Path) -> Path:
    path = tmp_path / "deployment.yaml"
    path.write_text(DEPLOYMENT)
    return path


def run(*args: str, stdin: str | None = None) -> tuple[str, str]:
    """call_command's stdout and stderr; CommandError propagates."""
    out, err = io.StringIO(), io.StringIO()
    extra: dict[str, Any] = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command(*args, stdout=out, stderr=err, **extra)
    return out.getvalue(), err.getvalue()


def failing(*args: str, stdin: str | None = None) -> str:
    """The stderr of a command that must fail with CommandError (exit status 1)."""
    out, err = io.StringIO(), io.StringIO()
    extra: dict[str, Any] = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=out, stderr=err, **extra)
    assert caught.value.returncode == 1
    assert out.getvalue() == ""
    return err.getvalue()


def manage(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, input=data,
                          capture_output=True, timeout=60, check=False)


def expected_trace() -> Trace:
    return simulate(load_manifests(DEPLOYMENT), load_scenario(PRIVATE_REGISTRY.read_text()))


# --- simulate: the three formats ---------------------------------------------------------


def test_simulate_text_prints_get_pods_describe_and_hints(deployment_file: Path) -> None:
    out, err = run("simulate", str(deployment_file), "--scenario", str(PRIVATE_REGISTRY))
    assert err == ""
    assert out.startswith("# Modelled: Kubernetes 1.35 · containerd 2.3.4 (runtime profile "
                          "newest)\n\n$ kubectl get pods -o wide\nNAME ")
    assert out.count(" Running ") == 3
    assert {"node-a", "node-b", "node-c"} <= set(out.split())
    assert "\n$ kubectl describe pods\nName:" in out
    assert out.count("Image ID:") == 3
    assert "Controlled By:  ReplicaSet/webapp-" in out
    assert "\nHints:\n- [mutable-tag] default/webapp-" in out
    assert "ran 2 different image IDs" in out
    assert "rule: Kyverno require-image-checksum" in out


def test_simulate_json_is_the_trace_dict(deployment_file: Path) -> None:
    out, _ = run("simulate", str(deployment_file), "--scenario", str(PRIVATE_REGISTRY),
                 "--format", "json")
    expected = expected_trace().to_dict()
    assert out == json.dumps(expected, indent=2, sort_keys=False) + "\n"
    assert json.loads(out)["scenario"] == "Three nodes and a private registry"


def test_simulate_mermaid_is_the_flow_diagram(deployment_file: Path) -> None:
    out, _ = run("simulate", str(deployment_file), "--scenario", str(PRIVATE_REGISTRY),
                 "--format", "mermaid")
    assert out == flow_diagram(expected_trace())
    assert "flowchart TD" in out


def test_simulate_without_scenario_uses_the_default_cluster(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(NGINX_POD)
    out, _ = run("simulate", str(path), "--format", "json")
    assert json.loads(out)["scenario"] == "Default cluster"


def test_simulate_horizon_option_overrides_the_scenarios(deployment_file: Path) -> None:
    out, _ = run("simulate", str(deployment_file), "--scenario", str(PRIVATE_REGISTRY),
                 "--format", "json", "--horizon", "30s")
    trace = json.loads(out)
    assert trace["horizon"] == 30.0
    # The timeline's push at 60 s is past the horizon, so it never happens.
    assert [s for s in trace["steps"] if s["flow"] == "timeline"] == []


def test_simulate_reads_the_manifest_from_stdin() -> None:
    out, err = run("simulate", "-", stdin=NGINX_POD)
    assert re.search(r"\nweb +1/1 +Running ", out)
    assert err == ""


def test_simulate_prints_paste_warnings_with_their_position_on_stderr() -> None:
    # Was an unknown-field warning; unknown fields are now refused (kubectl's --validate=strict),
    # so a warning the paste still gives is used: no --docker-server on a secret command.
    paste = "kubectl create secret docker-registry regcred --docker-username=u " \
        "--docker-password=p\n"
    out, err = run("simulate", "-", "--format", "json", stdin=paste)
    assert err.startswith("<stdin>:1:1: ")
    assert "warning: " in err and "--docker-server" in err
    assert json.loads(out)["pods"] == []  # stdout stays valid JSON


def test_simulate_refuses_an_unknown_field_as_kubectl_strict_validation_does() -> None:
    pod = NGINX_POD.replace('image: "nginx:1.25"}', 'image: "nginx:1.25", colour: blue}')
    err = failing("simulate", "-", stdin=pod)
    assert "<stdin>:6:" in err and 'unknown field "spec.containers[0].colour"' in err
    assert 'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" ' \
        "cannot be handled as a Pod: strict decoding error" in err


# --- simulate: bad input ------------------------------------------------------------------


def test_bad_manifest_prints_each_problem_as_file_line_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_POD)
    err = failing("simulate", str(path))
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:4:9: metadata.name: Invalid value: \"Web\"")
    assert lines[1].startswith(f"{path}:9:24: spec.containers[0].imagePullPolicy: "
                               "Unsupported value: \"always\"")
    assert lines[1].endswith("(values are case-sensitive: did you mean Always?)")


def test_bad_manifest_from_stdin_is_labelled_stdin() -> None:
    err = failing("simulate", "-", stdin=BAD_POD)
    assert err.startswith("<stdin>:4:9: ")


def test_bad_scenario_problems_carry_the_scenario_file_name(tmp_path: Path,
                                                            deployment_file: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("name: broken\nnodes:\n  - name: node-a\n    architecture: x86_64\n")
    err = failing("simulate", str(deployment_file), "--scenario", str(scenario))
    assert err == (f"{scenario}:4:19: unknown architecture 'x86_64' "
                   "(Kubernetes and Go call it amd64)\n")


def test_every_problem_of_every_input_is_reported_at_once(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("name: broken\nhorizn: 5m\n")
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(BAD_POD)
    err = failing("simulate", str(manifest), "--scenario", str(scenario), "--horizon", "soon")
    assert [line.split(":")[0] for line in err.splitlines()] == [
        "--horizon", str(scenario), str(manifest), str(manifest)]


@pytest.mark.parametrize(("content", "fragment"), [
    (b"\xff\xfe\x00", ":1:1: invalid UTF-8 (byte 0xff)"),
    (b"", ": nothing to run: paste at least one Kubernetes object"),
    (b"kind: [", ":1:"),
    (b"a" * (256 * 1024 + 10), ": the file is 257 KiB; at most 256 KiB is accepted"),
])
def test_unreadable_manifest_content_is_a_positioned_error(tmp_path: Path, content: bytes,
                                                           fragment: str) -> None:
    path = tmp_path / "input.yaml"
    path.write_bytes(content)
    err = failing("simulate", str(path))
    assert err.startswith(str(path))
    assert fragment in err


def test_missing_manifest_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    err = failing("simulate", str(tmp_path / "missing.yaml"))
    assert err == f"{tmp_path / 'missing.yaml'}: cannot read: No such file or directory\n"


def test_directory_instead_of_a_file_is_an_error(tmp_path: Path) -> None:
    assert failing("simulate", str(tmp_path)).endswith(": cannot read: Is a directory\n")


@pytest.mark.parametrize("horizon", ["5 minutes", "0s", "2h", "-1s", "1e9s"])
def test_bad_horizon_is_refused(deployment_file: Path, horizon: str) -> None:
    assert failing("simulate", str(deployment_file), f"--horizon={horizon}").startswith(
        "--horizon: ")


def test_bad_manifest_exits_non_zero_without_traceback_from_a_shell(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_POD)
    result = manage("simulate", str(path))
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert result.stdout == b""
    assert stderr.splitlines()[0].startswith(f"{path}:4:9: ")
    assert "Traceback" not in stderr


def test_stdin_works_from_a_shell() -> None:
    result = manage("simulate", "-", "--format", "mermaid", stdin=NGINX_POD)
    assert result.returncode == 0, result.stderr.decode()
    assert b"flowchart TD" in result.stdout


def test_undecodable_stdin_is_a_positioned_error() -> None:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("simulate", "-", stdin=io.BytesIO(b"kind: Pod\n\xc3\x28\n"),
                     stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("<stdin>:2:1: invalid UTF-8 (byte 0xc3)")


# --- digest -------------------------------------------------------------------------------


def test_digest_prints_the_digest_then_the_pinned_reference() -> None:
    out, err = run("digest", "nginx:1.25")
    lines = out.splitlines()
    digest = lines[0]
    assert digest.startswith("sha256:") and len(digest) == 71
    assert lines[1] == f"pinned: nginx@{digest}"
    assert lines[2] == "index of 2 manifests (linux/amd64, linux/arm64)"
    assert err == ""


def test_digest_follows_the_scenario_timeline_with_at() -> None:
    scenario = load_scenario(PRIVATE_REGISTRY.read_text())
    before = resolve_digest(scenario, "registry.company.com/webapp:v2").digest
    after = resolve_digest(scenario, "registry.company.com/webapp:v2", at=60).digest
    assert before != after
    out, _ = run("digest", "registry.company.com/webapp:v2", "--scenario", str(PRIVATE_REGISTRY))
    assert out.splitlines()[:2] == [before, f"pinned: registry.company.com/webapp@{before}"]
    out, _ = run("digest", "registry.company.com/webapp:v2", "--scenario", str(PRIVATE_REGISTRY),
                 "--at", "60s")
    assert out.splitlines()[0] == after


def test_digest_with_arch_prints_the_platform_manifest() -> None:
    out, _ = run("digest", "nginx:1.25", "--arch", "arm64")
    platform = out.splitlines()[-1]
    assert platform.startswith("linux/arm64: sha256:")
    assert platform.split()[-1] != out.splitlines()[0]


@pytest.mark.parametrize(("args", "expected"), [
    (("registry.company.com/webapp:v9", "--scenario", str(PRIVATE_REGISTRY)),
     "registry.company.com/webapp:v9: not found (registry.company.com/webapp has the tags "
     "v1, v2)\n"),
    (("ngnix",), "pull access denied, repository does not exist or may require authorization: "
                 "server message: insufficient_scope: authorization failed "
                 "(did you mean \"nginx\"?)\n"),
    (("Nginx",), "invalid reference format: repository name (library/Nginx) must be "
                 "lowercase (repository names are lowercase: try `nginx`)\n"),
    (("nginx", "--arch", "x86_64"), "unknown architecture 'x86_64' (Kubernetes and Go call "
                                    "it amd64)\n"),
    (("nginx", "--at", "later"), "--at: duration 'later' is not like '60s', '2m', '1m30s' or "
                                 "'500ms' (units: ms, s, m, h)\n"),
])
def test_digest_failure_prints_the_registry_message(args: tuple[str, ...], expected: str) -> None:
    assert failing("digest", *args) == expected


def test_digest_failure_exits_non_zero_from_a_shell() -> None:
    result = manage("digest", "registry.example.com/app:v1")
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "dial tcp: lookup registry.example.com: no such host" in stderr
    assert "Traceback" not in stderr


def test_scenario_can_come_from_stdin(deployment_file: Path) -> None:
    out, _ = run("simulate", str(deployment_file), "--scenario", "-", "--format", "json",
                 stdin=PRIVATE_REGISTRY.read_text())
    assert json.loads(out)["scenario"] == "Three nodes and a private registry"


def test_manifest_and_scenario_cannot_both_read_stdin() -> None:
    with pytest.raises(CommandError, match="only one of MANIFEST and --scenario"):
        run("simulate", "-", "--scenario", "-", stdin=NGINX_POD)


def test_simulate_text_describe_shows_the_same_addresses_as_get_pods(
        deployment_file: Path) -> None:
    out, _ = run("simulate", str(deployment_file), "--scenario", str(PRIVATE_REGISTRY))
    table, described = out.split("$ kubectl get pods -o wide\n")[1].split(
        "$ kubectl describe pods\n")
    wide_ips = {line.split()[0]: line.split()[5] for line in table.splitlines()[1:] if line}
    described_ips = dict(re.findall(r"^Name:\s+(\S+)\n(?:.*\n)*?IP:\s+(\S+)", described, re.M))
    assert described_ips == wide_ips
