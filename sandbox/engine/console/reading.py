"""kubectl's reading verbs for a learner's cluster: `get` (tables, `-o yaml|json|name`, `-w`)
and `describe`.

`get -w` watches for WATCH_SECONDS of simulated time (as if stopped with Ctrl-C after a
minute): the table, then a row for each pod whose printed state changed, without a header, as
kubectl's table printer does for watch events (`pkg/cmd/get/get.go`). No matches prints `No
resources found in default namespace.` on stderr with exit code 0.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..kubectl.describe import container_id
from ..kubectl.field_selectors import (
    FieldSelectorError,
    field_values,
    matches,
    parse_field_selector,
)
from ..kubectl.jsonpath import JSONPathError, relaxed
from ..kubectl.printers import pod_addresses
from ..kubectl.selectors import SelectorError, parse_selector, selector_error
from ..kubectl.sorting import Unsortable, klog_fatal, sort_field, sorted_positions
from ..runtime import profile_for
from .event_objects import event_bodies, events_by_uid
from .node_objects import node_bodies
from .session import GROUPS, PLURALS, Change, CommandFailed, run
from .state import rfc3339
from .views import NO_RESOURCES, describe, get_table, labelled, output_object, pod_statuses
from .workload_status import deployment_body_status, replicaset_body_status

if TYPE_CHECKING:
    from .commands import CommandResult, _Args
    from .state import ClusterState

WATCH_SECONDS = 60.0


def get_command(state: ClusterState, verb: str, args: _Args, files: dict[str, str], key: bytes,
         result: CommandResult) -> None:
    from .commands import _namespace, _targets, _Usage
    kinds_text = args.positionals[0].text if args.positionals else ""
    if "," in kinds_text:
        raise _Usage("one resource type at a time here", args.positionals[0])
    kind, names, word = _targets(args, "get")
    namespace = _namespace(args)
    if kind in ("Node", "Namespace"):
        namespace = None
    fmt, template = _printer(args.value("output"))
    show_labels = "show-labels" in args.flags
    if show_labels and fmt not in ("", "wide"):
        raise CommandFailed(f"error: --show-labels option cannot be used with {fmt} printer")
    only = selected(state, kind, namespace, args, names, word)
    missing = _missing(state, kind, namespace, names)
    sort_by = args.value("sort-by")
    if fmt in (*TEMPLATE_PRINTERS, "yaml", "json"):
        bodies = _sorted(state, _bodies(state, kind, namespace, names, only), sort_by)
        _print_objects(fmt, template, bodies, names, result)
        if missing:
            raise CommandFailed("\n".join(not_found(kind, n) for n in missing),
                                output=result.output)
        return
    table = get_table(state, kind, namespace, wide=fmt == "wide", names=names, only=only,
                      show_labels=show_labels)
    if fmt == "name":
        table = "".join(f"{GROUPS.get(kind, kind.lower())}/{b['metadata']['name']}\n"
                        for b in _sorted(state, _bodies(state, kind, namespace, names, only),
                                         sort_by))
    elif sort_by and table:
        table = _sorted_table(state, table, _bodies(state, kind, namespace, names, only),
                              sort_by)
    if missing:
        raise CommandFailed("\n".join(not_found(kind, n) for n in missing), output=table)
    if not table:
        # get.go: "No resources found in <ns> namespace." for one namespace, else without.
        result.error = (f"No resources found in {namespace} namespace.\n" if namespace
                        else "No resources found\n")
    result.output = table
    if "watch" in args.flags:
        if sort_by:
            result.error += ("warning: --watch requested, --sort-by will be ignored for watch "
                             "events received\n")
        _watch(state, kind, namespace, args, key, result, only)


def _print_objects(fmt: str, template: str, bodies: list[dict[str, Any]], names: list[str],
                   result: CommandResult) -> None:
    """`-o yaml|json|jsonpath=…|jsonpath-as-json=…|custom-columns=…`: the object asked for by
    name, or the List of them. With a name that was not found, what was found of the others
    prints before the error, as kubectl's printer has written it by then."""
    if fmt in TEMPLATE_PRINTERS:
        result.output = _templated(fmt, template, bodies,
                                   single=len(bodies) == 1 and len(names) == 1)
    elif len(bodies) == 1 and names:
        result.output = output_object(bodies[0], fmt)
    elif len(bodies) != len(names) and names:  # some named objects are missing: nothing lists
        result.output = ""
    else:
        result.output = output_object({"apiVersion": "v1", "items": bodies, "kind": "List",
                                       "metadata": {"resourceVersion": ""}}, fmt)


def _sorted(state: ClusterState, bodies: list[dict[str, Any]],
            sort_by: str) -> list[dict[str, Any]]:
    """`--sort-by` over listed objects (get.go RuntimeSorter: one object is left as it is)."""
    if not sort_by or len(bodies) < 2:
        return bodies
    return [bodies[i] for i in _positions(state, sort_field(sort_by), bodies, table=False)]


def _sorted_table(state: ClusterState, table: str, bodies: list[dict[str, Any]],
                  sort_by: str) -> str:
    """`--sort-by` over a table, whose rows are the objects' in the API server's order
    (TableSorter: even a table of one row must have the field)."""
    header, *rows = table.splitlines(keepends=True)
    if len(rows) != len(bodies):  # every table here has a line per object
        raise CommandFailed("error: the table could not be sorted")
    order = _positions(state, sort_field(sort_by), bodies, table=True)
    return header + "".join(rows[i] for i in order)


def _positions(state: ClusterState, field: str, bodies: list[dict[str, Any]], *,
               table: bool) -> list[int]:
    try:
        if not table:
            field = relaxed(field)  # SortObjects insists on a relaxed path
        return sorted_positions(field, bodies)
    except JSONPathError as error:
        raise CommandFailed(f"error: {error}") from None
    except Unsortable as error:  # klog.Exitf: a fatal log line, exit code 1
        raise CommandFailed(f"{klog_fatal(state.clock, 'sorter.go', 375 if table else 329)}"
                            f"Field {field} in "
                            f"{'[][][]reflect.Value' if table else '*unstructured.Unstructured'}"
                            f" is an unsortable type: interface, err: {error}") from None


def _resource(kind: str) -> str:
    """How kubectl names a kind's resource when the API server refuses a selector: its
    GroupVersionResource, `/v1, Resource=pods`, `apps/v1, Resource=deployments`."""
    plural, _, group = PLURALS.get(kind, kind.lower() + "s").partition(".")
    return f"{group}/v1, Resource={plural}"


def selected(state: ClusterState, kind: str, namespace: str | None, args: _Args,
             names: list[str], word: Any) -> set[str] | None:
    """The keys (`views.labelled`; an event's `namespace/name`) that `-l`/`--selector` and
    `--field-selector` keep, or None without either. As cli-runtime's resource builder does
    (`LabelSelectorParam`, `FieldSelectorParam`, `visitBySelector`): a selector that is empty
    or blank is no selector; either kind beside names is refused, with its words for `NAME`
    and for `TYPE/NAME` arguments. One the API server cannot parse, or a field it does not
    offer, is its 400, in kubectl's words."""
    from .commands import _Usage
    labels_text = given(args.values.get("selector"))
    fields_text = given(args.values.get("field-selector"))
    if labels_text is None and fields_text is None:
        return None
    if names and "/" in word.text:
        raise _Usage("error: selectors and the all flag cannot be used when passing "
                     "resource/name arguments", word)
    if names:
        raise _Usage("error: name cannot be provided when a selector is specified", word)
    try:
        selector = parse_selector(labels_text or "")
        terms = parse_field_selector(fields_text or "", kind)
    except (SelectorError, FieldSelectorError) as error:
        raise CommandFailed(selector_error(_resource(kind), labels_text or "", error,
                                           fields_text or "")) from None
    keys: set[str] | None = None
    if labels_text is not None:
        keys = ({key for key, labels in labelled(state, kind, namespace).items()
                 if selector.matches(labels)} if kind != "Event" else
                None if selector.matches({}) else set())  # events carry no labels
    if fields_text is not None:
        found = {_key(kind, body) for body in _bodies(state, kind, namespace, [])
                 if matches(terms, field_values(kind, body))}
        keys = found if keys is None else keys & found
    return keys


def given(text: str | None) -> str | None:
    """A selector flag's value as the builder keeps it: trimmed, and None when blank."""
    text = None if text is None else text.strip()
    return text or None


def _key(kind: str, body: dict[str, Any]) -> str:
    """An object's key as `selected` gives it: `namespace/name`, a node's name."""
    metadata = body["metadata"]
    if kind == "Node":
        return str(metadata["name"])
    return f"{metadata.get('namespace', '')}/{metadata['name']}"


# kubectl get's printers (`-o`): these three read a template; the others are refused here.
TEMPLATE_PRINTERS = ("jsonpath", "jsonpath-as-json", "custom-columns")
OTHER_PRINTERS = ("custom-columns-file", "go-template", "go-template-file", "jsonpath-file",
                  "template", "templatefile")
ALLOWED_FORMATS = ",".join(sorted(("json", "name", "wide", "yaml", *TEMPLATE_PRINTERS,
                                   *OTHER_PRINTERS)))


def _printer(output: str) -> tuple[str, str]:
    """`-o`'s printer and its template (`jsonpath={…}`), or kubectl's refusal."""
    from .commands import _Usage
    printer, _, template = output.partition("=")
    if printer in TEMPLATE_PRINTERS:
        return printer, template
    if output in ("", "wide", "yaml", "json", "name"):
        return output, ""
    if printer in OTHER_PRINTERS:
        raise _Usage(f"-o {printer} is not supported here", None,
                     "use -o jsonpath='{…}' or -o custom-columns=NAME:.metadata.name,…")
    raise _Usage(f"error: unable to match a printer suitable for the output format "
                 f'"{output}", allowed formats are: {ALLOWED_FORMATS}', None)


def _templated(printer: str, template: str, bodies: list[dict[str, Any]], single: bool) -> str:
    """`-o jsonpath=…`, `-o jsonpath-as-json=…`, `-o custom-columns=…` (kubectl/jsonpath.py): a
    template over the one object asked for by name, else over the List of them."""
    from ..kubectl.jsonpath import JSONPathError, custom_columns, jsonpath
    try:
        if printer == "custom-columns":
            return custom_columns(template, bodies)
        data = bodies[0] if single else {"apiVersion": "v1", "items": bodies, "kind": "List",
                                         "metadata": {"resourceVersion": ""}}
        return jsonpath(template, data, as_json=printer == "jsonpath-as-json")
    except JSONPathError as error:
        raise CommandFailed(f"error: {error}", output=getattr(error, "printed", "")) from None


def _missing(state: ClusterState, kind: str, namespace: str | None,
             names: list[str]) -> list[str]:
    """The names asked for that the cluster does not have, in the order asked."""
    if not names:
        return []
    if kind == "Pod":
        have = {k.split("/", 1)[1] for k in state.data["pods"]
                if namespace is None or k.startswith(namespace + "/")}
    elif kind == "Node":
        have = set(state.data["nodes"])
    elif kind == "Event":
        have = {b["metadata"]["name"] for b in event_bodies(state, namespace)}
    else:
        have = {r["name"] for r in state.records(kind, namespace)}
    return [n for n in names if n not in have]


def _watch(state: ClusterState, kind: str, namespace: str | None, args: _Args, key: bytes,
           result: CommandResult, only: set[str] | None = None) -> None:
    """`get pods -w`: a row each time a pod's printed state changes, for WATCH_SECONDS."""
    from .commands import _Usage
    if kind != "Pod":
        raise _Usage("-w is supported for pods here", None)
    before = {(p.namespace, p.name): (p.status, p.ready, p.restarts)
              for p in pod_statuses(state, namespace)}
    trace = run(state, Change(), key=key, seconds=WATCH_SECONDS)
    rows = []
    seen = dict(before)
    for step in trace.steps:
        del step  # statuses are known at the end of the segment; changes are shown there
    for pod in trace.pods:
        if namespace is not None and pod.namespace != namespace:
            continue
        if only is not None and f"{pod.namespace}/{pod.name}" not in only:
            continue
        now = (pod.status, pod.ready, pod.restarts)
        if seen.get((pod.namespace, pod.name)) != now:
            rows.append(pod.name)
    table = get_table(state, "Pod", namespace, wide=args.value("output") == "wide", names=[],
                      only=only, show_labels="show-labels" in args.flags)
    lines = table.splitlines()
    result.watch = [ln for ln in lines[1:] if ln.split(" ", 1)[0] in rows]
    result.output += "".join(line + "\n" for line in result.watch)
    result.trace, result.changed = trace, True


def _bodies(state: ClusterState, kind: str, namespace: str | None,
            names: list[str], only: set[str] | None = None) -> list[dict[str, Any]]:
    if kind == "Pod":
        out = []
        statuses = {(p.namespace, p.name): p for p in pod_statuses(state, namespace)}
        addresses = pod_addresses(list(statuses.values()),
                                  [n.name for n in state.scenario.nodes])
        for key, record in sorted(state.data["pods"].items()):
            ns, name = key.split("/", 1)
            if ((namespace is None or ns == namespace) and (not names or name in names)
                    and (only is None or key in only)):
                out.append(_pod_body(record, statuses[(ns, name)], addresses.get(key)))
        return out
    if kind == "Node":
        return node_bodies(state, names, only)
    if kind == "Event":
        return [b for b in event_bodies(state, namespace) if (not names or b["metadata"]["name"]
                                                              in names)
                and (only is None or _key(kind, b) in only)]
    bodies = []
    for r in state.records(kind, namespace):
        if (not names or r["name"] in names) and (only is None
                                                  or f"{r['namespace']}/{r['name']}" in only):
            body = json.loads(json.dumps(r["body"]))
            body["metadata"].update(uid=r["uid"], creationTimestamp=rfc3339(r["created"]))
            if kind == "Deployment":
                body["status"] = deployment_body_status(state, r)
            elif kind == "ReplicaSet":
                body["status"] = replicaset_body_status(state, r)
            bodies.append(body)
    return bodies


def _pod_body(record: dict[str, Any], status: Any, address: Any) -> dict[str, Any]:
    """The Pod as `kubectl get pod -o json` shows it: the stored object and its status."""
    body: dict[str, Any] = json.loads(json.dumps(record["body"]))
    body["metadata"].update(uid=record["uid"], creationTimestamp=rfc3339(record["created"]))
    containers = []
    for c in status.containers:
        if c.state == "running":
            state: dict[str, Any] = {"running": {"startedAt": rfc3339(c.started or 0.0)}}
        elif c.state == "terminated":
            state = {"terminated": {"exitCode": c.exit_code, "reason": c.reason,
                                    "finishedAt": rfc3339(c.finished or 0.0)}}
        else:
            state = {"waiting": {"reason": c.reason, **({"message": c.message} if c.message
                                                         else {})}}
        last: dict[str, Any] = {}
        if c.last_finished is not None:
            last = {"terminated": {"exitCode": c.last_exit_code, "reason": c.last_reason,
                                   "finishedAt": rfc3339(c.last_finished)}}
        entry = {"name": c.name, "image": c.image, "imageID": c.image_id or "",
                 "ready": c.ready, "restartCount": c.restart_count, "state": state,
                 "lastState": last, "started": c.state == "running"}
        if c.state != "waiting" or c.last_finished is not None:
            entry["containerID"] = container_id(status, c)
        containers.append(entry)
    status_body: dict[str, Any] = {"phase": status.phase, "qosClass": "BestEffort",
                                   "containerStatuses": containers}
    if status.node and address is not None:
        status_body.update(hostIP=address.host_ip, podIP=address.pod_ip,
                           podIPs=[{"ip": address.pod_ip}] if address.pod_ip else [],
                           startTime=rfc3339(record["created"]))
    body["status"] = status_body
    return body


def not_found(kind: str, name: str) -> str:
    plural = PLURALS.get(kind, kind.lower() + "s")
    return f'Error from server (NotFound): {plural} "{name}" not found'


def describe_command(state: ClusterState, verb: str, args: _Args, files: dict[str, str], key: bytes,
              result: CommandResult) -> None:
    from .commands import _namespace, _targets, _Usage
    if "field-selector" in args.values:  # describe.go offers `-l` only
        raise _Usage("error: unknown flag: --field-selector", None, "see `kubectl describe -h`")
    kind, names, word = _targets(args, "describe")
    namespace = _namespace(args) or "default"
    only = selected(state, kind, namespace, args, names, word)
    if not names:
        names = ([k.split("/", 1)[1] for k in sorted(state.data["pods"])
                  if k.startswith(namespace + "/")] if kind == "Pod" else
                 [n.name for n in state.scenario.nodes] if kind == "Node" else
                 [r["name"] for r in state.records(kind, namespace)])
        if only is not None:
            names = [n for n in names if (n if kind == "Node" else f"{namespace}/{n}") in only]
        if not names:  # describe.go: say something rather than nothing
            result.error = NO_RESOURCES.format(namespace=namespace) + "\n"
            return
    out = []
    show_events = _shows_events(state, args, len(names))
    many = kind == "Pod" and len(names) > 1  # what every pod's text reads, worked out once
    addresses = (pod_addresses(pod_statuses(state), [n.name for n in state.scenario.nodes])
                 if many else None)
    pod_events = events_by_uid(state) if many else None
    for name in names:
        text = describe(state, kind, namespace, name, show_events=show_events,
                        addresses=addresses, pod_events=pod_events)
        if text is None:
            raise CommandFailed(not_found(kind, name))
        out.append(text)
    result.output = "\n\n".join(out)


def _shows_events(state: ClusterState, args: _Args, objects: int) -> bool:
    """`--show-events` (default true) as kubectl reads it. From kubectl 1.36 describing more
    than one object leaves the Events out unless the flag was given (`--show-events` or
    `--show-events=true`): kubectl pkg/cmd/describe/describe.go `Run`, commit b902e4389
    (kubernetes#137145). `--show-events=false` leaves them out in every release."""
    if "no-show-events" in args.flags:
        return False
    explicit = "show-events" in args.flags
    return (explicit or objects <= 1
            or profile_for(state.scenario.profile).describe_many_shows_events)


