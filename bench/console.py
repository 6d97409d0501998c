"""The learner's cluster: 200 console commands in a row, reported as ratios.

A learner's console keeps one cluster for a whole session, so a command's cost must not grow
with the length of the history (issue 9): it may grow with what the cluster holds (pods, events
of the last hour, the 200-line history), which is bounded, but not with the commands before.

The run: a fresh private-registry cluster, then a cycle of 10 commands (apply a 3-replica
Deployment, set its image to another tag and back, two `sleep 30`, `get pods`, `get events`,
`crictl images`) 20 times. Each command is timed; the figures are the mean of commands 1-20
against commands 181-200 (the same two cycles of the mix), and, with less noise, the same three
commands run again on the cluster as it was after 10, 200, 400 and 600 commands (`run_command`
works on a copy, so one state can be timed many times). Baseline, measured in the same run: one
`sandbox.engine.evaluate` of the same Deployment paste, what one Run of the editor costs.

    python -m bench.console
"""

from __future__ import annotations

import statistics
import time

from sandbox.engine import evaluate, load_scenario
from sandbox.engine.console import ClusterState, new_cluster, run_command

from .engine import DEPLOYMENT, SCENARIO, best_of

KEY = b"bench-console-key-32-bytes-long!"
FILES = {"web.yaml": DEPLOYMENT}
CYCLE = (
    "kubectl apply -f web.yaml",
    "kubectl get pods",
    "kubectl set image deployment/web web=nginx:1.27",
    "sleep 30",
    "kubectl get pods -o wide",
    "ssh node-a crictl images",
    "kubectl set image deployment/web web=nginx:1.25",
    "sleep 30",
    "kubectl get events",
    "kubectl rollout status deployment/web",
)
COMMANDS = CYCLE * 20
WINDOW = 20
# Commands timed again on the state after 10, 200, 400 and 600 commands.
PROBES = ("kubectl set image deployment/web web=nginx:1.27", "kubectl get pods", "sleep 30",
          "kubectl get events")


def session(state: ClusterState) -> tuple[list[float], list[ClusterState]]:
    """Seconds per command of a 200-command session from `state`, and the state after each
    count of commands (`states[0]` is `state`, `states[200]` the last)."""
    seconds, states = [], [state]
    for line in COMMANDS:
        start = time.perf_counter()
        state, result = run_command(state, line, files=FILES, key=KEY)
        seconds.append(time.perf_counter() - start)
        states.append(state)
        if result.exit_code:
            raise SystemExit(f"{line!r} failed: {result.error}")
    return seconds, states


def command_cost(state: ClusterState, line: str) -> float:
    """Median seconds of one command against `state` (which it leaves as it was)."""
    return best_of(lambda: run_command(state, line, files=FILES, key=KEY))


def main() -> None:
    scenario = load_scenario(SCENARIO.read_text())
    baseline = best_of(lambda: evaluate(DEPLOYMENT, scenario), 7, 20)
    fresh = new_cluster(scenario, key=KEY)
    apply = best_of(lambda: run_command(fresh, CYCLE[0], files=FILES, key=KEY), 7, 20)
    runs = [session(fresh) for _ in range(5)]
    # The median of the five sessions for each position, then the mean of a window.
    per_command = [statistics.median(times) for times in zip(*(r[0] for r in runs),
                                                             strict=True)]
    states = runs[0][1]
    first = statistics.mean(per_command[:WINDOW])
    last = statistics.mean(per_command[-WINDOW:])
    rows: list[tuple[str, float, float, str]] = [
        ("baseline: evaluate(), the seed Deployment, 3-node scenario", baseline, 1.0, ""),
        ("apply -f (the same Deployment) to a fresh cluster", apply, apply / baseline, ""),
        (f"mean command, commands 1-{WINDOW}", first, first / baseline, ""),
        (f"mean command, commands {len(COMMANDS) - WINDOW + 1}-{len(COMMANDS)}", last,
         last / baseline, f"{last / first:.2f}"),
    ]
    # 200 more commands bring the cluster to its bounds (1000 events, 200 history lines), and
    # 200 after those show that it stays there.
    at_400 = session(states[-1])[1][-1]
    points = [(WINDOW // 2, states[WINDOW // 2]), (len(COMMANDS), states[-1]), (400, at_400),
              (600, session(at_400)[1][-1])]
    for line in PROBES:
        costs = [command_cost(state, line) for _, state in points]
        for (count, _), cost in zip(points, costs, strict=True):
            rows.append((f"`{line}` after {count} commands", cost, cost / baseline,
                         f"{cost / costs[0]:.2f}" if count != points[0][0] else ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'ms/call':>8}  {'x evaluate':>10}  {'late/early':>10}")
    for name, seconds, ratio, growth in rows:
        print(f"{name:<{width}}  {seconds * 1000:8.3f}  {ratio:10.2f}  {growth:>10}")
    print()
    for count, state in points:
        print(f"state after {count:3} commands: {len(state.to_json()) / 1000:6.1f} kB, "
              f"{len(state.data['events']):4} events, {len(state.data['log']):3} history lines, "
              f"simulated clock {state.clock:5.0f} s")


if __name__ == "__main__":
    main()
