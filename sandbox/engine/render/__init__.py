"""render: FRONT_DOC"""

from __future__ import annotations

from .charts import (
    MAX_TIMELINE_PULLS,
    all_charts,
    human_size,
    layer_stacks,
    pull_timeline,
    registry_exchange,
    text,
)
from .flow import flow_diagram
from .report import describe_pods, docker_pull_lines, docker_pull_log, get_pods

__all__ = [
    "MAX_TIMELINE_PULLS",
    "all_charts",
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
