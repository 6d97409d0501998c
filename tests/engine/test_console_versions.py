"""What the console's kubectl prints differently by release (issue 12): the architecture in
`get nodes -o wide`'s KERNEL-VERSION (Kubernetes 1.36+) and `describe` of several pods without
Events (kubectl 1.36+) unless `--show-events`.

docs/versions.md names the upstream file and release of each rule.
"""

from __future__ import annotations

import pytest

from sandbox.engine import load_scenario
from sandbox.engine.console import ClusterState, new_cluster, run_command
from sandbox.engine.console.commands import CommandResult
from sandbox.engine.runtime import PROFILES

KEY = b"k" * 32
TWO_PODS = "".join(f"""\
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  containers: [{{name: {name}, image: "nginx:1.25"}}]
""" for name in ("api", "web"))
ONE_POD = TWO_PODS.split("---\n")[2]
BEFORE_136 = ("classic", "current", "newest")


class Console:
    def __init__(self, profile: str, nodes: str = "") -> None:
        world = load_scenario(f"name: versions\nprofile: {profile}\n{nodes}")
        self.state: ClusterState = new_cluster(world, key=KEY)

    def do(self, line: str, file: str | None = None) -> CommandResult:
        files = {"-": file} if file is not None else {}
        self.state, result = run_command(self.state, line, files=files, key=KEY)
        assert result.exit_code == 0, result.error
        return result


def _with_pods(profile: str, manifest: str = TWO_PODS) -> Console:
    console = Console(profile)
    console.do("kubectl apply -f -", manifest)
    console.do("sleep 30")
    return console


# --- the architecture in `get nodes -o wide` (kubernetes#132402) ------------------------------

MIXED_NODES = "nodes: [{name: pi, architecture: arm64}, {name: x86}]\n"


def test_get_nodes_wide_prints_the_architecture_after_the_kernel_from_kubernetes_136() -> None:
    # kubernetes#132402 (v1.36.0): "Add architecture to the kernel version column". Real v1.36
    # and v1.37.0 clusters (kind, minikube, kubeadm, k3s, rke2) print `6.8.0-106-generic
    # (amd64)` under KERNEL-VERSION and no ARCH column (docs/versions.md).
    assert PROFILES["k8s-1.37"].kernel_version_shows_arch
    out = Console("k8s-1.37", MIXED_NODES).do("kubectl get nodes -o wide").output
    assert out == (
        "NAME   STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   "
        "OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME\n"
        "pi     Ready    <none>   60m   v1.37.0   172.18.0.2    <none>        "
        "Debian GNU/Linux 12 (bookworm)   6.8.0 (arm64)    containerd://2.3.4\n"
        "x86    Ready    <none>   60m   v1.37.0   172.18.0.3    <none>        "
        "Debian GNU/Linux 12 (bookworm)   6.8.0 (amd64)    containerd://2.3.4\n")


@pytest.mark.parametrize(("profile", "version", "runtime"), [
    ("classic", "v1.27.16", "containerd://1.6.20"),
    ("current", "v1.34.10", "containerd://2.0.5"),
    ("newest", "v1.35.7", "containerd://2.3.4"),
])
def test_get_nodes_wide_prints_the_kernel_alone_before_kubernetes_136(profile: str, version: str,
                                                                      runtime: str) -> None:
    assert not PROFILES[profile].kernel_version_shows_arch
    out = Console(profile, MIXED_NODES).do("kubectl get nodes -o wide").output
    pad = " " * (len(version) - len("VERSION"))
    assert out == (
        f"NAME   STATUS   ROLES    AGE   VERSION{pad}   INTERNAL-IP   EXTERNAL-IP   "
        "OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME\n"
        f"pi     Ready    <none>   60m   {version}   172.18.0.2    <none>        "
        f"Debian GNU/Linux 12 (bookworm)   6.8.0            {runtime}\n"
        f"x86    Ready    <none>   60m   {version}   172.18.0.3    <none>        "
        f"Debian GNU/Linux 12 (bookworm)   6.8.0            {runtime}\n")


@pytest.mark.parametrize("profile", list(PROFILES))
def test_get_nodes_without_wide_has_no_kernel_column(profile: str) -> None:
    header = Console(profile, MIXED_NODES).do("kubectl get nodes").output.splitlines()[0]
    assert header.split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]


# --- `describe` of several objects (kubectl b902e4389, kubernetes#137145) --------------------


def _events_blocks(text: str) -> int:
    return text.count("\nEvents:")


@pytest.mark.parametrize("profile", BEFORE_136)
def test_describe_several_pods_shows_their_events_before_kubectl_136(profile: str) -> None:
    out = _with_pods(profile).do("kubectl describe pods").output
    assert out.count("Name:") == 2
    assert _events_blocks(out) == 2


def test_describe_several_pods_shows_no_events_from_kubectl_136() -> None:
    out = _with_pods("k8s-1.37").do("kubectl describe pods").output
    assert out.count("Name:") == 2
    assert "Events" not in out
    named = _with_pods("k8s-1.37").do("kubectl describe pods api web").output
    assert out == named


@pytest.mark.parametrize("flag", ["--show-events", "--show-events=true"])
def test_show_events_brings_the_events_back_on_kubectl_136(flag: str) -> None:
    console = _with_pods("k8s-1.37")
    out = console.do(f"kubectl describe pods {flag}").output
    assert _events_blocks(out) == 2
    assert "Pulled" in out
    # the same text as without the flag, plus each pod's Events block
    bare = console.do("kubectl describe pods").output
    assert [line for line in out.splitlines() if line in bare.splitlines()] == \
        bare.splitlines()


@pytest.mark.parametrize("profile", list(PROFILES))
def test_one_pod_is_described_with_its_events_in_every_release(profile: str) -> None:
    for line in ("kubectl describe pods", "kubectl describe pod web"):
        out = _with_pods(profile, ONE_POD).do(line).output
        assert _events_blocks(out) == 1
    out = _with_pods(profile).do("kubectl describe pod web").output
    assert _events_blocks(out) == 1


@pytest.mark.parametrize("profile", list(PROFILES))
def test_show_events_false_leaves_the_events_out_in_every_release(profile: str) -> None:
    console = _with_pods(profile)
    for line in ("kubectl describe pods --show-events=false",
                 "kubectl describe pod web --show-events=false"):
        out = console.do(line).output
        assert "Name:" in out
        assert "Events" not in out  # not even `Events:  <none>`



# --- boolean flag values as pflag reads them (strconv.ParseBool) ------------------------------


@pytest.mark.parametrize(("value", "shown"), [("1", True), ("t", True), ("TRUE", True),
                                               ("True", True), ("0", False), ("F", False),
                                               ("FALSE", False), ("False", False)])
def test_show_events_takes_every_value_go_parse_bool_takes(value: str, shown: bool) -> None:
    out = _with_pods("k8s-1.37").do(f"kubectl describe pods --show-events={value}").output
    assert _events_blocks(out) == (2 if shown else 0)


@pytest.mark.parametrize(("line", "error"), [
    ("kubectl describe pods --show-events=yes",
     'error: invalid argument "yes" for "--show-events" flag: strconv.ParseBool: '
     'parsing "yes": invalid syntax'),
    ("kubectl get pods --watch=maybe",
     'error: invalid argument "maybe" for "-w, --watch" flag: strconv.ParseBool: '
     'parsing "maybe": invalid syntax'),
    ("kubectl describe pods --show-events='a\"b'",
     'error: invalid argument "a\\"b" for "--show-events" flag: strconv.ParseBool: '
     'parsing "a\\"b": invalid syntax'),
])
def test_a_boolean_flag_with_another_value_is_pflags_invalid_argument(line: str,
                                                                      error: str) -> None:
    console = _with_pods("k8s-1.37")
    _, result = run_command(console.state, line, files={}, key=KEY)
    assert result.exit_code != 0
    assert result.error.splitlines()[0] == error
