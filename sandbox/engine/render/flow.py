"""Mermaid text drawn from a trace: pure functions, the same trace gives the same text.

The flowchart is built with mermaid-py's diagram classes (never its renderer, which calls a web
service); class assignments and link styles are written here in a fixed order because
mermaid-py keeps styles in a set.
"""

from __future__ import annotations

import contextlib
import io
import re
from functools import lru_cache

from ..trace import FLOW_NODES, Trace

with contextlib.redirect_stdout(io.StringIO()):  # mermaid-py prints an IPython notice on import
    from mermaid.flowchart import FlowChart, Link, Node

# Decision nodes are rhombi, outcomes rounded; the rest plain boxes.
_SHAPES = {
    "parse": "rhombus", "policy": "rhombus", "present": "rhombus", "verify": "rhombus",
    "backoff": "rhombus", "schedule": "stadium-shape", "run": "stadium-shape",
}
_ERRORS = {"unschedulable", "invalid", "never_missing", "inspect_failed", "backoff_wait",
           "pull_failed"}

# (from, to, label): the kubelet's decision flow of KUBERNETES.md §3.
EDGES: tuple[tuple[str, str, str], ...] = (
    ("schedule", "start", "scheduled"),
    ("schedule", "unschedulable", "no node fits"),
    ("start", "parse", ""),
    ("parse", "invalid", "no"),
    ("parse", "policy", "yes"),
    ("policy", "present", "IfNotPresent or Never"),
    ("policy", "credentials", "Always"),
    ("present", "never_missing", "no, and Never"),
    ("present", "credentials", "no, and IfNotPresent"),
    ("present", "verify", "yes"),
    ("present", "cached", "yes (gate off)"),
    ("verify", "cached", "yes"),
    ("verify", "credentials", "no, and IfNotPresent"),
    ("verify", "never_missing", "no, and Never"),
    ("credentials", "backoff", ""),
    ("backoff", "backoff_wait", "yes"),
    ("backoff", "pull", "no"),
    ("pull", "pulled", "success"),
    ("pull", "pull_failed", "error"),
    ("cached", "run", ""),
    ("pulled", "run", ""),
    ("present", "inspect_failed", "ImageStatus fails"),
)

_UNSAFE = re.compile(r'["<>#;`{}\[\]|\\]')


@lru_cache(maxsize=8192)
def escape(text: str) -> str:
    """Make manifest text safe inside a quoted Mermaid label (no markup, no breakouts)."""
    # Cut before encoding, so the cut can never leave half an entity such as `#3`.
    short = " ".join(text.split())[:200]
    return _UNSAFE.sub(lambda m: f"#{ord(m.group(0))};", short)


def taken_edges(trace: Trace) -> set[tuple[str, str]]:
    """Edges walked by consecutive steps of the same pod and container."""
    walked: set[tuple[str, str]] = set()
    known = {(a, b) for a, b, _ in EDGES}
    last: dict[tuple[str | None, str | None], str] = {}
    for step in trace.steps:
        if step.flow not in FLOW_NODES:
            continue
        if step.flow in ("schedule", "unschedulable"):
            if step.flow == "unschedulable":
                walked.add(("schedule", "unschedulable"))
            last[(step.pod, None)] = step.flow
            continue
        key = (step.pod, step.container)
        previous = last.get(key) or last.get((step.pod, None))
        if step.flow == "start" and previous == "schedule":
            walked.add(("schedule", "start"))
        elif previous is not None and (previous, step.flow) in known:
            walked.add((previous, step.flow))
        last[key] = step.flow
    return walked


def flow_diagram(trace: Trace, *, marked: bool = True) -> str:
    """The pull decision flowchart, with the nodes and edges this evaluation passed marked.

    Unmarked (`marked=False`), it is the chart the browser lights step by step as frames arrive;
    it does not depend on the trace.
    """
    return _flow_diagram(trace) if marked else _plain_flow_diagram()


@lru_cache(maxsize=1)
def _plain_flow_diagram() -> str:
    return _flow_diagram(None)


@lru_cache(maxsize=1)
def _chart_script() -> str:
    """The flowchart's nodes and edges (the same for every trace), built once per process."""
    nodes = [Node(key, escape(label), shape=_SHAPES.get(key, "normal"))
             for key, label in FLOW_NODES.items()]
    by_id = {n.id_: n for n in nodes}
    links = [Link(by_id[a], by_id[b], message=escape(label)) for a, b, label in EDGES]
    chart = FlowChart("Image pull decision", nodes=nodes, links=links, orientation="TD")
    return str(chart.script).rstrip("\n")


def _flow_diagram(trace: Trace | None) -> str:
    marked = trace is not None
    visited = {s.flow for s in trace.steps if s.flow in FLOW_NODES} if trace else set()
    lines = [_chart_script()]
    lines.insert(1, "")
    lines.append("\taccTitle: Image pull decision flow")
    if marked:
        lines.append("\taccDescr: How the scheduler and the kubelet decided, step by step: "
                     + escape(", ".join(FLOW_NODES[k] for k in FLOW_NODES if k in visited)))
    else:
        lines.append("\taccDescr: The kubelet's image pull decision for each container, from "
                     "scheduling to a started container or an image error.")
    lines.append("\tclassDef taken stroke-width:3px,stroke:#1f6feb,fill:#dbeafe")
    lines.append("\tclassDef failure stroke:#b42318,fill:#fee4e2")
    lines.append("\tclassDef takenfailure stroke-width:3px,stroke:#b42318,fill:#fda29b")
    for key in FLOW_NODES:
        if key in visited:
            css = "takenfailure" if key in _ERRORS else "taken"
        elif key in _ERRORS:
            css = "failure"
        else:
            continue
        lines.append(f"\tclass {key} {css}")
    walked = taken_edges(trace) if trace else set()
    for index, (a, b, _) in enumerate(EDGES):
        if (a, b) in walked:
            lines.append(f"\tlinkStyle {index} stroke-width:3px,stroke:#1f6feb")
    return "\n".join(lines) + "\n"
