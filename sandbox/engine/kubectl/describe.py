"""What `kubectl describe pod` prints: DescribeEvents and the container sections."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from ..cluster import SIMULATED_EPOCH, record_events
from ..credentials import trim_space
from ..objects import ContainerPort
from ..runtime import DEFAULT_PROFILE, RenderError, RuntimeProfile, profile_for
from ..trace import ContainerStatus, Event, PodStatus
from .describe_objects import annotations_lines, command_lines, labels_lines
from .printers import PodAddress, age_since, pod_addresses, tabwrite

# --- kubectl describe --------------------------------------------------------------------------


def event_lines(events: Iterable[Event], now: float, profile: RuntimeProfile) -> list[str]:
    """DescribeEvents' lines, cells separated by tabs (before the tabwriter)."""
    recorded = record_events(events, now)
    if not recorded:
        return ["Events:\t<none>"]
    recorded.sort(key=lambda e: math.floor(e.last))  # stable: ties keep the API's order
    lines = ["Events:", "  Type\tReason\tAge\tFrom\tMessage", "  ----\t------\t----\t----\t-------"]
    for e in recorded:
        age = age_since(now, e.first)
        if e.count > 1:
            age = f"{age_since(now, e.last)} (x{e.count} over {age})"
        message = trim_space(e.message)  # Go's strings.TrimSpace
        if e.field_path and profile.field_path_prefix:
            message = f"{e.field_path}: {message}"
        lines.append(f"  {e.type}\t{e.reason}\t{age}\t{e.source}\t{message}")
    return lines


def describe_events(events: Iterable[Event], now: float,
                    profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    """The `Events:` block of `kubectl describe` at time `now` (events after `now` not yet seen)."""
    return tabwrite("\n".join(event_lines(events, now, profile_for(profile))) + "\n")


def container_id(pod: PodStatus, status: ContainerStatus) -> str:
    if status.state == "waiting" and status.last_finished is None:
        return ""  # a container that never ran has no ID; a restarting one keeps its last
    seed = f"{pod.namespace}/{pod.name}/{status.name}".encode()
    return "containerd://" + hashlib.sha256(seed).hexdigest()


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc1123z(seconds: float | None) -> str:
    """A simulated time as describe prints a timestamp: Go's time.RFC1123Z layout,
    `Mon, 02 Jan 2006 15:04:05 -0700`, seconds truncated (kubectl pkg/describe/describe.go
    formats startedAt/finishedAt so). Time 0 is SIMULATED_EPOCH; the zone is UTC, where kubectl
    would use its own machine's. An unset time prints as Go's zero time."""
    if seconds is None:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    when = datetime.fromtimestamp(SIMULATED_EPOCH + math.floor(seconds + 1e-9), UTC)
    return (f"{_WEEKDAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1]} "
            f"{when.year} {when:%H:%M:%S} +0000")


def _ports(ports: Sequence[ContainerPort], host: bool) -> str:
    """describeContainerPorts / describeContainerHostPorts: `80/TCP`, `0/TCP (http)`, joined
    by `, `."""
    return ", ".join(f"{p.host_port if host else p.container_port}/{p.protocol}"
                     + (f" ({p.name})" if p.name else "") for p in ports)


def _port_lines(ports: Sequence[ContainerPort]) -> list[str]:
    """`Port:`/`Host Port:` (`<none>` without ports), `Ports:`/`Host Ports:` once the joined
    text holds a comma (describeContainerBasicInfo prints them for every container)."""
    lines = []
    for label, text in (("Port", _ports(ports, False)), ("Host Port", _ports(ports, True))):
        if "," in text:
            lines.append(f"    {label}s:\t{text}")
        else:
            lines.append(f"    {label}:\t{text or '<none>'}")
    return lines


def _state_lines(status: ContainerStatus) -> list[str]:
    """describeStatus for `State:` and, after a restart, `Last State:`."""
    lines = [f"    State:\t{status.state.capitalize()}"]
    if status.state == "running":
        lines.append(f"      Started:\t{rfc1123z(status.started)}")
    elif status.state == "waiting" and status.reason:
        lines.append(f"      Reason:\t{status.reason}")
    elif status.state == "terminated":
        lines += [f"      Reason:\t{status.reason}"] if status.reason else []
        lines += [f"      Message:\t{status.message}"] if status.message else []
        lines += [f"      Exit Code:\t{status.exit_code or 0}",
                  f"      Started:\t{rfc1123z(status.started)}",
                  f"      Finished:\t{rfc1123z(status.finished)}"]
    if status.last_finished is not None:
        lines.append("    Last State:\tTerminated")
        lines += [f"      Reason:\t{status.last_reason}"] if status.last_reason else []
        lines += [f"      Exit Code:\t{status.last_exit_code or 0}",
                  f"      Started:\t{rfc1123z(status.last_started)}",
                  f"      Finished:\t{rfc1123z(status.last_finished)}"]
    return lines


def _container_lines(pod: PodStatus, statuses: Sequence[ContainerStatus], label: str,
                     scheduled: bool) -> list[str]:
    """describeContainers for the fields the trace knows, in kubectl's order (describe.go
    describeContainerBasicInfo, describeContainerCommand, then describeContainerState)."""
    lines = [f"{label}:" if statuses else f"{label}: <none>"]
    for status in statuses:
        lines.append(f"  {status.name}:")
        if scheduled:
            lines.append(f"    Container ID:\t{container_id(pod, status)}")
        lines.append(f"    Image:\t{status.image}")
        if scheduled:
            lines.append(f"    Image ID:\t{status.image_id or ''}")
        lines += _port_lines(status.ports)
        lines += command_lines(status.command, status.args)
        if not scheduled:
            continue
        lines += _state_lines(status)
        lines.append(f"    Ready:\t{'True' if status.ready else 'False'}")
        lines.append(f"    Restart Count:\t{status.restart_count}")
    return lines


def describe_pod(pod: PodStatus, events: Iterable[Event], now: float,
                 profile: RuntimeProfile | str = DEFAULT_PROFILE, *,
                 address: PodAddress | None = None, show_events: bool = True) -> str:
    """A compact `kubectl describe pod`: the fields the trace knows (priority, service account,
    start time, labels, annotations, a container's command and args, the pod's conditions), in
    kubectl's order and layout (environment, mounts, volumes, QoS, node selectors and
    tolerations are left out, so `Events: <none>` aligns with the conditions' block where a
    cluster aligns it with the tolerations'). Without `show_events` there is no Events
    block at all, not even `Events: <none>` (describe.go: `PodDescriber.Describe` looks
    events up only if `ShowEvents`)."""
    if not isinstance(pod, PodStatus):
        raise RenderError("describe_pod expects a PodStatus")
    profile = profile_for(profile)
    address = address or pod_addresses([pod])[f"{pod.namespace}/{pod.name}"]
    node = f"{pod.node}/{address.host_ip}" if pod.node else "<none>"
    # describePod's order. Priority: the Priority admission plugin sets 0 for a pod without a
    # priorityClassName (no PriorityClass is simulated).
    lines = [f"Name:\t{pod.name}", f"Namespace:\t{pod.namespace}", "Priority:\t0"]
    if pod.service_account:
        lines.append(f"Service Account:\t{pod.service_account}")
    lines.append(f"Node:\t{node}")
    if pod.start_time is not None:
        lines.append(f"Start Time:\t{rfc1123z(pod.start_time)}")
    lines += labels_lines("Labels", dict(pod.labels))
    lines += annotations_lines("Annotations", dict(pod.annotations))
    lines += [f"Status:\t{pod.phase}", f"IP:\t{address.pod_ip or ''}"]
    lines += [f"IPs:\n  IP:\t{address.pod_ip}"] if address.pod_ip else ["IPs:\t<none>"]
    if pod.owner:
        lines.append(f"Controlled By:\t{pod.owner}")
    init = [c for c in pod.containers if c.init]
    scheduled = pod.node is not None
    if init:
        lines += _container_lines(pod, init, "Init Containers", scheduled)
    lines += _container_lines(pod, [c for c in pod.containers if not c.init], "Containers",
                              scheduled)
    mine = [e for e in events if isinstance(e, Event) and e.pod == f"{pod.namespace}/{pod.name}"]
    conditions = pod_conditions(pod, now, any(e.reason == "FailedScheduling" for e in mine))
    if conditions:
        lines += ["Conditions:", "  Type\tStatus"]
        lines += [f"  {kind} \t{status} " for kind, status in conditions]
    lines += event_lines(mine, now, profile) if show_events else []
    return tabwrite("\n".join(lines) + "\n")


def pod_conditions(pod: PodStatus, now: float, unschedulable: bool) -> list[tuple[str, str]]:
    """status.conditions, in the order a kubelet's status leaves them: its own
    (PodReadyToStartContainers once the sandbox is made, Initialized once every init container
    completed, Ready and ContainersReady once every container runs: no probes or readiness gates
    are simulated), then the scheduler's PodScheduled. An unschedulable pod has PodScheduled
    False alone; a pod bound to a node that does not exist, none at all."""
    if pod.node is None:
        return [("PodScheduled", "False")] if unschedulable else []
    def told(value: bool) -> str:
        return "True" if value else "False"
    init = [c for c in pod.containers if c.init]
    regular = [c for c in pod.containers if not c.init]
    initialized = all(c.state == "terminated" and c.reason == "Completed" for c in init)
    ready = initialized and bool(regular) and all(c.ready for c in regular)
    sandbox = pod.sandbox_at is not None and now >= pod.sandbox_at
    return [("PodReadyToStartContainers", told(sandbox)), ("Initialized", told(initialized)),
            ("Ready", told(ready)), ("ContainersReady", told(ready)), ("PodScheduled", "True")]
