"""What `kubectl get pods` and `kubectl describe pod` print for a simulated cluster.

Pure functions of trace types. Layout follows kubectl's printers (RUNTIME.md §10-§11): Go's
text/tabwriter with kubectl's settings, apimachinery's HumanDuration for ages, printPod's STATUS
rules, DescribeEvents, and client-go's event recorder (aggregation, combining, spam filter),
because a trace lists every occurrence while the API server holds counted Event objects.

Simulated time 0 is taken to fall on a whole wall-clock second: event timestamps are stored with
second precision, so ages are computed from the whole second an event happened in.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from .gocompat import trim_space
from .runtime import (
    DEFAULT_PROFILE,
    SECOND,
    RenderError,
    RuntimeProfile,
    profile_for,
    to_nanoseconds,
)
from .trace import ContainerStatus, Event, PodStatus, Recording

# --- Go's text/tabwriter -----------------------------------------------------------------------


def tabwrite(text: str, minwidth: int = 0, padding: int = 2) -> str:
    """Align tab-terminated cells as Go's tabwriter does with a space pad character.

    A column block is a run of consecutive lines that have a cell in that column; the text after
    a line's last tab is not part of any column. kubectl describe uses (0, 2), kubectl get (6, 3).
    """
    rows = [line.split("\t") for line in text.split("\n")]
    out: list[str] = [""] * len(rows)
    widths: list[int] = []

    def write(first: int, last: int) -> None:
        for i in range(first, last):
            cells = rows[i]
            out[i] = "".join(cell.ljust(widths[j]) if j < len(widths) else cell
                             for j, cell in enumerate(cells))

    def format_block(first: int, last: int) -> None:
        column, this = len(widths), first
        while this < last:
            if column >= len(rows[this]) - 1:
                this += 1
                continue
            write(first, this)
            first, width = this, minwidth
            while this < last and column < len(rows[this]) - 1:
                width = max(width, len(rows[this][column]) + padding)
                this += 1
            widths.append(width)
            format_block(first, this)
            widths.pop()
            first = this
        write(first, last)

    format_block(0, len(rows))
    return "\n".join(out)


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


def _age(now: float, then: float) -> str:
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
             nodes: Sequence[str] = (), created: Mapping[str, float] | None = None) -> str:
    """The `kubectl get pods` table (`-o wide` with `wide`; a NAMESPACE column like `-A` when
    the pods span namespaces). `created` maps `namespace/name` to creation time (default 0)."""
    if not all(isinstance(p, PodStatus) for p in pods):
        raise RenderError("get_pods expects a list of PodStatus")
    ordered = sorted(pods, key=lambda p: (p.namespace, p.name))  # the API lists by key
    many = len({p.namespace for p in ordered}) > 1
    header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    if wide:
        header += ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    lines = ["\t".join((["NAMESPACE"] if many else []) + header)]
    addresses = pod_addresses(pods, nodes)
    for pod in ordered:
        key = f"{pod.namespace}/{pod.name}"
        # Before scheduling the kubelet has reported no container statuses.
        ready, total, status = _print_pod(pod.containers if pod.node else (), pod.phase)
        total = sum(not c.init for c in pod.containers)
        cells = [pod.name, f"{ready}/{total}", status, restarts_column(pod, now),
                 _age(now, (created or {}).get(key, 0.0))]
        if wide:
            address = addresses[key]
            cells += [address.pod_ip or "<none>", pod.node or "<none>", "<none>", "<none>"]
        lines.append("\t".join(([pod.namespace] if many else []) + cells))
    return tabwrite("\n".join(lines) + "\n", minwidth=6, padding=3)


def restarts_column(pod: PodStatus, now: float) -> str:
    """RESTARTS as printPod counts it: while an init container holds the pod back, the restarts
    of the init containers up to that one; once initialised, those of the regular containers
    only. `N (<age> ago)` gives the latest last termination among the counted containers."""
    init = [c for c in pod.containers if c.init]
    blocking = _blocking_init(init)
    counted = (init[:blocking + 1] if blocking is not None
               else [c for c in pod.containers if not c.init])
    restarts = sum(c.restart_count for c in counted)
    finished = [c.last_finished for c in counted if c.last_finished is not None]
    if restarts == 0 or not finished:
        return str(restarts)
    return f"{restarts} ({_age(now, max(finished))} ago)"


# --- the event recorder (client-go tools/record) -----------------------------------------------

AGGREGATE_WINDOW = 600.0  # seconds: events_cache.go defaultAggregateIntervalInSeconds
AGGREGATE_MAX = 10  # distinct messages before they are combined
SPAM_BURST, SPAM_REFILL = 25, 300.0  # one token per 5 minutes per source and object
EVENT_TTL = 3600.0  # the API server's default --event-ttl
COMBINED = "(combined from similar events): "


@dataclass
class RecordedEvent:
    """One Event object as the API server holds it: counted, first and last seen."""

    type: str
    reason: str
    message: str
    pod: str
    source: str
    field_path: str | None
    first: float
    last: float
    count: int = 1


@dataclass
class _Aggregate:
    last: float
    messages: list[str] = field(default_factory=list)


def _correlate(event: Event, aggregates: dict[tuple[str, ...], _Aggregate]
               ) -> tuple[tuple[str | None, ...], str]:
    """EventAggregator: the logger key and message after the combining rule."""
    group = (event.source, event.pod, event.type, event.reason)
    record = aggregates.get(group)
    if record is None or event.time - record.last > AGGREGATE_WINDOW:
        record = aggregates[group] = _Aggregate(event.time)
    record.last = event.time
    if event.message not in record.messages:
        record.messages.append(event.message)
    if len(record.messages) < AGGREGATE_MAX:
        return (*group, event.field_path, event.message), event.message
    # Go drops an arbitrary remembered message; the oldest one is dropped here.
    record.messages.pop(0)
    return (*group, "combined"), COMBINED + event.message


def _replay(occurred: Sequence[Event]) -> list[tuple[Recording, tuple[str | None, ...]]]:
    """Run the recorder over occurrences in time order: what it did with each, and the key of
    the Event object it wrote or counted into."""
    aggregates: dict[tuple[str, ...], _Aggregate] = {}
    buckets: dict[tuple[str, str], tuple[float, float]] = {}
    observed: dict[tuple[str | None, ...], tuple[int, float]] = {}  # the recorder's (count, first)
    ids: dict[tuple[str | None, ...], int] = {}  # key -> Event object number
    written: set[tuple[str | None, ...]] = set()
    result: list[tuple[Recording, tuple[str | None, ...]]] = []
    for event in occurred:
        key, message = _correlate(event, aggregates)
        # eventObserve counts the occurrence before the spam filter looks at it, so a dropped
        # occurrence still raises the count that the next written one carries.
        count, first = observed.get(key, (0, event.time))
        count += 1
        observed[key] = (count, first)
        number = ids.setdefault(key, len(ids))
        tokens, since = buckets.get((event.source, event.pod), (float(SPAM_BURST), event.time))
        tokens = min(float(SPAM_BURST), tokens + (event.time - since) / SPAM_REFILL)
        if tokens < 1.0:  # the spam filter drops it: nothing is written to the API server
            buckets[(event.source, event.pod)] = (tokens, event.time)
            action: Literal["created", "counted", "dropped"] = "dropped"
        else:
            buckets[(event.source, event.pod)] = (tokens - 1.0, event.time)
            action = "counted" if key in written else "created"
            written.add(key)
        result.append((Recording(action, number, count, first, message,
                                 message != event.message), key))
    return result


def recordings(events: Sequence[Event]) -> list[Recording]:
    """What the recorder did with each event, in the given order: a new Event object, a count
    into an existing one, or dropped by the spam filter (its occurrence still counted into the
    `count` its object carries when next written). Occurrences are replayed in time order,
    ties in the given order, as `record_events` does."""
    if not all(isinstance(e, Event) for e in events):
        raise RenderError("expected a list of Event")
    order = sorted(range(len(events)), key=lambda i: events[i].time)
    replayed = _replay([events[i] for i in order])
    result: list[Recording | None] = [None] * len(events)
    for i, (recording, _) in zip(order, replayed, strict=True):
        result[i] = recording
    return [r for r in result if r is not None]


def annotate_events(events: Sequence[Event]) -> tuple[Event, ...]:
    """The events with `recorded` filled in by `recordings`."""
    return tuple(replace(e, recorded=r) for e, r in zip(events, recordings(events), strict=True))


def record_events(events: Iterable[Event], now: float) -> list[RecordedEvent]:
    """The Event objects a client-go recorder would have written by `now`, as listed by the
    API server (oldest first). Identical events are counted; a reason with ten different
    messages within 600 s gets one `(combined from similar events)` event; each source may write
    25 events per pod then one per 300 s, and a dropped occurrence still counts towards the next
    written one (`(x31 over …)`); events untouched for an hour are gone (TTL)."""
    events = list(events)
    if not all(isinstance(e, Event) for e in events):
        raise RenderError("expected a list of Event")
    occurred = sorted((e for e in events if e.time <= now), key=lambda e: e.time)
    objects: dict[tuple[str | None, ...], RecordedEvent] = {}
    for event, (recording, key) in zip(occurred, _replay(occurred), strict=True):
        if recording.action == "dropped":
            continue
        existing = objects.get(key)
        if existing is None:
            objects[key] = RecordedEvent(event.type, event.reason, recording.message, event.pod,
                                         event.source, event.field_path, recording.first,
                                         event.time, recording.count)
        else:
            existing.count, existing.last = recording.count, event.time
            existing.message = recording.message
    return [e for e in objects.values() if e.last >= now - EVENT_TTL]


# --- kubectl describe --------------------------------------------------------------------------


def _event_lines(events: Iterable[Event], now: float, profile: RuntimeProfile) -> list[str]:
    """DescribeEvents' lines, cells separated by tabs (before the tabwriter)."""
    recorded = record_events(events, now)
    if not recorded:
        return ["Events:\t<none>"]
    recorded.sort(key=lambda e: math.floor(e.last))  # stable: ties keep the API's order
    lines = ["Events:", "  Type\tReason\tAge\tFrom\tMessage", "  ----\t------\t----\t----\t-------"]
    for e in recorded:
        age = _age(now, e.first)
        if e.count > 1:
            age = f"{_age(now, e.last)} (x{e.count} over {age})"
        message = trim_space(e.message)  # Go's strings.TrimSpace
        if e.field_path and profile.field_path_prefix:
            message = f"{e.field_path}: {message}"
        lines.append(f"  {e.type}\t{e.reason}\t{age}\t{e.source}\t{message}")
    return lines


def describe_events(events: Iterable[Event], now: float,
                    profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    """The `Events:` block of `kubectl describe` at time `now` (events after `now` not yet seen)."""
    return tabwrite("\n".join(_event_lines(events, now, profile_for(profile))) + "\n")


def _container_id(pod: PodStatus, status: ContainerStatus) -> str:
    if status.state == "waiting" and status.last_finished is None:
        return ""  # a container that never ran has no ID; a restarting one keeps its last
    seed = f"{pod.namespace}/{pod.name}/{status.name}".encode()
    return "containerd://" + hashlib.sha256(seed).hexdigest()


def _container_lines(pod: PodStatus, statuses: Sequence[ContainerStatus], label: str,
                     scheduled: bool) -> list[str]:
    """describeContainers for the fields the trace knows."""
    lines = [f"{label}:" if statuses else f"{label}: <none>"]
    for status in statuses:
        lines.append(f"  {status.name}:")
        if scheduled:
            lines.append(f"    Container ID:\t{_container_id(pod, status)}")
        lines.append(f"    Image:\t{status.image}")
        if not scheduled:
            continue
        lines.append(f"    Image ID:\t{status.image_id or ''}")
        lines.append(f"    State:\t{status.state.capitalize()}")
        if status.reason:
            lines.append(f"      Reason:\t{status.reason}")
        if status.state == "terminated" and status.exit_code is not None:
            lines.append(f"      Exit Code:\t{status.exit_code}")
        if status.last_finished is not None:
            lines.append("    Last State:\tTerminated")
            lines.append(f"      Reason:\t{status.last_reason or ''}")
            lines.append(f"      Exit Code:\t{status.last_exit_code or 0}")
        lines.append(f"    Ready:\t{'True' if status.ready else 'False'}")
        lines.append(f"    Restart Count:\t{status.restart_count}")
    return lines


def describe_pod(pod: PodStatus, events: Iterable[Event], now: float,
                 profile: RuntimeProfile | str = DEFAULT_PROFILE, *,
                 address: PodAddress | None = None) -> str:
    """A compact `kubectl describe pod`: the fields the trace knows, in kubectl's order and
    layout (Start Time, labels, ports, mounts, conditions, QoS and tolerations are left out)."""
    if not isinstance(pod, PodStatus):
        raise RenderError("describe_pod expects a PodStatus")
    profile = profile_for(profile)
    address = address or pod_addresses([pod])[f"{pod.namespace}/{pod.name}"]
    node = f"{pod.node}/{address.host_ip}" if pod.node else "<none>"
    lines = [f"Name:\t{pod.name}", f"Namespace:\t{pod.namespace}", f"Node:\t{node}",
             f"Status:\t{pod.phase}", f"IP:\t{address.pod_ip or ''}"]
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
    lines += _event_lines(mine, now, profile)
    return tabwrite("\n".join(lines) + "\n")
