"""kubectl's exact wording for a refused Pod create and for describe's container block (issue 12,
items 7 and 8). Each test's docstring names the upstream source it follows."""

from __future__ import annotations

from dataclasses import replace

from sandbox.engine import load_manifests, simulate
from sandbox.engine.kubectl import describe_pod
from sandbox.engine.objects import ContainerPort
from sandbox.engine.trace import ContainerStatus, PodStatus, Trace

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  serviceAccountName: x
  containers: [{name: web, image: "nginx:1.27"}]
"""

PORTS_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - name: setup
    image: busybox:1.36
  containers:
  - name: web
    image: nginx:1.27
    ports:
    - {containerPort: 80, name: http}
    - {containerPort: 53, protocol: UDP, hostPort: 5353}
  - name: side
    image: nginx:1.27
    ports: [{containerPort: 8080}]
  - name: bare
    image: nginx:1.27
"""


def _run(text: str) -> Trace:
    return simulate(load_manifests(text))


def _block(text: str, name: str) -> list[str]:
    """The lines of one container's block in describe's output."""
    lines = text.splitlines()
    start = lines.index(f"  {name}:") + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("    "))
    return lines[start:end]


def _status(state: str, **fields: object) -> ContainerStatus:
    status = ContainerStatus("app", "nginx:1.27", False, "IfNotPresent", "written",
                             state)  # type: ignore[arg-type]
    return replace(status, **fields)  # type: ignore[arg-type]


def _describe(status: ContainerStatus) -> list[str]:
    pod = PodStatus("default", "p", None, "n1", "Running", "", "", 0, (status,))
    return _block(describe_pod(pod, [], 60.0), "app")


# --- item 7: a refused create ------------------------------------------------------------------


def test_missing_service_account_refusal_of_a_pod_names_the_source_like_kubectl() -> None:
    """kubectl apply/create wrap the failed create in `error when creating "<source>": `
    (kubectl pkg/cmd/apply/apply.go and pkg/cmd/create/create.go call
    `cmdutil.AddSourceToErr("creating", info.Source, err)`, worded in pkg/cmd/util/helpers.go);
    a paste is `kubectl apply -f -`, whose source cli-runtime calls "STDIN"
    (pkg/resource/visitor.go constSTDINstr). The message itself is the ServiceAccount plugin's
    (kubernetes plugin/pkg/admission/serviceaccount/admission.go: NewForbidden over
    "error looking up service account %s/%s: %w")."""
    trace = _run(POD)
    assert trace.pods == ()
    assert trace.warnings[-1] == (
        'Error from server (Forbidden): error when creating "STDIN": pods "p" is forbidden: '
        'error looking up service account default/x: serviceaccount "x" not found')


def test_missing_service_account_for_a_deployment_stays_a_failed_create_event() -> None:
    """The ReplicaSet controller, not kubectl, creates a Deployment's pods: its FailedCreate
    event reads `Error creating: <message>` with no source (kubernetes
    pkg/controller/controller_utils.go, RealPodControl.createPods)."""
    deployment = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: x
      containers: [{name: web, image: "nginx:1.27"}]
"""
    warning = _run(deployment).warnings[-1]
    assert warning.startswith("ReplicaSet/web-")
    assert ': Error creating: pods "web-' in warning
    assert "error when creating" not in warning


# --- item 8: Port and Host Port ----------------------------------------------------------------


def test_describe_prints_port_and_host_port_none_for_a_container_without_ports() -> None:
    """describeContainerBasicInfo always writes `Port:` and `Host Port:` after `Image ID:`,
    `<none>` when the container has no ports (kubectl pkg/describe/describe.go,
    stringOrNone)."""
    block = _block(describe_pod(_run(PORTS_POD).pods[0], [], 60.0), "bare")
    assert block[2].startswith("    Image ID:       docker.io/library/nginx@sha256:")
    assert block[3:5] == ["    Port:           <none>", "    Host Port:      <none>"]
    assert block[5].startswith("    State:")


def test_describe_prints_one_port_and_host_port_zero_with_the_protocol() -> None:
    """describeContainerPorts / describeContainerHostPorts print `%d/%s` of the port and its
    protocol, TCP by default and hostPort 0 when unset (kubectl pkg/describe/describe.go;
    defaults from kubernetes pkg/apis/core/v1/defaults.go)."""
    block = _block(describe_pod(_run(PORTS_POD).pods[0], [], 60.0), "side")
    assert "    Port:           8080/TCP" in block
    assert "    Host Port:      0/TCP" in block


def test_describe_prints_several_ports_as_ports_comma_joined_with_their_names() -> None:
    """With more than one port the joined text holds a comma, and kubectl switches to `Ports:` /
    `Host Ports:`; a named port reads `80/TCP (http)` (kubectl pkg/describe/describe.go,
    describeContainerBasicInfo)."""
    block = _block(describe_pod(_run(PORTS_POD).pods[0], [], 60.0), "web")
    assert block[3:5] == ["    Ports:          80/TCP (http), 53/UDP",
                          "    Host Ports:     0/TCP (http), 5353/UDP"]


def test_describe_prints_ports_of_an_unscheduled_pod_too() -> None:
    """Port lines come from the spec, so a pod without container statuses still gets them,
    right after `Image:` (kubectl pkg/describe/describe.go, describeContainerBasicInfo)."""
    status = _status("waiting", ports=(ContainerPort(443, 8443, "TCP", "https"),))
    pod = PodStatus("default", "p", None, None, "Pending", "", "", 0, (status,))
    assert _block(describe_pod(pod, [], 1.0), "app") == [
        "    Image:      nginx:1.27",
        "    Port:       443/TCP (https)",
        "    Host Port:  8443/TCP (https)",
    ]


# --- item 8: Started and Finished --------------------------------------------------------------


def test_describe_prints_started_under_a_running_state() -> None:
    """describeStatus writes `Started:` under `State: Running`, formatted with time.RFC1123Z
    (`Mon, 02 Jan 2006 15:04:05 -0700`; kubectl pkg/describe/describe.go). The simulated
    start is the container's Started event; time 0 is 2026-01-01T00:00:00Z."""
    trace = _run(PORTS_POD)
    started = next(e.time for e in trace.events
                   if e.reason == "Started" and e.field_path == "spec.containers{web}")
    assert int(started) == 5
    block = _block(describe_pod(trace.pods[0], [], 60.0), "web")
    assert block[5:7] == ["    State:          Running",
                          "      Started:      Thu, 01 Jan 2026 00:00:05 +0000"]


def test_describe_prints_exit_code_started_and_finished_under_a_terminated_state() -> None:
    """Under `State: Terminated` kubectl writes Reason (when set), Exit Code (always, 0 for a
    completed init container), Started and Finished (kubectl pkg/describe/describe.go,
    describeStatus)."""
    block = _block(describe_pod(_run(PORTS_POD).pods[0], [], 60.0), "setup")
    assert block[5:10] == [
        "    State:          Terminated",
        "      Reason:       Completed",
        "      Exit Code:    0",
        "      Started:      Thu, 01 Jan 2026 00:00:01 +0000",
        "      Finished:     Thu, 01 Jan 2026 00:00:03 +0000",
    ]


def test_describe_prints_started_and_finished_under_last_state() -> None:
    """`Last State:` is describeStatus again, for lastState.terminated, after the current state
    (kubectl pkg/describe/describe.go, describeContainerState)."""
    status = _status("waiting", reason="CrashLoopBackOff", restart_count=1, last_reason="Error",
                     last_exit_code=1, last_started=3600.2, last_finished=86_399.9)
    assert _describe(status)[5:] == [
        "    State:          Waiting",
        "      Reason:       CrashLoopBackOff",
        "    Last State:     Terminated",
        "      Reason:       Error",
        "      Exit Code:    1",
        "      Started:      Thu, 01 Jan 2026 01:00:00 +0000",
        "      Finished:     Thu, 01 Jan 2026 23:59:59 +0000",
        "    Ready:          False",
        "    Restart Count:  1",
    ]


def test_describe_time_is_go_rfc1123z_with_seconds_truncated() -> None:
    """Go's RFC1123Z layout: English day and month abbreviations, two-digit day, seconds
    truncated, numeric zone (Go time/format.go; kubectl pkg/describe/describe.go)."""
    status = _status("running", started=40 * 86_400 + 3_725.99)
    assert "      Started:      Tue, 10 Feb 2026 01:02:05 +0000" in _describe(status)


def test_container_ports_are_read_with_the_api_servers_defaults() -> None:
    """containerPort, hostPort (0 when unset) and protocol (TCP when unset) as
    kubernetes pkg/apis/core/v1/defaults.go fills them (SetDefaults_ContainerPort); entries
    without a whole containerPort are not shown."""
    text = PORTS_POD.replace("ports: [{containerPort: 8080}]",
                             "ports: [{containerPort: 8080}, {containerPort: true}, 7, "
                             "{name: x}, {containerPort: 9090, hostPort: null}]")
    pod = load_manifests(text)[0].pod_spec
    assert pod is not None
    assert pod.containers[1].ports == (ContainerPort(8080), ContainerPort(9090))
    assert pod.containers[0].ports == (ContainerPort(80, 0, "TCP", "http"),
                                       ContainerPort(53, 5353, "UDP"))


def test_a_bare_pod_before_its_service_account_in_the_file_is_forbidden() -> None:
    """`kubectl apply -f` creates objects in file order: the Pod is admitted before the account
    below it exists (plugin/pkg/admission/serviceaccount/admission.go)."""
    from sandbox.engine import evaluate
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: my-sa\n"
           "  containers: [{name: c, image: nginx:1.25}]\n")
    account = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: my-sa}\n"
    late = evaluate(pod + "---\n" + account, None)
    assert late.trace.pods == () and any("my-sa" in w and "forbidden" in w
                                         for w in late.trace.warnings)
    early = evaluate(account + "---\n" + pod, None)
    assert [p.name for p in early.trace.pods] == ["p"]
