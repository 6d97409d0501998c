"""Engine work runs in worker processes (`sandbox.workers`), never in the event loop's: the pool
on its own (another process, killed when its socket goes or its time is up, a death reported),
and through the real ASGI application (a run and a lint are answered from a worker; a runaway
evaluation ends in an `error` frame and the socket stays usable; with LUNCHBOX_EVAL_PROCESSES=0
the same runs are played from a thread)."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from sandbox_socket import connect, send

from sandbox import fairness, prepare, workers
from sandbox.engine import default_scenario, load_scenario
from sandbox.fairness import Gone
from sandbox.workers import POOL

POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
       "  - name: web\n    image: nginx:1.25\n")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead too
            return stat.read().split(") ")[-1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


async def test_work_runs_in_another_process() -> None:
    pid = await POOL.call(os.getpid)
    assert pid != os.getpid()
    assert await POOL.call(os.getpid) == pid  # an idle worker is used again


async def test_work_past_its_limit_is_killed_and_the_next_call_gets_a_fresh_worker() -> None:
    pid = await POOL.call(os.getpid)
    with pytest.raises(workers.TooLong):
        await POOL.call(time.sleep, 30, limit=0.3)
    for _ in range(50):
        if not alive(pid):
            break
        await asyncio.sleep(0.05)
    assert not alive(pid), "the runaway worker is still running"
    assert await POOL.call(os.getpid) != pid


async def test_work_of_a_socket_that_went_away_is_killed() -> None:
    pid = await POOL.call(os.getpid)
    gone = asyncio.Event()
    call = asyncio.ensure_future(POOL.call(time.sleep, 30, gone=gone))
    await asyncio.sleep(0.2)
    gone.set()
    with pytest.raises(Gone):
        await asyncio.wait_for(call, 5)
    for _ in range(50):
        if not alive(pid):
            break
        await asyncio.sleep(0.05)
    assert not alive(pid)


async def test_a_worker_that_dies_is_reported_and_replaced() -> None:
    with pytest.raises(workers.WorkerDied):
        await POOL.call(os._exit, 3)
    assert await POOL.call(os.getpid) != os.getpid()


async def test_refused_input_and_bugs_come_back_as_such() -> None:
    with pytest.raises(workers.Refused) as refused:
        await POOL.call(prepare.prepare_run, "kind: [\n", default_scenario(), None, None, 1)
    assert refused.value.code == "invalid_manifest"
    assert refused.value.problems and refused.value.problems[0]["line"] is not None
    with pytest.raises(workers.WorkerError):
        await POOL.call(int, "not a number")


async def frames_until(communicator: WebsocketCommunicator, kinds: set[str]) -> list[Any]:
    frames = [json.loads(await communicator.receive_from(timeout=20))]
    while frames[-1]["type"] not in kinds:
        frames.append(json.loads(await communicator.receive_from(timeout=20)))
    return frames


@pytest.mark.django_db(transaction=True)
async def test_a_run_and_a_lint_are_answered_from_a_worker_process() -> None:
    before = POOL.answered.copy()
    socket = await connect()
    await send(socket, type="run", manifest=POD, speed=16)
    frames = await frames_until(socket, {"result", "error"})
    assert [f["type"] for f in frames][:1] == ["accepted"] and frames[-1]["type"] == "result"
    await send(socket, type="lint", manifest="kind: [\n", seq=1)
    (lint,) = await frames_until(socket, {"lint"})
    assert lint["problems"] and lint["problems"][0]["line"] == 2
    assert POOL.answered["prepare_run"] == before["prepare_run"] + 1
    assert POOL.answered["lint_problems"] == before["lint_problems"] + 1
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_runaway_evaluation_ends_in_an_error_frame_and_the_socket_goes_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # 500 replicas take a worker a few hundred milliseconds: far past a 20 ms limit, even on a
    # loaded machine where the loop looks at the clock late.
    monkeypatch.setattr(workers, "HARD_LIMIT_SECONDS", 0.02)
    socket = await connect()
    big = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
           "  replicas: 500\n  selector:\n    matchLabels:\n      app: web\n  template:\n"
           "    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n"
           "      - name: web\n        image: nginx:1.25\n")
    await send(socket, type="run", manifest=big, speed=16)
    (error,) = await frames_until(socket, {"accepted", "error"})
    assert error["type"] == "error" and error["code"] == "too_long"
    assert "stopped" in error["message"]
    monkeypatch.setattr(workers, "HARD_LIMIT_SECONDS", 10.0)
    await send(socket, type="run", manifest=POD, speed=16)
    frames = await frames_until(socket, {"result", "error"})
    assert frames[-1]["type"] == "result"
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_without_worker_processes_runs_are_played_from_a_thread() -> None:
    before = POOL.answered.copy()
    with override_settings(LUNCHBOX_EVAL_PROCESSES=0):
        socket = await connect()
        await send(socket, type="run", manifest=POD, speed=16)
        frames = await frames_until(socket, {"result", "error"})
        await socket.disconnect()
    assert frames[-1]["type"] == "result"
    assert POOL.answered == before


async def test_prepared_frames_are_those_the_consumer_would_encode() -> None:
    """The texts a worker builds are the JSON of the frames, an `ack` token spliced in whole."""
    run = prepare.prepare_run(POD, default_scenario(), None, None, 7)
    step = json.loads(prepare.with_ack(run.frames[0].text, "abc123"))
    assert step["type"] == "step" and step["run"] == 7 and step["ack"] == "abc123"
    assert json.loads(run.accepted)["steps"] == run.steps == len(run.frames)
    assert all(f.size == len(f.text.encode()) for f in run.frames)
    assert json.loads(run.result)["type"] == "result"


def test_the_workers_load_neither_django_nor_the_database() -> None:
    """What the forkserver preloads (and so every worker holds) is the engine and the frame
    builders only: no Django settings, models or connections are copied into the workers."""
    code = ("import sys, sandbox.worker_preload; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('django', 'channels', 'daphne', 'lessons')); print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2],
                          env={k: v for k, v in os.environ.items()
                               if k != "DJANGO_SETTINGS_MODULE"})
    assert done.returncode == 0, done.stdout + done.stderr


async def test_a_scenario_is_pickled_once_and_unpickled_once_per_worker() -> None:
    scenario = default_scenario()
    first, second = workers.Shipped(scenario), workers.Shipped(scenario)
    assert first.blob is second.blob  # pickled once in this process
    pid = await POOL.call(os.getpid)
    kept = [await POOL.call(id, workers.Shipped(scenario)) for _ in range(3)]
    assert await POOL.call(os.getpid) == pid  # the same worker answered each time
    assert len(set(kept)) == 1, "the worker unpickled the scenario again for each call"
    other = load_scenario("name: other\nnodes:\n  - name: node-z\n")
    assert await POOL.call(id, workers.Shipped(other)) != kept[0]


def _kept_digests() -> list[str]:
    """In a worker: the digests it holds, oldest first."""
    return [digest.hex() for digest in workers._KEPT]


def test_a_request_carries_a_scenario_a_worker_holds_as_its_digest_alone() -> None:
    shipped = workers.Shipped(default_scenario())
    first, digests = workers._request((id, (shipped,)), OrderedDict())
    again, _ = workers._request((id, (shipped,)), OrderedDict({shipped.digest: None}))
    assert digests == [shipped.digest]
    assert len(first) > len(shipped.blob) and len(again) < 200


async def test_the_pool_sends_a_scenario_once_per_worker_and_keeps_its_picture_true() -> None:
    scenario = default_scenario()
    digest = workers.Shipped(scenario).digest
    pid = await POOL.call(os.getpid)
    await POOL.call(id, workers.Shipped(scenario))
    worker = POOL.idle[-1]
    assert await POOL.call(os.getpid) == pid
    assert list(worker.holds)[-1] == digest
    # the pool's picture is the worker's own store, in its order
    assert await POOL.call(_kept_digests) == [d.hex() for d in worker.holds]
    kept = {await POOL.call(id, workers.Shipped(scenario)) for _ in range(3)}
    assert len(kept) == 1


async def test_a_worker_that_lacks_a_digest_it_was_sent_alone_gets_the_blob_again() -> None:
    """The pool's picture of a worker can only be wrong by a bug; the run still comes out
    right: the worker says so and the pool sends the whole blob."""
    scenario = default_scenario()
    shipped = workers.Shipped(scenario)
    await POOL.call(os.getpid)
    worker = POOL.idle[-1]
    worker.holds[b"x" * 16] = None  # a digest it never got
    ghost = object.__new__(workers.Shipped)
    ghost.digest, ghost.blob = b"x" * 16, shipped.blob
    run = await POOL.call(prepare.prepare_run, POD, ghost, None, None, 7)
    assert run.run == 7 and run.frames
    assert b"x" * 16 in worker.holds  # sent with its blob the second time, so it holds it now
    assert await POOL.call(os.getpid) == worker.process.pid


async def test_a_worker_that_runs_out_of_its_memory_refuses_and_goes_on() -> None:
    pid = await POOL.call(os.getpid)
    with pytest.raises(workers.Refused) as refused:
        await POOL.call(bytearray, 2 * workers.MEMORY_LIMIT_BYTES)
    assert refused.value.code == "too_large" and "memory" in refused.value.text
    assert await POOL.call(os.getpid) == pid  # the same worker, still serving


async def test_work_that_cannot_be_sent_fails_without_losing_a_worker() -> None:
    pid = await POOL.call(os.getpid)
    with pytest.raises(workers.WorkerError):
        await POOL.call(lambda: 1)  # a lambda does not pickle
    assert await POOL.call(os.getpid) == pid


# --- the reply's path back: read as it arrives, and the next request sent as it lands ---------


def test_a_reply_is_read_in_pieces_as_it_arrives_and_never_waits_in_a_read() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        worker_end = Connection(os.dup(theirs.fileno()))
        value = ("ok", ["x" * 50_000, 7])
        workers._send_reply(worker_end, value)  # what a worker writes: length and body at once
        written = ours.recv(1 << 20)
        worker_end.close()
        reply = workers._Reply(ours)
        assert reply.read() is False  # nothing there yet: it returns instead of waiting
        for start in range(0, len(written), 9_999):  # the pipe delivers it in pieces
            theirs.sendall(written[start:start + 9_999])
            done = reply.read()
        assert done is True and reply.value == value
        theirs.sendall(written[:100])
        theirs.close()
        cut = workers._Reply(ours)
        with pytest.raises(EOFError):  # the worker ended mid-reply
            while not cut.read():
                pass


def test_a_workers_reply_keeps_the_framing_of_multiprocessing_connections() -> None:
    ours, theirs = multiprocessing.Pipe()
    with ours, theirs:
        workers._send_reply(theirs, ("ok", {"frames": ["a" * 20_000]}))
        assert ours.recv() == ("ok", {"frames": ["a" * 20_000]})


async def test_the_worker_that_answered_is_idle_before_its_slot_is_given_on() -> None:
    """`begin`'s `finished` runs in the callback that read the reply, with the worker already
    back in the pool, so the scheduler sends it the next client's request there and then."""
    await POOL.call(os.getpid)  # a worker is idle
    seen: list[int] = []
    answer = POOL.begin(lambda: seen.append(len(POOL.idle)), os.getpid)
    pid = await answer
    assert pid != os.getpid() and seen and seen[0] >= 1


async def test_the_next_waiters_request_goes_out_in_the_callback_that_read_the_reply() -> None:
    scheduler = fairness.FairScheduler(slots=1)
    started: list[str] = []
    after_finish: dict[str, list[str]] = {}  # what had started once each `finished` returned

    def starter(name: str) -> fairness.Starter:
        def begin(finished: Callable[[], None]) -> asyncio.Future[Any]:
            started.append(name)

            def done() -> None:
                finished()
                after_finish[name] = list(started)
            return POOL.begin(done, os.getpid)
        return begin

    first = asyncio.ensure_future(scheduler.start("a", starter("first")))
    second = asyncio.ensure_future(scheduler.start("b", starter("second")))
    assert await first != os.getpid() and await second != os.getpid()
    # the second waiter's work started inside the first's `finished`, before any await
    assert after_finish["first"] == ["first", "second"]
    assert started == ["first", "second"] and set(after_finish) == {"first", "second"}
    assert scheduler.busy() == 0 and not scheduler.waiting
