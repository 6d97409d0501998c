"""One client against the room (issue 13): a well-behaved learner's runs while another client abuses
the server, against the same learner alone in the same run.

One daphne process with the workshop's limits as shipped (the per-address run limit is not
lifted here). The learner connects from 127.0.0.1; each abusing client from its own loopback
address, so the server's fairness by address applies as it would in a room. The learner runs the
starter (seed Deployment, private-registry scenario) 20 times, 0.6 s apart; each run sends
`finish` as soon as `accepted` comes, so what is timed is the server's turnaround, not the pacing:
run sent -> `accepted`, and run sent -> `result`. Goal (issue 13): the learner's run p95 < 1 s
whatever one client does.

Abuse, one at a time:
- flood: 8 sockets from one address re-send a 500-replica Deployment as fast as they are let;
- wide: 4 sockets from one address re-send 250 replicas of a pod with four containers
  (1 000 containers);
- hit and run: 40 sockets from one address each send a 500-replica run and close at once; then
  the learner runs. Also printed: the server CPU time spent in the 3 s after they closed, with
  nobody connected (work done for sockets that are gone).

Each figure is measured twice, in the same run: with evaluations in threads of the server's own
process (LUNCHBOX_EVAL_PROCESSES=0, how it was before the worker processes) and in worker
processes as the server runs by default.

    python -m bench.abuse [--processes 0,]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from .engine import DEPLOYMENT
from .harness import Server, environment, percentile, prepare, serve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "scale"))
from wsclient import Closed, WebSocket  # noqa: E402

RUN = {"version": 1, "type": "run", "manifest": DEPLOYMENT, "scenario": "private-registry",
       "speed": 16}
BIG = {**RUN, "manifest": DEPLOYMENT.replace("replicas: 3", "replicas: 500"), "scenario": None}
WIDE_POD = DEPLOYMENT.replace("replicas: 3", "replicas: 250")
LEARNER_RUNS = 20


def wide_manifest() -> str:
    """250 replicas of a pod with four containers: the starter's container, four times."""
    head, containers = WIDE_POD.split("containers:\n", 1)
    first = containers.rstrip("\n").splitlines()
    copies = []
    for number in range(4):
        block = "\n".join(first).replace("name: web", f"name: web{number}", 1)
        copies.append(block)
    return head + "containers:\n" + "\n".join(copies) + "\n"


WIDE = {**RUN, "manifest": wide_manifest(), "scenario": None}


def learner_address_env() -> dict[str, str]:
    env = environment()
    env.pop("LUNCHBOX_ADDRESS_RUNS_PER_MINUTE")  # the limit a room's server has
    env["ALLOWED_HOSTS"] = "127.0.0.1"
    return env


async def connect(server: Server, address: str) -> WebSocket:
    return await WebSocket.connect(f"{server.ws}/ws/sandbox/", server.headers, timeout=60,
                                   local_address=address)


async def one_run(ws: WebSocket) -> tuple[float, float]:
    """(run -> accepted, run -> result) in seconds; playback is finished at once."""
    loop = asyncio.get_running_loop()
    sent = loop.time()
    accepted = 0.0
    await ws.send_json(RUN)
    while True:
        frame = await ws.receive_json(timeout=120)
        kind = frame.get("type")
        if kind == "accepted":
            accepted = loop.time() - sent
            await ws.send_json({"version": 1, "type": "control", "action": "finish"})
        elif kind == "step" and "ack" in frame:
            await ws.send_json({"version": 1, "type": "ack", "ack": frame["ack"]})
        elif kind == "result":
            return accepted, loop.time() - sent
        elif kind == "error":
            raise RuntimeError(f"the learner's run was refused: {frame}")


async def learner(server: Server) -> tuple[list[float], list[float]]:
    ws = await connect(server, "127.0.0.1")
    accepted, total = [], []
    for _ in range(LEARNER_RUNS):
        started = time.monotonic()
        a, t = await one_run(ws)
        accepted.append(a)
        total.append(t)
        await asyncio.sleep(max(0.0, 0.6 - (time.monotonic() - started)))
    await ws.close()
    return accepted, total


_DISTINCT = itertools.count()


async def resend(ws: WebSocket, message: dict[str, object], stop: asyncio.Event) -> int:
    """Send `message` again each time the last one was answered; never read the steps (they
    pile up against the send window). Returns how many were accepted."""
    accepted = 0
    while not stop.is_set():
        # A paste of its own each time (a comment): the run cache never spares the abuse.
        distinct = str(message["manifest"]) + f"# {next(_DISTINCT)}\n"
        await ws.send_json({**message, "manifest": distinct})
        try:
            while True:
                kind = (await ws.receive_json(timeout=120)).get("type")
                if kind in ("accepted", "error"):
                    break
        except (Closed, TimeoutError, ConnectionError):
            return accepted
        accepted += kind == "accepted"
    return accepted


async def under(server: Server, abuse: Callable[[asyncio.Event], Awaitable[str]]
                ) -> tuple[list[float], list[float], str]:
    stop = asyncio.Event()
    pest = asyncio.ensure_future(abuse(stop))
    await asyncio.sleep(1.0)  # the abuse is under way before the learner starts
    accepted, total = await learner(server)
    stop.set()
    note = await pest
    return accepted, total, note


def flood(server: Server, message: dict[str, object], sockets: int, address: str
          ) -> Callable[[asyncio.Event], Awaitable[str]]:
    async def abuse(stop: asyncio.Event) -> str:
        clients = [await connect(server, address) for _ in range(sockets)]
        counts = await asyncio.gather(*(resend(ws, message, stop) for ws in clients))
        for ws in clients:
            await ws.close()
        return f"their runs accepted meanwhile: {sum(counts)}"
    return abuse


async def hit_and_run(server: Server) -> tuple[list[float], list[float], float]:
    clients = [await connect(server, "127.0.0.5") for _ in range(40)]
    for ws in clients:
        await ws.send_json({**BIG, "manifest": str(BIG["manifest"]) + f"# {next(_DISTINCT)}\n"})
    for ws in clients:
        await ws.close()
    before = server.cpu_seconds()
    await asyncio.sleep(3.0)
    after_gone = server.cpu_seconds() - before
    accepted, total = await learner(server)
    return accepted, total, after_gone


def line(label: str, accepted: list[float], total: list[float]) -> str:
    return (f"{label:>34}  {percentile(accepted, .5) * 1e3:7.0f}  "
            f"{percentile(accepted, .95) * 1e3:7.0f}  {percentile(total, .5) * 1e3:7.0f}  "
            f"{percentile(total, .95) * 1e3:7.0f}  {max(total) * 1e3:7.0f}")


async def main_async(processes: str) -> None:
    env = learner_address_env()
    if processes:
        env["LUNCHBOX_EVAL_PROCESSES"] = processes
    label = ("in threads of the server's process" if processes == "0"
             else f"in {processes or 'the default number of'} worker process(es)")
    print(f"\n== evaluations {label} (LUNCHBOX_EVAL_PROCESSES={processes or 'unset'})")
    with serve(env) as server:
        warm = await connect(server, "127.0.0.1")
        await one_run(warm)
        await warm.close()
        print(f"the learner's {LEARNER_RUNS} runs, run sent -> accepted / -> result (ms):")
        print(f"{'':>34}  {'acc p50':>7}  {'acc p95':>7}  {'res p50':>7}  {'res p95':>7}  "
              f"{'res max':>7}")
        alone = await learner(server)
        print(line("alone (baseline)", *alone))
        a, t, note = await under(server, flood(server, BIG, 8, "127.0.0.3"))
        print(line("8 sockets re-send 500 replicas", a, t) + f"   ({note})")
        a, t, note = await under(server, flood(server, WIDE, 4, "127.0.0.4"))
        print(line("4 sockets re-send 1000 containers", a, t) + f"   ({note})")
        a, t, cpu = await hit_and_run(server)
        print(line("after 40 heavy runs and closes", a, t)
              + f"   (server CPU in the 3 s after they closed: {cpu:.2f} s)")
        ratio = percentile(t, .95) / percentile(alone[1], .95)
        print(f"goal: result p95 < 1000 ms under every abuse; last row's p95 is "
              f"{ratio:.1f} x alone")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="0,",
                        help="LUNCHBOX_EVAL_PROCESSES values to compare, comma-separated; empty "
                             "is the server's default (default: '0,': threads, then default)")
    args = parser.parse_args()
    prepare(environment())
    started = time.monotonic()
    for processes in args.processes.split(","):
        asyncio.run(main_async(processes.strip()))
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
