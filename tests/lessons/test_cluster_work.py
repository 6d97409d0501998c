"""sandbox.cluster_work: the engine side of the console is pure (imports no Django), takes and
returns what pickles, marks a state that no longer loads as Stale, and summarises a challenge
command where it ran: the goals and the board's words, the same words as from the trace."""

from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from lessons.progress import outcome, run_row
from sandbox import cluster_work, run_summary
from sandbox.engine import default_scenario
from sandbox.engine.console import run_command
from sandbox.engine.world import Node

KEY = b"k" * 32
POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
       "  - {name: web, image: nginx:1.25}\n")
ROOT = Path(__file__).resolve().parents[2]


def test_the_module_imports_without_django() -> None:
    code = ("import sys, sandbox.cluster_work, sandbox.run_summary\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'django', 'channels', 'asgiref', 'lessons', 'daphne'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_fresh_then_step_and_every_result_pickles() -> None:
    scenario = default_scenario()
    made = cluster_work.fresh(scenario, "kubectl apply -f -\n# note\n", POD, KEY)
    assert made.state is not None and "web" in made.view["pods"] and made.view["undo"] == 0
    done = cluster_work.step(scenario, made.state, "kubectl delete pod web", "", KEY,
                             "- allPodsRunning: true\n", 0, 1)
    assert isinstance(done, cluster_work.Done) and done.state is not None
    assert done.view["undo"] == 1 and done.view["output"].startswith('pod "web" deleted')
    assert done.view["history"][-1]["back"] == 0
    read = cluster_work.step(scenario, done.state, "kubectl get pods", "", KEY, None, 1, 2)
    assert isinstance(read, cluster_work.Done) and read.state is None and read.view["undo"] == 1
    for value in (scenario, made, done, read, cluster_work.Stale("x")):
        assert pickle.loads(pickle.dumps(value)) == value


@pytest.mark.parametrize("text", [
    "not json", "[]", json.dumps({"version": 0}), json.dumps({"version": 1, "clock": "x"}),
])
def test_a_state_that_does_not_load_is_stale(text: str) -> None:
    scenario = default_scenario()
    assert isinstance(cluster_work.show(scenario, text, 0), cluster_work.Stale)
    assert isinstance(cluster_work.step(scenario, text, "kubectl get pods", "", KEY),
                      cluster_work.Stale)
    assert isinstance(cluster_work.compare(scenario, text, None, 0), cluster_work.Stale)


def test_a_state_grown_before_the_scenario_changed_its_nodes_is_stale() -> None:
    scenario = default_scenario()
    made = cluster_work.fresh(scenario, "kubectl apply -f -", POD, KEY)
    assert made.state is not None
    edited = dataclasses.replace(scenario, nodes=(Node("node-9"),))
    stale = cluster_work.step(edited, made.state, "kubectl get pods", "", KEY)
    assert isinstance(stale, cluster_work.Stale) and "nodes" in stale.reason
    assert isinstance(cluster_work.show(scenario, made.state, 0), cluster_work.Done)


def test_compare_without_a_state_before() -> None:
    scenario = default_scenario()
    made = cluster_work.fresh(scenario, "", "", KEY)
    assert made.state is not None
    done = cluster_work.compare(scenario, made.state, None, 0)
    assert isinstance(done, cluster_work.Done)
    assert done.view["output"] == cluster_work.NOTHING_TO_COMPARE and done.state is None


def test_long_output_is_cut() -> None:
    text = "x" * (cluster_work.MAX_OUTPUT + 10)
    assert cluster_work.capped(text).endswith("characters\n")
    assert cluster_work.capped("short") == "short"


async def test_the_summary_from_the_worker_is_the_boards_words_on_the_trace() -> None:
    scenario = default_scenario()
    made = cluster_work.fresh(scenario, "", "", KEY)
    assert made.state is not None
    goals = "- allPodsRunning: true\n- noRegistryPulls: true\n"
    done = cluster_work.step(scenario, made.state, "kubectl apply -f -", POD, KEY, goals)
    assert isinstance(done, cluster_work.Done) and done.goals is not None
    assert [g["passed"] for g in done.goals] == [True, False]
    state = cluster_work.load(scenario, made.state)
    assert not isinstance(state, cluster_work.Stale)
    _, result = run_command(state, "kubectl apply -f -", files={"-": POD}, key=KEY)
    assert result.trace is not None
    assert done.outcome == outcome(result.trace, done.goals)
    assert done.outcome == run_summary.outcome(result.trace, done.goals)
    assert done.outcome is not None and done.outcome["pods"] == "1 Running"
    from_trace = run_row("d" * 32, "", None, result.trace, done.goals)
    from_summary = run_row("d" * 32, "", None, done.outcome, done.goals)
    assert from_trace["outcome"] == from_summary["outcome"] == done.outcome
