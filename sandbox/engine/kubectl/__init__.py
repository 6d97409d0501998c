"""kubectl's side: its command line, and what it prints.

`commands` reads `kubectl create secret docker-registry …` and friends into objects (`flags`,
`shell_words`), `dry_run` prints them as `--dry-run=client -o yaml` does; `printers` is
`kubectl get pods`, `describe` is `kubectl describe pod`.
"""

from __future__ import annotations

from .commands import DEFAULT_DOCKER_SERVER, docker_config_json, is_command_paste, parse_commands
from .describe import describe_events, describe_pod
from .dry_run import dry_run_yaml
from .printers import (
    PodAddress,
    get_pods,
    human_duration,
    pod_addresses,
    pod_status_column,
    ready_column,
    restarts_column,
    restarts_counted,
    tabwrite,
)

__all__ = [
    "DEFAULT_DOCKER_SERVER",
    "PodAddress",
    "describe_events",
    "describe_pod",
    "docker_config_json",
    "dry_run_yaml",
    "get_pods",
    "human_duration",
    "is_command_paste",
    "parse_commands",
    "pod_addresses",
    "pod_status_column",
    "ready_column",
    "restarts_column",
    "restarts_counted",
    "tabwrite",
]
