"""Pictures and text drawn from a trace: pure functions, deterministic, escaped.

`flow` is the pull decision flowchart, `charts` the layer stacks and pulls over time, `exchange`
the registry exchange, `labels` their shared text helpers, `diagrams` all of them by name, and
`report` the kubectl and docker text of a run.
"""

from __future__ import annotations

from .charts import MAX_TIMELINE_PULLS, all_charts, layer_stacks, pull_timeline
from .diagrams import all_diagrams
from .exchange import registry_exchange
from .flow import flow_diagram
from .labels import human_size, text
from .report import describe_pods, docker_pull_lines, docker_pull_log, get_pods

__all__ = [
    "MAX_TIMELINE_PULLS",
    "all_charts",
    "all_diagrams",
    "describe_pods",
    "docker_pull_lines",
    "docker_pull_log",
    "flow_diagram",
    "get_pods",
    "human_size",
    "layer_stacks",
    "pull_timeline",
    "registry_exchange",
    "text",
]
