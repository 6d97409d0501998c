"""A learner's own cluster: state that persists between commands, and the console that drives it.

`new_cluster(scenario, key=…)` makes the cluster a scenario starts as; `run_command(state, line,
files=…, key=…)` is `apply(state, command) -> (state, result)`: one kubectl (or crictl, crane,
`sleep`) line against a copy of the state, returning the new state and what the terminal shows,
with the trace of the simulated time the command took. The same history always gives the same
state, byte for byte (`ClusterState.to_json`), and a command costs what the cluster holds, not
what came before it.

- `state`: the stored data and its bounds
- `segment`: the simulator resumed from a state for one command
- `controllers`: Deployments and ReplicaSets (rolling updates, maxSurge/maxUnavailable)
- `session`: storing objects as the API server does (defaulting, apply's merge, Pod updates)
- `commands`, `actions`, `nodes`: the console's commands; `views`: kubectl's tables
"""

from __future__ import annotations

from .commands import CommandResult, run_command
from .session import DEFAULT_KEY, new_cluster
from .state import MAX_BYTES, MAX_EVENTS, MAX_LOG, MAX_OBJECTS, ClusterState, StateLimit

__all__ = [
    "DEFAULT_KEY",
    "MAX_BYTES",
    "MAX_EVENTS",
    "MAX_LOG",
    "MAX_OBJECTS",
    "ClusterState",
    "CommandResult",
    "StateLimit",
    "new_cluster",
    "run_command",
]
