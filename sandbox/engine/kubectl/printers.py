"""What `kubectl get pods` prints: kubectl's printers for a simulated cluster.

Pure functions of trace types. Layout follows kubectl's printers (RUNTIME.md §10-§11): Go's
text/tabwriter with kubectl's settings, apimachinery's HumanDuration for ages, and printPod's
STATUS and READY rules.

Simulated time 0 is taken to fall on a whole wall-clock second: event timestamps are stored with
second precision, so ages are computed from the whole second an event happened in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..runtime import SECOND, RenderError, to_nanoseconds
from ..trace import ContainerStatus, PodStatus
from .selectors import format_labels

# --- Go's text/tabwriter -----------------------------------------------------------------------


def tabwrite(text: str, minwidth: int = 0, padding: int = 2) -> str:
    """Align tab-terminated cells as Go's tabwriter does with a space pad character.

    A column block is a run of consecutive lines that have a cell in that column; the text after
    a line's last tab is not part of any column. kubectl describe uses (0, 2), kubectl get (6, 3).

    Go's `format` recurses column by column, each block inside the previous column's. A line
    with a cell in column j has one in every column before it, so the block holding a cell is
    simply the longest run of consecutive lines with a cell in that column: each column is
    padded in one pass over the lines, with no recursion (every run's describe text goes
    through here, so this is most of what `kubectl describe` costs).
    """
    rows = [line.split("\t") for line in text.split("\n")]
    cells = [len(row) - 1 for row in rows]  # terminated cells per line
    total = len(rows)
    for column in range(max(cells, default=0)):
        this = 0
        while this < total:
            if cells[this] <= column:
                this += 1
                continue
            first, width = this, minwidth
            while this < total and cells[this] > column:
                width = max(width, len(rows[this][column]) + padding)
                this += 1
            for line in range(first, this):
                rows[line][column] = rows[line][column].ljust(width)
    return "\n".join(["".join(row) for row in rows])


# --- apimachinery HumanDuration ----------------------------------------------------------------


def human_duration(seconds: float) -> str:
    """apimachinery `duration.HumanDuration`: `59s`, `2m5s`, `25m`, `3h5m`, `3d4h`, `1y20d`."""
    ns = to_nanoseconds(seconds)
    whole = abs(ns) // SECOND * (1 if ns >= 0 else -1)  # Go's int(d.Seconds()) truncates
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        return f"{minutes}m{whole % 60}s" if whole % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years, rest = days // 365, days % 365
    if hours < 24 * 365 * 8:
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"


def age_since(now: float, then: float) -> str:
    """Age of a timestamp stored with second precision."""
    return human_duration(now - math.floor(then))


# --- printPod: the STATUS and READY columns ----------------------------------------------------


def _init_done(status: ContainerStatus) -> bool:
    """printPod passes over an init container that exited with code 0. A status without a
    recorded exit code counts as done when it ended `Completed` or without a reason."""
    if status.state != "terminated":
        return False
    if status.exit_code is not None:
        return status.exit_code == 0
    return status.reason in (None, "Completed")


def _blocking_init(init: Sequence[ContainerStatus]) -> int | None:
    """Index of the first init container that is not done (initialisation stops there)."""
    return next((i for i, status in enumerate(init) if not _init_done(status)), None)


def _terminated_reason(status: ContainerStatus) -> str:
    """A terminated container's reason, else `ExitCode:<n>` (the trace has no signals); a
    status without reason nor exit code reads `Completed`."""
    if status.reason:
        return status.reason
    return "Completed" if status.exit_code is None else f"ExitCode:{status.exit_code}"


def _print_pod(containers: Sequence[ContainerStatus], phase: str) -> tuple[int, int, str]:
    """(ready, total, status) as kubectl's printPod computes them.

    Init containers are taken as non-restartable (the trace has no sidecars).
    """
    init = [c for c in containers if c.init]
    regular = [c for c in containers if not c.init]
    reason, ready = phase, 0
    blocking = _blocking_init(init)
    if blocking is not None:
        status = init[blocking]
        if status.state == "terminated":
            reason = f"Init:{_terminated_reason(status)}"
        elif status.state == "waiting" and status.reason and status.reason != "PodInitializing":
            reason = f"Init:{status.reason}"
        else:
            reason = f"Init:{blocking}/{len(init)}"
        return ready, len(regular), reason
    running = False
    for status in reversed(regular):  # scanned from the last, so the first one wins
        if status.state == "waiting" and status.reason:
            reason = status.reason
        elif status.state == "terminated":
            reason = _terminated_reason(status)
        elif status.ready and status.state == "running":
            running, ready = True, ready + 1
    if reason == "Completed" and running:
        reason = "Running" if ready == len(regular) else "NotReady"
    return ready, len(regular), reason


def _check_containers(containers: object) -> Sequence[ContainerStatus]:
    if not isinstance(containers, Sequence) or not all(
            isinstance(c, ContainerStatus) for c in containers):
        raise RenderError("expected a list of ContainerStatus")
    return containers


def pod_status_column(containers: Sequence[ContainerStatus], phase: str) -> str:
    """The STATUS column: `Init:ErrImagePull`, `Init:0/1`, `ImagePullBackOff`, or the phase."""
    return _print_pod(_check_containers(containers), phase)[2]


def ready_column(containers: Sequence[ContainerStatus], phase: str = "Pending") -> str:
    """The READY column: ready regular containers / regular containers."""
    ready, total, _ = _print_pod(_check_containers(containers), phase)
    return f"{ready}/{total}"


# --- addresses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodAddress:
    """Made-up but stable addresses, laid out as kind does: 10.244.<node>.x, nodes 172.18.0.x."""

    pod_ip: str | None
    host_ip: str | None


def pod_addresses(pods: Iterable[PodStatus], nodes: Sequence[str] = ()) -> dict[str, PodAddress]:
    """`namespace/name` -> addresses. Node i of `nodes` (then unknown nodes in name order) gets
    pod range 10.244.i.0/24 and host 172.18.0.(i+2); pods on it get .2, .3, … in list order."""
    pods = list(pods)
    order = list(nodes) + sorted({p.node for p in pods if p.node} - set(nodes))
    index = {name: i for i, name in enumerate(order)}
    used: dict[str, int] = {}
    result = {}
    for pod in pods:
        key = f"{pod.namespace}/{pod.name}"
        if pod.node is None:
            result[key] = PodAddress(None, None)
            continue
        used[pod.node] = used.get(pod.node, 1) + 1
        i = index[pod.node]
        result[key] = PodAddress(f"10.244.{i % 256}.{used[pod.node] % 256}",
                                 f"172.18.0.{(i + 2) % 256}")
    return result


# --- kubectl get pods --------------------------------------------------------------------------


def get_pods(pods: Sequence[PodStatus], now: float, wide: bool = False, *,
             nodes: Sequence[str] = (), created: Mapping[str, float] | None = None,
             labels: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The `kubectl get pods` table (`-o wide` with `wide`; a NAMESPACE column like `-A` when
    the pods span namespaces). `created` maps `namespace/name` to creation time (default 0).
    With `labels` (by `namespace/name`), a last LABELS column, as `--show-labels` adds."""
    if not all(isinstance(p, PodStatus) for p in pods):
        raise RenderError("get_pods expects a list of PodStatus")
    ordered = sorted(pods, key=lambda p: (p.namespace, p.name))  # the API lists by key
    many = len({p.namespace for p in ordered}) > 1
    header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    if wide:
        header += ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    if labels is not None:
        header.append("LABELS")
    lines = ["\t".join((["NAMESPACE"] if many else []) + header)]
    addresses = pod_addresses(pods, nodes)
    for pod in ordered:
        key = f"{pod.namespace}/{pod.name}"
        # Before scheduling the kubelet has reported no container statuses.
        ready, total, status = _print_pod(pod.containers if pod.node else (), pod.phase)
        total = sum(not c.init for c in pod.containers)
        cells = [pod.name, f"{ready}/{total}", status, restarts_column(pod, now),
                 age_since(now, (created or {}).get(key, 0.0))]
        if wide:
            address = addresses[key]
            cells += [address.pod_ip or "<none>", pod.node or "<none>", "<none>", "<none>"]
        if labels is not None:
            cells.append(format_labels(labels.get(key, {})))
        lines.append("\t".join(([pod.namespace] if many else []) + cells))
    return tabwrite("\n".join(lines) + "\n", minwidth=6, padding=3)


def restarts_column(pod: PodStatus, now: float) -> str:
    """RESTARTS as printPod prints it: the count (`restarts_counted`), then `(<age> ago)` of the
    latest last termination among the counted containers."""
    restarts, finished = restarts_counted(pod)
    if restarts == 0 or finished is None:
        return str(restarts)
    return f"{restarts} ({age_since(now, finished)} ago)"


def restarts_counted(pod: PodStatus) -> tuple[int, float | None]:
    """RESTARTS as printPod counts it, and the latest last termination it counts (or None).

    While an init container holds the pod back, the restarts of the init containers up to that
    one count; once initialised, those of the regular containers only.
    """
    init = [c for c in pod.containers if c.init]
    blocking = _blocking_init(init)
    counted = (init[:blocking + 1] if blocking is not None
               else [c for c in pod.containers if not c.init])
    finished = [c.last_finished for c in counted if c.last_finished is not None]
    return sum(c.restart_count for c in counted), max(finished) if finished else None
