"""The engine's side of each console action, as pure functions a worker can run anywhere.

`lessons.clusters` reads a learner's stored cluster (JSON text) in the database thread, hands it
to one of these functions through a runner (a thread, or a process of a pool), and writes the
text that comes back. So nothing here touches Django, settings or the database, every argument
and every result pickles (str, bytes, int, dicts and lists of them, a frozen `Scenario`), and
results come ready-made: the console frame's fields, the state to store, and for a challenge the
checked goals and the board's summary of the command's trace (the trace itself stays here).

Each function returns `Done`, or `Stale` when a stored state no longer loads (made by another
version of Lunchbox, or for a scenario edited since): the caller then starts the cluster again
with `fresh`, as the learner would with Reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.engine import Scenario, check_goals
from sandbox.engine.console import ClusterState, CommandResult, new_cluster, run_command
from sandbox.engine.console.compare import compare_table
from sandbox.engine.console.summary import cluster_summary
from sandbox.engine.console.views import get_pods_table
from sandbox.run_summary import outcome

MAX_OUTPUT = 200_000  # characters of a command's output sent to the browser
MAX_SETUP_COMMANDS = 50  # of a challenge's setup
HISTORY_SHOWN = 50  # history entries a console frame lists
NOTHING_TO_COMPARE = "Nothing to compare yet: run a command that changes the cluster first.\n"
BEFORE_IS_STALE = ("The state before the last command was made by another version of Lunchbox: "
                   "there is nothing to compare it with.\n")
COMPARED = "compare with the state before the last command"


@dataclass(frozen=True)
class Stale:
    """The stored state does not load any more; start the cluster again."""

    reason: str


@dataclass(frozen=True)
class Done:
    """What a console action came to."""

    # The console frame's fields (docs/protocol.md): clock, history, pods, undo, cluster, and
    # after a command or a comparison also command, output, error, exit_code, column.
    view: dict[str, Any]
    # The state to store (a new cluster, or a command that changed it); None: store nothing.
    state: str | None = None
    # A challenge's goals checked on the command's trace (`GoalResult.to_dict()`s); None when
    # there is no challenge, or the command simulated no time.
    goals: list[dict[str, Any]] | None = None
    # With goals: the board's few words on that trace (`sandbox.run_summary.outcome`).
    outcome: dict[str, Any] | None = None


def load(scenario: Scenario, state_json: str) -> ClusterState | Stale:
    """The stored state, or `Stale` when it is not one this version can run against: not a
    state of this version's, or grown in the scenario before an edit changed its nodes."""
    try:
        state = ClusterState.from_json(state_json, scenario)
        nodes = {node.name for node in scenario.nodes}
        if set(state.data["nodes"]) != nodes:
            raise ValueError("the scenario's nodes have changed since this cluster was made")
        if any(pod.get("node") not in (None, *nodes) for pod in state.data["pods"].values()):
            raise ValueError("a pod is bound to a node the scenario no longer has")
    except (ValueError, KeyError, AttributeError) as error:
        return Stale(f"{type(error).__name__}: {error}"[:200])
    return state


def capped(text: str) -> str:
    """A console frame stays well under the server's 1 MiB frame limit."""
    if len(text) <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + f"\n… output cut at {MAX_OUTPUT} characters\n"


def view(state: ClusterState, undo: int, result: CommandResult | None = None) -> dict[str, Any]:
    """What the browser's console shows of `state`, with `undo` states kept to go back to."""
    log = state.data["log"]
    start = max(len(log) - HISTORY_SHOWN, 0)
    # Each entry says how many undos lead back to the state right after it (None: too old).
    history = [{**entry, "back": (len(log) - 1 - i) if len(log) - 1 - i <= undo else None}
               for i, entry in enumerate(log[start:], start)]
    data: dict[str, Any] = {
        "clock": state.clock, "history": history,
        "pods": get_pods_table(state, None, wide=True) if state.data["pods"] else "",
        "undo": undo,
        "cluster": cluster_summary(state, result.trace if result is not None else None),
    }
    if result is not None:
        data.update(command=result.command, output=capped(result.output),
                    error=capped(result.error), exit_code=result.exit_code, column=result.column)
    return data


def fresh(scenario: Scenario, setup: str, starter: str, key: bytes) -> Done:
    """A new cluster: the scenario's, then the challenge's `setup` commands (`-f -` reads
    `starter` in them). Always something to store."""
    state = new_cluster(scenario, key=key)
    for line in setup.splitlines()[:MAX_SETUP_COMMANDS]:
        if line.strip() and not line.lstrip().startswith("#"):
            state, _ = run_command(state, line, files={"-": starter}, key=key)
    return Done(view(state, 0), state=state.to_json())


def show(scenario: Scenario, state_json: str, undo: int) -> Done | Stale:
    """The console's view of a stored state (opening it, or after an undo); stores nothing."""
    state = load(scenario, state_json)
    if isinstance(state, Stale):
        return state
    return Done(view(state, undo))


def step(scenario: Scenario, state_json: str, line: str, editor: str, key: bytes,
         goals: str | None = None, undo: int = 0, undo_after: int = 0) -> Done | Stale:
    """Run one console line (`-f -` reads `editor`) against a stored state.

    `undo` is how many states are kept to go back to now, `undo_after` how many once this
    command's new state is stored (the caller trims its undo list; the history's `back` counts
    depend on it). With `goals` (a challenge's goal YAML) the goals are checked on what the
    command did, as is the board's summary of it."""
    state = load(scenario, state_json)
    if isinstance(state, Stale):
        return state
    new, result = run_command(state, line, files={"-": editor}, key=key)
    checked = summary = None
    if goals is not None and result.trace is not None:
        checked = [goal.to_dict() for goal in check_goals(result.trace, goals)]
        summary = outcome(result.trace, checked)
    if not result.changed:
        return Done(view(new, undo, result), goals=checked, outcome=summary)
    return Done(view(new, undo_after, result), state=new.to_json(), goals=checked,
                outcome=summary)


def compare(scenario: Scenario, state_json: str, before_json: str | None,
            undo: int) -> Done | Stale:
    """What the last command changed: the state before it (None: there is none kept) against
    the state now. Stores nothing."""
    state = load(scenario, state_json)
    if isinstance(state, Stale):
        return state
    if before_json is None:
        text = NOTHING_TO_COMPARE
    else:
        before = load(scenario, before_json)
        text = BEFORE_IS_STALE if isinstance(before, Stale) else compare_table(before, state)
    return Done(view(state, undo, CommandResult(COMPARED, text)))
