"""What `kubectl get`, `kubectl describe` and `crictl images` print for a learner's cluster.

Table layouts follow kubectl's printers (`pkg/printers/internalversion/printers.go`: the
column sets of pods, deployments, replicasets, events, secrets, serviceaccounts and nodes),
printed through the same tabwriter as `get pods` (`kubectl/printers.py`). `-o yaml` / `-o json`
print the objects as stored, with `status` filled in for pods and workloads, and secret data
shown as stored (its passwords are fingerprints: the console never had them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..cluster import annotate_events
from ..kubectl import describe_pod, get_pods, human_duration, tabwrite
from ..kubectl.describe import describe_events, event_lines
from ..kubectl.describe_objects import (
    namespace_lines,
    secret_lines,
    secret_sizes,
    service_account_lines,
)
from ..kubectl.dry_run import object_yaml
from ..kubectl.printers import PodAddress, age_since, pod_addresses
from ..kubectl.selectors import format_labels
from ..runtime import profile_for
from ..trace import Event, PodStatus
from .event_objects import event_bodies, event_name, event_objects, events, involved_kind
from .records import pod_status
from .session import pod_plan
from .state import ClusterState
from .workload_status import (
    deployment_status,
    describe_deployment,
    describe_replicaset,
    ready_counts,
)

NO_RESOURCES = "No resources found in {namespace} namespace."


def pod_statuses(state: ClusterState, namespace: str | None = None) -> list[PodStatus]:
    return [pod_status(pod_plan(key, record), record)
            for key, record in sorted(state.data["pods"].items())
            if namespace is None or key.split("/", 1)[0] == namespace]


def get_pods_table(state: ClusterState, namespace: str | None, *, wide: bool,
                   names: list[str] | None = None, only: set[str] | None = None,
                   show_labels: bool = False) -> str:
    pods = [p for p in pod_statuses(state, namespace) if (not names or p.name in names)
            and (only is None or f"{p.namespace}/{p.name}" in only)]
    created = {key: record["created"] for key, record in state.data["pods"].items()}
    nodes = [n.name for n in state.scenario.nodes]
    labels = ({key: labels_of(record["body"]) for key, record in state.data["pods"].items()}
              if show_labels else None)
    return get_pods(pods, state.clock, wide, nodes=nodes, created=created, labels=labels)


def labels_of(body: dict[str, Any]) -> dict[str, str]:
    """An object's `metadata.labels` (stored objects were checked: keys and values are text)."""
    labels = (body.get("metadata") or {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def labelled(state: ClusterState, resource: str, namespace: str | None
             ) -> dict[str, dict[str, str]]:
    """Every object of `resource` in `namespace` (every namespace with None) by its key
    (`namespace/name`; a node's name), with its labels: what `-l` selects from. Events carry
    none here (the recorder writes none)."""
    if resource == "Pod":
        return {key: labels_of(record["body"]) for key, record in state.data["pods"].items()
                if namespace is None or key.startswith(namespace + "/")}
    if resource == "Node":
        return {node.name: node.all_labels() for node in state.scenario.nodes}
    if resource == "Event":
        return {}
    return {f"{r['namespace']}/{r['name']}": labels_of(r["body"])
            for r in state.records(resource, namespace)}


def get_table(state: ClusterState, resource: str, namespace: str | None, *, wide: bool,
              names: list[str], only: set[str] | None = None,
              show_labels: bool = False) -> str:
    """The default table for `resource` (a kind); '' when nothing matched. `only`: the keys
    (see `labelled`) a selector kept; `show_labels` adds kubectl's LABELS column."""
    if resource == "Pod":
        if not [p for p in state.data["pods"]
                if (namespace is None or p.startswith(namespace + "/"))
                and (not names or p.split("/", 1)[1] in names)
                and (only is None or p in only)]:
            return ""
        return get_pods_table(state, namespace, wide=wide, names=names, only=only,
                              show_labels=show_labels)
    if resource == "Node":
        return _nodes_table(state, wide=wide, names=names, only=only, show_labels=show_labels)
    if resource == "Event":
        return _events_table(state, namespace, show_labels, names, only, wide)
    return _records_table(state, resource, namespace, wide=wide, names=names, only=only,
                          show_labels=show_labels)


def _nodes_table(state: ClusterState, *, wide: bool, names: list[str],
                 only: set[str] | None = None, show_labels: bool = False) -> str:
    """The API server's node table; from 1.36 the kernel is followed by the architecture
    (`kernel_version_shows_arch`)."""
    now = state.clock
    profile = profile_for(state.scenario.profile)
    rows = [["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
            + (["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION",
                "CONTAINER-RUNTIME"] if wide else [])]
    if show_labels:
        rows[0].append("LABELS")
    for index, node in sorted(enumerate(state.scenario.nodes), key=lambda item: item[1].name):
        if names and node.name not in names or only is not None and node.name not in only:
            continue
        cordoned = state.data["nodes"][node.name]["cordoned"]
        row = [node.name, "Ready,SchedulingDisabled" if cordoned else "Ready", "<none>",
               age_since(now, -3600.0), profile.kubelet_version]
        if wide:
            kernel = "6.8.0" + (f" ({node.architecture})" if profile.kernel_version_shows_arch
                                else "")
            row += [f"172.18.0.{index + 2}", "<none>", "Debian GNU/Linux 12 (bookworm)",
                    kernel, profile.container_runtime_version]
        rows.append(row + ([format_labels(node.all_labels())] if show_labels else []))
    return _table(rows) if len(rows) > 1 else ""


def _records_table(state: ClusterState, resource: str, namespace: str | None, *, wide: bool,
                   names: list[str], only: set[str] | None = None,
                   show_labels: bool = False) -> str:
    now = state.clock
    records = [r for r in state.records(resource, namespace) if (not names or r["name"] in names)
               and (only is None or f"{r['namespace']}/{r['name']}" in only)]
    if not records:
        return ""
    many = namespace is None and len({r["namespace"] for r in records}) > 1
    rows: list[list[str]] = []
    if resource == "Deployment":
        rows.append(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
                    + (["CONTAINERS", "IMAGES", "SELECTOR"] if wide else []))
        for r in records:
            s = deployment_status(state, r)
            row = [r["name"], f"{s['readyReplicas']}/{s['desired']}", str(s["updatedReplicas"]),
                   str(s["availableReplicas"]), age_since(now, r["created"])]
            rows.append(row + (_wide_template(r["body"]) if wide else []))
    elif resource == "ReplicaSet":
        rows.append(["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
                    + (["CONTAINERS", "IMAGES", "SELECTOR"] if wide else []))
        for r in records:
            total, ready = ready_counts(state, f"ReplicaSet/{r['name']}", r["namespace"])
            row = [r["name"], str(r["body"].get("spec", {}).get("replicas", 0)), str(total),
                   str(ready), age_since(now, r["created"])]
            rows.append(row + (_wide_template(r["body"]) if wide else []))
    elif resource == "Secret":
        rows.append(["NAME", "TYPE", "DATA", "AGE"])
        for r in records:
            rows.append([r["name"], str(r["body"].get("type", "Opaque")),
                         str(len(record_secret_sizes(r))), age_since(now, r["created"])])
    elif resource == "ServiceAccount":
        rows.append(["NAME", "SECRETS", "AGE"])
        for r in records:
            rows.append([r["name"], str(len(r["body"].get("secrets") or [])),
                         age_since(now, r["created"])])
    elif resource == "Namespace":
        rows.append(["NAME", "STATUS", "AGE"])
        for r in records:
            rows.append([r["name"], "Active", age_since(now, r["created"])])
    else:
        rows.append(["NAME", "AGE"])
        rows += [[r["name"], age_since(now, r["created"])] for r in records]
    if show_labels:
        rows = [rows[0] + ["LABELS"]] + [row + [format_labels(labels_of(r["body"]))]
                                         for r, row in zip(records, rows[1:], strict=True)]
    if many:
        rows = [["NAMESPACE"] + rows[0]] + [[r["namespace"]] + row
                                            for r, row in zip(records, rows[1:], strict=True)]
    return _table(rows)


def _wide_template(body: dict[str, Any]) -> list[str]:
    spec = body.get("spec", {})
    containers = spec.get("template", {}).get("spec", {}).get("containers") or []
    selector = spec.get("selector", {}).get("matchLabels", {}) or {}
    return [",".join(str(c.get("name")) for c in containers),
            ",".join(str(c.get("image")) for c in containers),
            ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"]


def _table(rows: list[list[str]]) -> str:
    return tabwrite("\n".join("\t".join(row) for row in rows) + "\n", minwidth=6, padding=3)


def _events_table(state: ClusterState, namespace: str | None, show_labels: bool = False,
                  names: list[str] | None = None, only: set[str] | None = None,
                  wide: bool = False) -> str:
    """`kubectl get events`: the recorder's Event objects in the API server's order, by
    namespace then name (an event's name is its object's, then the time: so a real cluster
    lists them object by object, and `--sort-by=.lastTimestamp` puts them in time order)."""
    found = sorted(((event, number) for event, _uid, number in event_objects(state, namespace)
                    if (not names or event_name(event, number) in names) and
                    (only is None or f"{event.pod.split('/', 1)[0]}/"
                     f"{event_name(event, number)}" in only)),
                   key=lambda item: (item[0].pod.split("/", 1)[0], event_name(*item)))
    if not found:
        return ""
    bodies = {b["metadata"]["name"]: b for b in event_bodies(state, namespace)} if wide else {}
    rows = [["LAST SEEN", "TYPE", "REASON", "OBJECT"] + (["SUBOBJECT", "SOURCE"] * wide)
            + ["MESSAGE"] + (["FIRST SEEN", "COUNT", "NAME"] * wide) + (["LABELS"] * show_labels)]
    for event, number in found:
        assert event.recorded is not None
        row = [age_since(state.clock, event.time), event.type, event.reason,
               f"{involved_kind(event).lower()}/{event.pod.split('/', 1)[1]}"]
        if wide:  # printers.go printEvent, Wide: formatEventSource falls back to reporting*
            body = bodies[event_name(event, number)]
            source = body.get("source") or {}
            component = source.get("component") or body.get("reportingComponent", "")
            instance = source.get("host") or body.get("reportingInstance", "")
            row += [event.field_path or "", f"{component}, {instance}" if instance else component,
                    event.recorded.message, age_since(state.clock, event.recorded.first),
                    str(event.recorded.count), event_name(event, number)]
        else:
            row.append(event.recorded.message)
        rows.append(row + (["<none>"] * show_labels))
    return _table(rows)


def describe(state: ClusterState, resource: str, namespace: str, name: str, *,
             show_events: bool = True,
             addresses: dict[str, PodAddress] | None = None,
             pod_events: Callable[[str | None], list[Event]] | None = None) -> str | None:
    """`kubectl describe` of one object, None when there is none. A pod's addresses depend on
    every pod's (`pod_addresses`), and its events are picked from all; a caller describing
    many passes both, worked out once (`events_by_uid`)."""
    if resource == "Pod":
        record = state.pod(namespace, name)
        if record is None:
            return None
        status = pod_status(pod_plan(f"{namespace}/{name}", record), record)
        mine = (events(state, record["uid"]) if pod_events is None
                else pod_events(record["uid"]))
        recorded = annotate_events(tuple(e for e in mine if involved_kind(e) == "Pod"))
        if addresses is None:
            addresses = pod_addresses(pod_statuses(state), [n.name for n in state.scenario.nodes])
        address = addresses[f"{namespace}/{name}"]
        return describe_pod(status, recorded, state.clock, profile_for(state.scenario.profile),
                            address=address, show_events=show_events)
    if resource == "Node":
        node = next((n for n in state.scenario.nodes if n.name == name), None)
        if node is None:
            return None
        saved = state.data["nodes"][name]
        lines = [f"Name:\t{name}", "Roles:\t<none>",
                 "Labels:\t" + "\n\t".join(f"{k}={v}" for k, v in
                                           sorted(node.all_labels().items())),
                 f"Unschedulable:\t{'true' if saved['cordoned'] else 'false'}",
                 f"Non-terminated Pods:\t({_pods_on(state, name)} in total)"]
        return tabwrite("\n".join(lines) + "\n")
    record = state.record(resource, "" if resource == "Namespace" else namespace, name)
    if record is None:
        return None
    body = record["body"]
    if resource == "Deployment":
        lines = describe_deployment(state, record)
    elif resource == "ReplicaSet":
        lines = describe_replicaset(state, record)
    elif resource == "Secret":
        return tabwrite("\n".join(secret_lines(body, record_secret_sizes(record))) + "\n")
    elif resource == "ServiceAccount":
        lines = service_account_lines(body)
    elif resource == "Namespace":
        return tabwrite("\n".join(namespace_lines(body)) + "\n")
    else:
        return output_object(body, "yaml")
    if show_events:
        mine = [e for e in events(state) if e.pod == f"{namespace}/{name}"
                and involved_kind(e) == resource]
        lines += event_lines(mine, state.clock, profile_for(state.scenario.profile))
    return tabwrite("\n".join(lines) + "\n")


def record_secret_sizes(record: dict[str, Any]) -> dict[str, int]:
    """Each key's size as the learner wrote it: kept when the Secret was stored, since the
    stored body holds fingerprints where the passwords were (`credentials.fingerprint`)."""
    sizes = record.get("sizes")
    return dict(sizes) if isinstance(sizes, dict) else secret_sizes(record["body"])


def _pods_on(state: ClusterState, node: str) -> int:
    return sum(1 for p in state.data["pods"].values() if p["node"] == node)


def output_object(body: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(body, indent=4, ensure_ascii=False, sort_keys=True) + "\n"
    return object_yaml(body)


def event_line(event: Event, now: float) -> str:
    return f"{human_duration(max(now - event.time, 0))}\t{event.type}\t{event.reason}"


__all__ = ["describe", "describe_events", "get_table", "output_object", "pod_statuses"]
