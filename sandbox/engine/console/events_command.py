"""`kubectl events` (pkg/cmd/events): the namespace's Events in time order, newest last.

Unlike `kubectl get events`, which lists them as the API server does (object by object), this
command sorts them (`SortableEvents`: by the series' last observation, else the last
timestamp, else the event time, with Go's unstable sort) and prints `OBJECT` as `Kind/name`.
`--for TYPE/NAME` keeps one object's (as the field selector on its kind, group version and
name), `--types=Warning,Normal` the given types; `-A` adds the NAMESPACE column, and nothing
found is `No events found in NS namespace.` on stderr. `-w` is not simulated here: time passes
with `sleep`, so `kubectl events` again shows what came since.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from ..cluster import SIMULATED_EPOCH
from ..kubectl import human_duration, tabwrite
from ..kubectl.sorting import go_sort
from .event_objects import event_bodies
from .session import CommandFailed
from .state import ClusterState
from .views import output_object

if TYPE_CHECKING:
    from .commands import CommandResult, _Args

# The group version of each kind `--for` may name (the console's resource names, `KINDS`).
_GROUP_VERSIONS = {"Deployment": "apps/v1", "ReplicaSet": "apps/v1"}


def _seconds(text: Any) -> float | None:
    """A metav1.Time or MicroTime text as simulated seconds; None when unset."""
    if not isinstance(text, str) or not text:
        return None
    when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when.timestamp() - SIMULATED_EPOCH


def _sort_time(event: dict[str, Any]) -> float:
    """events.go `eventTime`: the series' last observation, the last timestamp, the event time
    (Go's zero time, before every other, when none is set)."""
    series = event.get("series") or {}
    for value in (series.get("lastObservedTime"), event.get("lastTimestamp"),
                  event.get("eventTime")):
        seconds = _seconds(value)
        if seconds is not None:
            return seconds
    return float("-inf")


def _interval(event: dict[str, Any], now: float) -> str:
    """event_printer.go `getInterval`."""
    def since(value: Any) -> str:
        seconds = _seconds(value)
        return "<unknown>" if seconds is None else human_duration(max(now - seconds, 0.0))

    first = since(event.get("eventTime")) if event.get("eventTime") else \
        since(event.get("firstTimestamp"))
    series = event.get("series")
    if series:
        return f"{since(series.get('lastObservedTime'))} (x{series.get('count')} over {first})"
    if int(event.get("count") or 0) > 1:
        return f"{since(event.get('lastTimestamp'))} (x{event['count']} over {first})"
    return first


def _for_filter(text: str) -> tuple[str, str, str]:
    if "/" not in text:
        raise CommandFailed("error: --for must be in resource/name form")
    parts = text.split("/")
    if len(parts) != 2:
        raise CommandFailed("error: arguments in resource/name form may not have more than "
                            "one slash")
    from .commands import KINDS

    kind = KINDS.get(parts[0].lower())
    if kind is None:
        raise CommandFailed(f'error: the server doesn\'t have a resource type "{parts[0]}"')
    return kind, _GROUP_VERSIONS.get(kind, "v1"), parts[1]


def events_command(state: ClusterState, verb: str, args: _Args, files: dict[str, str],
                   key: bytes, result: CommandResult) -> None:
    from .commands import _namespace

    if "watch" in args.flags:
        raise CommandFailed("error: `kubectl events -w` is not simulated here: let time pass "
                            "with `sleep 30`, then `kubectl events` shows what came since")
    types = [t for t in args.value("types").split(",") if t] if "types" in args.values else []
    if any(t.lower() not in ("normal", "warning") for t in types):
        raise CommandFailed("error: valid --types are Normal or Warning")
    output = args.value("output")
    if output not in ("", "yaml", "json"):
        raise CommandFailed(f"error: -o {output} is not supported by `kubectl events` here; "
                            "use -o yaml or -o json")
    namespace = _namespace(args)
    listed = event_bodies(state, namespace)
    if "for" in args.values:
        kind, version, name = _for_filter(args.value("for"))
        listed = [e for e in listed if e["involvedObject"].get("kind") == kind
                  and e["involvedObject"].get("apiVersion") == version
                  and e["involvedObject"].get("name") == name]
    wanted = {t.lower() for t in types}
    listed = [e for e in listed if not wanted or str(e.get("type", "")).lower() in wanted]
    if not listed:
        result.error = ("No events found.\n" if namespace is None else
                        f"No events found in {namespace} namespace.\n")
        return
    ordered = go_sort(listed, lambda a, b: _sort_time(a) < _sort_time(b))
    if output:
        result.output = output_object({"apiVersion": "v1", "items": ordered,
                                       "kind": "EventList", "metadata": {}}, output)
        return
    rows = [] if "no-headers" in args.flags else [
        (["NAMESPACE"] if namespace is None else []) + ["LAST SEEN", "TYPE", "REASON",
                                                        "OBJECT", "MESSAGE"]]
    for event in ordered:
        involved = event["involvedObject"]
        rows.append(([event["metadata"]["namespace"]] if namespace is None else [])
                    + [_interval(event, state.clock), str(event.get("type", "")),
                       str(event.get("reason", "")), f"{involved['kind']}/{involved['name']}",
                       str(event.get("message", "")).strip()])
    result.output = tabwrite("\n".join("\t".join(row) for row in rows) + "\n", minwidth=6,
                             padding=3)
