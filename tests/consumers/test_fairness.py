"""The evaluation slots of a process are shared by client, in turn, and the work of a socket that
went away is never started (or, once started, dropped): `sandbox.fairness` on its own, with
work that only records when it starts and waits for the test to let it end."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.fairness import FairScheduler, Gone


class Work:
    """Pieces of fake work: each records its start, then waits until the test releases it."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    def __call__(self, name: str) -> object:
        self.release[name] = asyncio.Event()

        async def work() -> str:
            self.started.append(name)
            await self.release[name].wait()
            return name

        return work

    async def finish(self, name: str) -> None:
        self.release[name].set()
        await asyncio.sleep(0)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_one_run_from_a_second_address_starts_before_most_of_a_flood_from_the_first() -> None:
    scheduler, work = FairScheduler(slots=2), Work()
    flood = [asyncio.ensure_future(scheduler.run("10.0.0.1", work(f"flood-{i}")))
             for i in range(20)]
    await settle()
    single = asyncio.ensure_future(scheduler.run("10.0.0.2", work("single")))
    await settle()
    for i in range(20):  # the flood's runs end one by one, each freeing a slot
        await work.finish(f"flood-{i}")
        await settle()
        if "single" in work.started:
            break
    position = work.started.index("single")
    assert position == 1, work.started  # at once: the flood holds one slot of two, not both
    await work.finish("single")
    for i in range(20):
        await work.finish(f"flood-{i}")
        await settle()
    assert await single == "single"
    assert [await f for f in flood] == [f"flood-{i}" for i in range(20)]
    assert scheduler.busy() == 0 and not scheduler.waiting


async def test_a_client_holds_all_slots_but_one_and_only_its_share_while_others_wait() -> None:
    scheduler, work = FairScheduler(slots=3), Work()
    a = [asyncio.ensure_future(scheduler.run("a", work(f"a{i}"))) for i in range(4)]
    await settle()
    assert work.started == ["a0", "a1"]  # alone, it still leaves one slot free
    b = [asyncio.ensure_future(scheduler.run("b", work(f"b{i}"))) for i in range(2)]
    await settle()
    assert work.started[-1] == "b0"  # the spare slot: b starts at once
    await work.finish("a0")
    await settle()
    assert work.started[-1] == "a2"  # one each in flight: a, served less recently, goes
    await work.finish("a1")
    await settle()
    assert work.started[-1] == "b1"  # and now b
    for name in ("b0", "a2", "b1", "a3"):
        await work.finish(name)
        await settle()
    await asyncio.gather(*a, *b)
    assert work.started == ["a0", "a1", "b0", "a2", "b1", "a3"]


async def test_with_one_slot_a_client_alone_still_gets_it() -> None:
    scheduler, work = FairScheduler(slots=1), Work()
    a = asyncio.ensure_future(scheduler.run("a", work("a0")))
    await settle()
    assert work.started == ["a0"]
    await work.finish("a0")
    assert await a == "a0"


async def test_a_disconnected_sockets_queued_message_is_never_evaluated() -> None:
    scheduler, work = FairScheduler(slots=1), Work()
    held = asyncio.ensure_future(scheduler.run("busy", work("held")))
    gone = asyncio.Event()
    queued = asyncio.ensure_future(scheduler.run("learner", work("queued"), gone))
    after = asyncio.ensure_future(scheduler.run("other", work("after")))
    await settle()
    gone.set()  # the learner's socket closes while its run waits for a slot
    with pytest.raises(Gone):
        await queued
    await work.finish("held")
    await settle()
    await work.finish("after")
    assert await after == "after" and await held == "held"
    assert work.started == ["held", "after"]  # "queued" never started
    assert scheduler.busy() == 0 and not scheduler.waiting


async def test_a_message_of_a_socket_already_gone_is_not_evaluated_even_with_a_free_slot() -> None:
    scheduler, work = FairScheduler(slots=2), Work()
    gone = asyncio.Event()
    gone.set()
    with pytest.raises(Gone):
        await scheduler.run("learner", work("late"), gone)
    assert work.started == [] and scheduler.busy() == 0


async def test_abandoned_work_keeps_its_slot_until_it_ends_and_its_result_is_dropped() -> None:
    scheduler, work = FairScheduler(slots=1), Work()
    gone = asyncio.Event()
    running = asyncio.ensure_future(scheduler.run("learner", work("running"), gone))
    waiting = asyncio.ensure_future(scheduler.run("other", work("next")))
    await settle()
    gone.set()
    with pytest.raises(Gone):  # the caller stops waiting at once...
        await running
    await settle()
    assert work.started == ["running"]  # ...but the thread it stands for still holds the slot
    await work.finish("running")
    await settle()
    assert work.started == ["running", "next"]
    await work.finish("next")
    assert await waiting == "next"


async def test_a_cancelled_waiter_leaves_the_queue_and_its_turn_passes_on() -> None:
    scheduler, work = FairScheduler(slots=1), Work()
    held = asyncio.ensure_future(scheduler.run("a", work("held")))
    cancelled = asyncio.ensure_future(scheduler.run("b", work("never")))
    after = asyncio.ensure_future(scheduler.run("c", work("after")))
    await settle()
    cancelled.cancel()
    await settle()
    await work.finish("held")
    await settle()
    await work.finish("after")
    await asyncio.gather(held, after)
    assert work.started == ["held", "after"] and scheduler.busy() == 0


async def test_turn_holds_a_slot_for_the_body_of_the_with_block() -> None:
    scheduler, work = FairScheduler(slots=1), Work()
    async with scheduler.turn("console"):
        queued = asyncio.ensure_future(scheduler.run("learner", work("run")))
        await settle()
        assert work.started == []
    await settle()
    assert work.started == ["run"]
    await work.finish("run")
    assert await queued == "run"


# --- work started by the scheduler itself, as a slot frees (`start`) ---------------------------


class Started:
    """Starters of fake work: each records its start and hands back a future the test ends;
    ending it calls the slot's `finished` synchronously, as `workers.Pool.begin` does."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.futures: dict[str, asyncio.Future[str]] = {}
        self.finishers: dict[str, object] = {}

    def __call__(self, name: str, fail: bool = False) -> object:
        def begin(finished: object) -> asyncio.Future[str]:
            if fail:
                raise RuntimeError(f"{name} could not start")
            self.started.append(name)
            future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self.futures[name], self.finishers[name] = future, finished
            # a cancelled future (its socket went) ends the work too, as a killed worker does
            future.add_done_callback(lambda f: f.cancelled() and finished())  # type: ignore[operator]
            return future
        return begin

    def end(self, name: str) -> None:
        self.futures[name].set_result(name)
        self.finishers[name]()  # type: ignore[operator]


async def test_started_work_of_the_next_waiter_begins_inside_the_finishing_call() -> None:
    scheduler, work = FairScheduler(slots=1), Started()
    a = asyncio.ensure_future(scheduler.start("a", work("a")))  # type: ignore[arg-type]
    b = asyncio.ensure_future(scheduler.start("b", work("b")))  # type: ignore[arg-type]
    await settle()
    assert work.started == ["a"]
    work.end("a")
    assert work.started == ["a", "b"]  # no await between: b's work began as a's slot freed
    work.end("b")
    assert await a == "a" and await b == "b"
    assert scheduler.busy() == 0 and not scheduler.waiting


async def test_started_work_keeps_the_share_rules_of_run() -> None:
    scheduler, work = FairScheduler(slots=2), Started()
    flood = [asyncio.ensure_future(scheduler.start("flood", work(f"f{i}")))  # type: ignore[arg-type]
             for i in range(5)]
    await settle()
    assert work.started == ["f0"]  # all slots but one
    single = asyncio.ensure_future(scheduler.start("single", work("s")))  # type: ignore[arg-type]
    await settle()
    assert work.started == ["f0", "s"]  # the spare slot, at once
    for i in range(5):
        work.end(f"f{i}")
        await settle()
    work.end("s")
    assert await single == "s" and [await f for f in flood] == [f"f{i}" for i in range(5)]
    assert scheduler.busy() == 0


async def test_a_gone_waiter_is_never_started_and_a_gone_runner_is_cancelled() -> None:
    scheduler, work = FairScheduler(slots=1), Started()
    gone_waiting, gone_running = asyncio.Event(), asyncio.Event()
    running = asyncio.ensure_future(scheduler.start(
        "r", work("running"), gone_running))  # type: ignore[arg-type]
    waiting = asyncio.ensure_future(scheduler.start(
        "w", work("waiting"), gone_waiting))  # type: ignore[arg-type]
    after = asyncio.ensure_future(scheduler.start("x", work("after")))  # type: ignore[arg-type]
    await settle()
    gone_waiting.set()
    with pytest.raises(Gone):
        await waiting
    gone_running.set()
    with pytest.raises(Gone):
        await running
    assert work.futures["running"].cancelled()  # the work was told to stop (a worker killed)
    await settle()
    assert work.started == ["running", "after"]  # its slot passed on; "waiting" never began
    work.end("after")
    assert await after == "after" and scheduler.busy() == 0 and not scheduler.waiting


async def test_work_that_cannot_start_frees_its_slot_and_says_why() -> None:
    scheduler, work = FairScheduler(slots=1), Started()
    with pytest.raises(RuntimeError, match="could not start"):
        await scheduler.start("a", work("broken", fail=True))  # type: ignore[arg-type]
    assert scheduler.busy() == 0
    held = asyncio.ensure_future(scheduler.start("b", work("held")))  # type: ignore[arg-type]
    queued = asyncio.ensure_future(scheduler.start(
        "c", work("queued-broken", fail=True)))  # type: ignore[arg-type]
    later = asyncio.ensure_future(scheduler.start("d", work("later")))  # type: ignore[arg-type]
    await settle()
    work.end("held")
    await settle()
    with pytest.raises(RuntimeError):
        await queued
    assert work.started == ["held", "later"]
    work.end("later")
    assert await later == "later" and await held == "held" and scheduler.busy() == 0


async def test_a_cancelled_waiter_of_started_work_leaves_and_a_cancelled_runner_stops() -> None:
    scheduler, work = FairScheduler(slots=1), Started()
    running = asyncio.ensure_future(scheduler.start("a", work("a")))  # type: ignore[arg-type]
    waiting = asyncio.ensure_future(scheduler.start("b", work("b")))  # type: ignore[arg-type]
    await settle()
    waiting.cancel()
    running.cancel()
    await settle()
    assert work.futures["a"].cancelled() and work.started == ["a"]
    assert scheduler.busy() == 0 and not scheduler.waiting
