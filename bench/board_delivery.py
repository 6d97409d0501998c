"""The board's delivery at scale (issue 13): a learner's result to the instructor's board.

The machinery of tests/scale/test_board_delivery.py (its conftest's Redis, PostgreSQL and two
daphne processes; its `boardload.room`): 500 learners, their sockets alternating between the two
processes, pass the shipped challenge once each, their runs started evenly over 5 s; one board
socket listens on process A. For each learner: the time from their `result` frame's arrival to
the board's first frame with their row, p50/p99/max, and how many rows arrived at all.

Baseline, measured in the same run against the same Redis: the same number of board-row-sized
messages sent with a bare `group_send` loop (one per row, evenly over the same 5 s) from this
process to one channel it reads itself, through channels_redis with the servers' settings. It
is the floor the channel layer and this machine allow, without Django, the sandbox or a
second process.

    python -m bench.board_delivery [--learners 500] [--spread 5] [--rounds 3] [--board-thread]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

SCALE = Path(__file__).resolve().parent.parent / "tests" / "scale"
sys.path.insert(0, str(SCALE))
import conftest  # noqa: E402
from boardload import percentile, print_figures, room  # noqa: E402

ROW = {"learner": "9b1de2c07a4f", "name": "baseline-0000",
       "challenge": "pull-policies/start-without-pulling", "title": "Start the pod without pulling",
       "attempts": 1, "status": "passed", "stuck": False,
       "outcome": {"scenario": "One node", "pods": "1 Running", "goals_passed": 3,
                   "goals_total": 3, "waiting": None},
       "updated": "2026-11-03T10:15:02.123456+00:00"}


async def bare_layer(env: dict[str, str], messages: int, spread: float) -> list[float]:
    """Latency of `messages` bare group_sends to one channel, read in this process."""
    os.environ.update(env)  # the servers' settings, so the layer is theirs
    import django

    django.setup()
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add("bench-board", channel)
    sent: dict[int, float] = {}
    late: list[float] = []

    async def send() -> None:
        start = time.monotonic()
        for i in range(messages):
            await asyncio.sleep(max(0.0, start + spread * i / messages - time.monotonic()))
            sent[i] = time.monotonic()
            await layer.group_send("bench-board", {"type": "board.rows", "rows": [ROW], "i": i})

    sender = asyncio.ensure_future(send())
    while len(late) < messages:
        try:
            message = await asyncio.wait_for(layer.receive(channel), 10)
        except TimeoutError:
            break
        late.append(time.monotonic() - sent[message["i"]])
    await sender
    await layer.group_discard("bench-board", channel)
    return late


def figures(label: str, late: list[float], of: int) -> None:
    print(f"{label}: {len(late)}/{of} delivered; p50 {statistics.median(late) * 1000:.1f} ms "
          f"p99 {percentile(late, 0.99) * 1000:.1f} ms max {max(late) * 1000:.1f} ms")


async def main_async(args: argparse.Namespace) -> None:
    binaries = conftest.postgres_bin()
    if binaries is None or shutil.which("redis-server") is None:
        raise SystemExit("needs PostgreSQL's initdb and redis-server (make system-deps)")
    with ExitStack() as stack:
        directory = Path(tempfile.mkdtemp(prefix="lunchbox-board-bench-"))
        stack.callback(shutil.rmtree, directory, True)
        database_url = conftest.start_postgres(stack, binaries)
        redis_url = conftest.start_redis(stack, directory)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "1",
               "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"}
        conftest.prepare_database(env)
        a = conftest.start_daphne(stack, env, directory, "a")
        b = conftest.start_daphne(stack, env, directory, "b")
        cluster = conftest.Cluster(a=a, b=b, database_url=database_url, redis_url=redis_url,
                                   env=env)
        staff = conftest.login_session(cluster, "bench-coach", staff=True)
        print(f"{args.learners} learners over {args.spread:.0f} s, two processes, board on A")
        for round_ in range(1, args.rounds + 1):
            late = await bare_layer(env, args.learners, args.spread)
            figures(f"round {round_} baseline (bare group_send loop)", late, args.learners)
            delivery = await room(a, [a, b], staff, f"bench{round_}", learners=args.learners,
                                  spread=args.spread, board_thread=args.board_thread)
            print_figures(f"round {round_} sandbox -> board", delivery)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--spread", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--board-thread", action="store_true",
                        help="read the board's socket in a thread with its own event loop")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
