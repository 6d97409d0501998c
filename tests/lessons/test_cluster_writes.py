"""lessons.clusters: the engine runs by the runner (never in the database thread), writes are a
compare-and-set that loses to a concurrent writer and tries again so no command is lost, one
process's actions on one cluster take turns, and a state that no longer loads restarts."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.utils import timezone

from lessons import clusters
from lessons.models import LearnerCluster
from sandbox import cluster_work
from sandbox.engine import default_scenario

pytestmark = [pytest.mark.django_db(transaction=True)]


def pod(name: str) -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers:\n"
            f"  - {{name: {name}, image: nginx:1.25}}\n")


APPLY = "kubectl apply -f -"


def place(learner: str = "a" * 32, **extra: Any) -> clusters.Place:
    return clusters.Place(learner, "", "", default_scenario(), **extra)


async def stored() -> LearnerCluster:
    return await LearnerCluster.objects.aget()


def pod_names(row: LearnerCluster) -> set[str]:
    return {key.rpartition("/")[2] for key in json.loads(row.state)["pods"]}


class Recording:
    """A thread runner that notes each function it ran, and the thread it ran in."""

    def __init__(self, before: Callable[[str], None] | None = None,
                 after: Callable[[str, Any], None] | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.before, self.after = before, after
        self.running = self.most = 0

    async def __call__(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        def work() -> Any:
            self.calls.append((fn.__name__, threading.get_ident()))
            if self.before is not None:
                self.before(fn.__name__)
            result = fn(*args)
            if self.after is not None:
                self.after(fn.__name__, result)
            return result
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            return await sync_to_async(work, thread_sensitive=False)()
        finally:
            self.running -= 1

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


async def test_the_engine_runs_by_the_runner_never_in_the_database_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    database_thread = await database_sync_to_async(threading.get_ident)()
    engine_threads: list[int] = []
    real_run, real_new = cluster_work.run_command, cluster_work.new_cluster

    def run_command(*args: Any, **kwargs: Any) -> Any:
        engine_threads.append(threading.get_ident())
        return real_run(*args, **kwargs)

    def new_cluster(*args: Any, **kwargs: Any) -> Any:
        engine_threads.append(threading.get_ident())
        return real_new(*args, **kwargs)
    monkeypatch.setattr(cluster_work, "run_command", run_command)
    monkeypatch.setattr(cluster_work, "new_cluster", new_cluster)
    runner = Recording()
    here = place(setup=APPLY, starter=pod("first"))
    await clusters.open_cluster(here, runner=runner)
    view = await clusters.command(here, APPLY, pod("web"), runner=runner)
    assert view.frame["output"] == "pod/web created\n"
    await clusters.undo(here, runner=runner)
    await clusters.compare_last(here, runner=runner)
    await clusters.reset(here, runner=runner)
    assert len(engine_threads) >= 4  # new clusters, their setup line, the command
    assert database_thread not in engine_threads
    assert threading.get_ident() not in engine_threads  # nor the event loop's
    assert set(engine_threads) <= {ident for _, ident in runner.calls}
    assert set(runner.names()) == {"fresh", "show", "step", "compare"}


async def test_a_write_that_loses_to_another_process_runs_the_command_again_on_its_state(
        ) -> None:
    """Between this command's read and its write, another process stores a command of its own
    (a plain UPDATE, as another server process's compare-and-set would). This write then
    finds the row changed, writes nothing, and runs the command again on top of theirs."""
    here = place()
    await clusters.open_cluster(here)
    key = clusters.fingerprint_key()
    interfered: list[bool] = []

    def other_process(name: str, result: Any) -> None:
        if name != "step" or interfered:
            return
        interfered.append(True)
        row = LearnerCluster.objects.get()
        theirs = cluster_work.step(here.scenario, row.state, APPLY, pod("theirs"), key)
        assert isinstance(theirs, cluster_work.Done) and theirs.state is not None
        LearnerCluster.objects.filter(pk=row.pk).update(
            state=theirs.state, undo=[*row.undo, row.state], commands=row.commands + 1,
            updated_at=timezone.now())
    runner = Recording(after=other_process)
    view = await clusters.command(here, APPLY, pod("mine"), runner=runner)
    row = await stored()
    assert pod_names(row) == {"theirs", "mine"}, "the other process's command was lost"
    assert runner.names() == ["step", "step"]  # tried again once, after losing
    assert row.commands == 2 and len(row.undo) == 2
    assert "mine" in view.frame["pods"] and "theirs" in view.frame["pods"]
    assert view.frame["undo"] == 2


async def test_a_cluster_that_keeps_changing_is_busy_and_nothing_of_the_command_is_written(
        ) -> None:
    here = place()
    await clusters.open_cluster(here)

    def someone_else_writes(name: str, result: Any) -> None:
        if name == "step":
            LearnerCluster.objects.update(updated_at=timezone.now())
    runner = Recording(after=someone_else_writes)
    with pytest.raises(clusters.Busy):
        await clusters.command(here, APPLY, pod("web"), runner=runner)
    row = await stored()
    assert runner.names() == ["step"] * clusters.ATTEMPTS
    assert (pod_names(row), row.commands, row.undo) == (set(), 0, [])


async def test_two_commands_at_once_in_one_process_take_turns_and_both_land() -> None:
    here = place()
    await clusters.open_cluster(here)
    runner = Recording(before=lambda name: time.sleep(0.2))  # a slow engine: they overlap
    first, second = await asyncio.gather(
        clusters.command(here, APPLY, pod("one"), runner=runner),
        clusters.command(here, APPLY, pod("two"), runner=runner))
    row = await stored()
    assert pod_names(row) == {"one", "two"} and row.commands == 2
    assert runner.most == 1, "the second command's engine ran beside the first's"
    assert runner.names() == ["step", "step"], "a command lost a race and ran again"
    assert {first.frame["undo"], second.frame["undo"]} == {1, 2}
    assert clusters._turns == {}, "the lock of a cluster nobody uses is dropped"


async def test_other_learners_clusters_do_not_wait_for_each_other() -> None:
    runner = Recording(before=lambda name: time.sleep(0.2) if name == "step" else None)
    ours, theirs = place("a" * 32), place("b" * 32)
    await clusters.open_cluster(ours)
    await clusters.open_cluster(theirs)
    await asyncio.gather(clusters.command(ours, APPLY, pod("one"), runner=runner),
                         clusters.command(theirs, APPLY, pod("two"), runner=runner))
    assert runner.most == 2


async def test_a_state_that_no_longer_loads_restarts_and_the_command_runs_on_the_new_one(
        ) -> None:
    here = place(setup=APPLY, starter=pod("setup"))
    await database_sync_to_async(LearnerCluster.objects.create)(
        learner=here.learner, scenario="", challenge="", commands=3,
        state=json.dumps({"version": 0, "objects": {}}), undo=['{"version": 0}'])
    view = await clusters.command(here, APPLY, pod("web"))
    assert view.frame["output"] == "pod/web created\n"
    row = await stored()
    assert pod_names(row) == {"setup", "web"}
    assert len(row.undo) == 1, "the old version's undo states are gone, the new start kept"
    assert isinstance(cluster_work.show(here.scenario, row.undo[0], 0), cluster_work.Done)
    assert row.commands == 4


async def test_opening_or_undoing_into_a_stale_state_restarts_cleanly() -> None:
    here = place()
    await database_sync_to_async(LearnerCluster.objects.create)(
        learner=here.learner, scenario="", challenge="", state="not json at all", undo=[])
    opened = await clusters.open_cluster(here)
    assert (opened.frame["history"], opened.frame["undo"], opened.frame["pods"]) == ([], 0, "")
    await clusters.command(here, APPLY, pod("web"))
    await LearnerCluster.objects.aupdate(undo=['{"version": 999}'])  # the state before: stale
    compared = await clusters.compare_last(here)
    assert compared.frame["output"] == cluster_work.BEFORE_IS_STALE
    undone = await clusters.undo(here)
    assert (undone.frame["undo"], undone.frame["pods"]) == (0, "")
    row = await stored()
    assert row.undo == [] and pod_names(row) == set()
    assert isinstance(cluster_work.show(here.scenario, row.state, 0), cluster_work.Done)


async def test_a_process_pool_runner_runs_the_same_actions() -> None:
    """What a server's process pool would do: every argument and result crosses a process
    boundary (spawned, so the child imports sandbox.cluster_work without Django set up)."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        runner = clusters.in_executor(pool)
        here = place()
        assert (await clusters.open_cluster(here, runner=runner)).frame["undo"] == 0
        view = await clusters.command(here, APPLY, pod("web"), runner=runner)
        assert view.frame["output"] == "pod/web created\n" and view.frame["undo"] == 1
        assert pod_names(await stored()) == {"web"}
    finally:
        pool.shutdown()


async def test_a_challenge_command_comes_with_its_goals_and_the_boards_summary() -> None:
    here = place(goals="- allPodsRunning: true\n")
    view = await clusters.command(here, APPLY, pod("web"))
    assert view.goals is not None and [g["passed"] for g in view.goals] == [True]
    assert view.outcome is not None
    assert (view.outcome["pods"], view.outcome["goals_passed"]) == ("1 Running", 1)
    free = await clusters.command(place(), "kubectl get pods", "")
    assert (free.goals, free.outcome) == (None, None)


def test_copy_share_keeps_the_visitors_state_undoable_and_moves_updated_at() -> None:
    here = place()
    done = cluster_work.fresh(here.scenario, "", "", clusters.fingerprint_key())
    assert done.state is not None
    mine = LearnerCluster.objects.create(learner=here.learner, state=done.state, undo=[])
    code = clusters.share(place("b" * 32), "")
    shared = clusters.copy_share(code, here.learner, here.scenario)
    assert shared is not None
    row = LearnerCluster.objects.get(learner=here.learner)
    assert row.undo == [done.state] and row.state == shared.state
    assert row.updated_at > mine.updated_at
    assert clusters.copy_share("nope", here.learner, here.scenario) is None
