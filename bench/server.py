"""The server's capacity (issue 13): one daphne process, the real sandbox socket against a bare one.

Baseline, measured in the same run: a bare Channels consumer (`bench/serverapp.py`) that streams
the same frames of the same starter run at the same pace, with nothing else, plus one engine
evaluation of that paste measured in this process. The starter run is the seed Deployment
(3 replicas) in the private-registry scenario, as the sandbox page sends it.

- CPU: server CPU time (from /proc) per run at 50, 200 and 500 connections, every socket running
  runs at speed 16; reported as a ratio to (bare consumer + one evaluation). Goal: <= 1.5.
  Learners arrive as in a room (`--arrivals room`, the default): each presses Run first at a
  random moment of the first 0.55 s, then again 0.55-0.65 s after the last run began. With
  `--arrivals lockstep` every socket starts together and stays in step, which spares the bare
  consumer's loop most of its wake-ups (on this kind of virtual machine a process that has slept
  runs its next few milliseconds far slower, see docs/performance.md); `both` prints each.
  Each socket connects from a loopback address of its own, as each learner of a room has
  (`--addresses one`: all from 127.0.0.1, one client to the server's fairness, so one
  evaluation worker at a time). A row is the median of `--repeat` rounds, each round the bare
  consumer, then the same paste, then distinct pastes, so a slow minute of the machine lands
  on a round and its own baseline, not on one figure.
- Lateness: 500 sockets press Run together at speed 1; each step frame's arrival against the
  schedule the server intends (the `accepted` frame's arrival plus the playback delays), p50 and
  p99, and how long `accepted` takes. Goal: p99 < 50 ms. The bare consumer's figure is the floor
  this client can see on this machine.
- Memory: resident memory per idle and per playing socket against the bare consumer.

    python -m bench.server [--sizes 50,200,500] [--arrivals room|lockstep|both]
                           [--addresses room|one] [--repeat 3]
                           [--lateness 500] [--memory 200] [--neighbour 100]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import DEPLOYMENT, SCENARIO, evaluate_run
from .harness import Server, cpu_per_call, environment, percentile, prepare, serve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "scale"))
from wsclient import WebSocket  # noqa: E402

RUN = {"version": 1, "type": "run", "manifest": DEPLOYMENT, "scenario": "private-registry"}
# Playback's pacing (sandbox/playback.py), to know when the server means each frame to go out.
FRAME_SECONDS, SIMULATED_TO_WALL, MAX_GAP_SECONDS, BUDGET = 0.12, 0.04, 1.5, 60.0


@dataclass
class RunRecord:
    sent: float = 0.0
    accepted: float = 0.0
    arrivals: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    steps: int = 0

    def lateness(self, speed: float) -> list[float]:
        """Each step frame's arrival minus when the server's schedule means it to arrive."""
        worst = self.steps * (FRAME_SECONDS + MAX_GAP_SECONDS) / 2
        squeeze = min(1.0, BUDGET / worst) if worst else 1.0
        due, previous, late = self.accepted, self.times[0] if self.times else 0.0, []
        for arrival, step_time in zip(self.arrivals, self.times, strict=True):
            gap = max(step_time - previous, 0.0)
            previous = step_time
            due += min(FRAME_SECONDS + gap * SIMULATED_TO_WALL, MAX_GAP_SECONDS) * squeeze / speed
            late.append(arrival - due)
        return late


_DISTINCT = itertools.count()


async def run_once(ws: WebSocket, speed: float, pause: bool = False,
                   ack_every: int = 1, distinct: bool = False) -> RunRecord:
    """One run to its result frame (or, with `pause`, to `accepted`, then paused). Like the
    page, it acks every step frame that carries a token (the sandbox puts one on every 16th and
    the last); with `ack_every` n, only every nth of those (acks are cumulative). With
    `distinct`, the paste ends in a comment of its own, so the server's run cache never has it
    and every run is evaluated (the same evaluation: a comment changes nothing else)."""
    loop = asyncio.get_running_loop()
    record = RunRecord(sent=loop.time())
    manifest = RUN["manifest"] + (f"# run {next(_DISTINCT)}\n" if distinct else "")
    await ws.send_json({**RUN, "manifest": manifest, "speed": speed})
    while True:
        frame = await ws.receive_json(timeout=120)
        now = loop.time()
        kind = frame.get("type")
        if kind == "accepted":
            record.accepted, record.steps = now, int(frame["steps"])
            if pause:
                await ws.send_json({"version": 1, "type": "control", "action": "pause"})
                return record
        elif kind == "step":
            record.arrivals.append(now)
            record.times.append(float(frame["step"]["time"]))
            if "ack" in frame and (len(record.arrivals) % ack_every == 0
                                   or record.steps == len(record.arrivals)):
                await ws.send_json({"version": 1, "type": "ack", "ack": frame["ack"]})
        elif kind == "result":
            return record
        elif kind == "error":
            raise RuntimeError(f"the server refused a run: {frame}")


# Where the sockets come from: in a room every learner has an address of their own, and the
# server shares its evaluation workers by address (`sandbox.fairness`); `--addresses one` puts
# every socket on 127.0.0.1, as this benchmark did before (one client: one worker at a time).
ADDRESSES = {"room": True}


def learner_address(index: int) -> str | None:
    """The loopback address socket `index` connects from (any of 127/8 reaches 127.0.0.1)."""
    if not ADDRESSES["room"]:
        return None
    return f"127.0.{1 + index // 250}.{2 + index % 250}"


async def connect_all(server: Server, route: str, count: int) -> list[WebSocket]:
    sockets: list[WebSocket] = []
    for start in range(0, count, 50):
        sockets += await asyncio.gather(*(
            WebSocket.connect(f"{server.ws}/ws/{route}/", server.headers, timeout=60,
                              local_address=learner_address(index))
            for index in range(start, min(start + 50, count))))
    return sockets


async def close_all(sockets: list[WebSocket]) -> None:
    await asyncio.gather(*(ws.close() for ws in sockets))


RUN_EVERY = 0.55  # the per-socket limit grants 2 runs/s: stay under it
# About how long a worker process sleeps between two runs at 50 sockets (100 runs/s, one busy
# worker, 5 ms a run): its next run starts cold (see docs/performance.md).
ASLEEP_SECONDS = 0.005


async def cpu_per_run(server: Server, route: str, connections: int, runs: int,
                      ack_every: int = 1, distinct: bool = False,
                      lockstep: bool = False) -> tuple[float, float]:
    """Server CPU seconds per run, with `connections` sockets open, `runs` runs each: the server
    with its evaluation workers, and its own process (the event loop) alone. Learners arrive as
    in a room unless `lockstep` (see the module's docstring); the seed is fixed, so a route and
    its baseline meet the same arrivals."""
    sockets = await connect_all(server, route, connections)
    await run_once(sockets[0], 16)  # warm-up: caches, the first session row
    chance = random.Random(13)
    starts = [0.0 if lockstep else chance.uniform(0, RUN_EVERY) for _ in sockets]
    pauses = [[0.0 if lockstep else chance.uniform(0, 0.1) for _ in range(runs)]
              for _ in sockets]

    async def learner(ws: WebSocket, start: float, pause: list[float]) -> None:
        await asyncio.sleep(start)
        for extra in pause:
            started = time.monotonic()
            await run_once(ws, 16, ack_every=ack_every, distinct=distinct)
            await asyncio.sleep(max(0.0, RUN_EVERY - (time.monotonic() - started)) + extra)

    before, own_before = server.cpu_seconds(), server.cpu_seconds(workers=False)
    await asyncio.gather(*(learner(*each) for each in zip(sockets, starts, pauses, strict=True)))
    spent = server.cpu_seconds() - before
    own = server.cpu_seconds(workers=False) - own_before
    await close_all(sockets)
    return spent / (connections * runs), own / (connections * runs)


async def lateness(server: Server, route: str, connections: int,
                   distinct: bool = False) -> tuple[list[float], list[float]]:
    """Frame lateness and `accepted` delay (seconds) when every socket presses Run at once."""
    sockets = await connect_all(server, route, connections)
    await run_once(sockets[0], 16)
    await asyncio.sleep(0.5)
    records = await asyncio.gather(*(run_once(ws, 1.0, distinct=distinct) for ws in sockets))
    await close_all(sockets)
    late = [x for r in records for x in r.lateness(1.0)]
    return late, [r.accepted - r.sent for r in records]


BIG = {**RUN, "manifest": DEPLOYMENT.replace("replicas: 3", "replicas: 500"), "scenario": None}


async def neighbour(server: Server, learners: int, heavy: bool) -> list[float]:
    """Frame lateness of `learners` sockets each playing the starter at speed 1, twice, while
    (with `heavy`) one more socket re-runs a 500-pod Deployment as fast as it is let, each
    time with a comment of its own (so every one of its runs is evaluated)."""
    sockets = await connect_all(server, "sandbox", learners + 1)
    await run_once(sockets[0], 16)
    done = asyncio.Event()

    accepted = 0

    async def rerun(ws: WebSocket) -> None:
        nonlocal accepted
        while not done.is_set():
            # A paste of its own each time: the run cache never spares the neighbour's work.
            await ws.send_json({**BIG, "speed": 16,
                                "manifest": BIG["manifest"] + f"# {next(_DISTINCT)}\n"})
            while (kind := (await ws.receive_json(timeout=120))["type"]) not in (
                    "accepted", "error"):
                pass
            accepted += kind == "accepted"
            await asyncio.sleep(0.55)  # the per-socket limit: 2 runs/s

    async def learner(ws: WebSocket) -> list[float]:
        late: list[float] = []
        for _ in range(2):
            late += (await run_once(ws, 1.0)).lateness(1.0)
        return late

    pest = asyncio.ensure_future(rerun(sockets[-1])) if heavy else None
    results = await asyncio.gather(*(learner(ws) for ws in sockets[:learners]))
    done.set()
    if pest is not None:
        await pest
    await close_all(sockets)
    if heavy:
        print(f"    (the neighbour's 500-pod runs accepted meanwhile: {accepted})")
    return [x for late in results for x in late]


async def memory(route: str, connections: int) -> tuple[float, float]:
    """Resident bytes per idle socket and per playing socket, on a fresh server."""
    with serve(environment()) as server:
        warm = await connect_all(server, route, 1)
        await run_once(warm[0], 16)
        await asyncio.sleep(0.5)
        base = server.rss_bytes()
        sockets = await connect_all(server, route, connections)
        await asyncio.sleep(1.0)
        idle = server.rss_bytes()
        # Real sockets are paused after `accepted`; bare ones play slowly (0.25) meanwhile.
        await asyncio.gather(*(run_once(ws, 0.25, pause=route == "sandbox") for ws in sockets))
        await asyncio.sleep(0.5)
        playing = server.rss_bytes()
        await close_all(sockets + warm)
    return (idle - base) / connections, (playing - idle) / connections


def runs_for(connections: int) -> int:
    return max(1, 250 // connections)


async def main_async(args: argparse.Namespace) -> None:
    scenario_text = SCENARIO.read_text()
    from sandbox.engine import load_scenario

    scenario = load_scenario(scenario_text)
    evaluation = cpu_per_call(lambda: evaluate_run(DEPLOYMENT, scenario))
    rested = cpu_per_call(lambda: evaluate_run(DEPLOYMENT, scenario), number=20,
                          asleep=ASLEEP_SECONDS)
    print(f"one engine evaluation of the starter (CPU time, in this process): "
          f"{evaluation * 1e3:.2f} ms back to back (the goal's baseline); {rested * 1e3:.2f} ms "
          f"when each follows {ASLEEP_SECONDS * 1e3:g} ms asleep, as a worker's run follows the "
          f"last (the 'rested' column: for reading the figures, not the goal)")
    with serve(environment()) as server:
        print("\nsandbox ms/run counts the server process and its evaluation workers; 'loop "
              "only' is the server's own process (the event loop) alone. 'same paste': every "
              "socket runs the starter as it is, so after the first run the server's run cache "
              "answers (a workshop's common case); 'distinct': each run's paste ends in its own "
              "comment, so every run is evaluated")
        print(f"each row: the median of {args.repeat} rounds (bare, same, distinct in turn), "
              f"the ratio's range in brackets")
        print(f"\n{'connections':>11}  {'arrivals':>8}  {'runs':>5}  {'bare ms/run':>11}  "
              f"{'paste':>8}  {'sandbox ms/run':>14}  {'x (bare + eval)':>22}  goal <= 1.5  "
              f"{'loop only ms/run':>16}  {'x':>5}  {'x rested':>8}")
        patterns = {"room": [False], "lockstep": [True], "both": [False, True]}[args.arrivals]
        for connections, lockstep in itertools.product(args.sizes, patterns):
            runs = runs_for(connections)
            rounds: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
            for _ in range(args.repeat):
                bare, _ = await cpu_per_run(server, "bare", connections, runs, lockstep=lockstep)
                for distinct in (False, True):
                    real, loop = await cpu_per_run(server, "sandbox", connections, runs,
                                                   distinct=distinct, lockstep=lockstep)
                    rounds[distinct].append((bare, real, loop))
            for distinct in (False, True):
                bare, real, loop = (statistics.median(r[i] for r in rounds[distinct])
                                    for i in range(3))
                ratios = sorted(r / (b + evaluation) for b, r, _ in rounds[distinct])
                ratio = statistics.median(ratios)
                spread = f"{ratio:.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})"
                print(f"{connections:>11}  {'lockstep' if lockstep else 'room':>8}  "
                      f"{connections * runs:>5}  {bare * 1e3:>11.2f}  "
                      f"{'distinct' if distinct else 'same':>8}  {real * 1e3:>14.2f}  "
                      f"{spread:>22}  {'met' if ratio <= 1.5 else 'NOT met':>11}"
                      f"  {loop * 1e3:>16.2f}  {loop / (bare + evaluation):>5.2f}"
                      f"  {real / (bare + rested):>8.2f}")
        if args.lateness:
            print(f"\n{args.lateness} sockets press Run together at speed 1 (ms):")
            print(f"{'route':>16}  {'late p50':>8}  {'late p99':>8}  {'late max':>8}  "
                  f"{'accepted p50':>12}  {'accepted p99':>12}  {'accepted max':>12}")
            for route, distinct in (("bare", False), ("sandbox", False), ("sandbox", True)):
                late, accepted = await lateness(server, route, args.lateness, distinct)
                label = f"{route}{' distinct' if distinct else ''}"
                print(f"{label:>16}  {percentile(late, .5) * 1e3:>8.1f}  "
                      f"{percentile(late, .99) * 1e3:>8.1f}  {max(late) * 1e3:>8.1f}  "
                      f"{percentile(accepted, .5) * 1e3:>12.1f}  "
                      f"{percentile(accepted, .99) * 1e3:>12.1f}  {max(accepted) * 1e3:>12.1f}")
            print("goal: the sandbox's late p99 < 50 ms")
        if args.neighbour:
            print(f"\n{args.neighbour} learners play the starter at speed 1 (lateness, ms):")
            for heavy in (False, True):
                late = await neighbour(server, args.neighbour, heavy)
                label = "one neighbour re-runs 500 pods" if heavy else "alone"
                print(f"{label:>31}  p50 {percentile(late, .5) * 1e3:7.1f}  "
                      f"p99 {percentile(late, .99) * 1e3:7.1f}")
            print("goal: p99 < 50 ms whatever one neighbour pastes")
    if args.memory:
        print(f"\nresident memory with {args.memory} sockets, each on a fresh server (KB/socket):")
        figures: dict[str, Any] = {}
        for route in ("bare", "sandbox"):
            figures[route] = await memory(route, args.memory)
            idle, playing = figures[route]
            print(f"{route:>8}  idle {idle / 1024:7.1f}  playing (extra) {playing / 1024:7.1f}")
        ratio = figures["sandbox"][0] / figures["bare"][0] if figures["bare"][0] > 0 else 0.0
        print(f"idle socket: sandbox / bare = {ratio:.2f}")


def sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=sizes, default=[50, 200, 500],
                        help="connection counts for the CPU figures (default 50,200,500)")
    parser.add_argument("--arrivals", choices=("room", "lockstep", "both"), default="room",
                        help="how learners press Run in the CPU rows (default room)")
    parser.add_argument("--addresses", choices=("room", "one"), default="room",
                        help="a loopback address per socket, as in a room (default), or every "
                             "socket from 127.0.0.1")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds per CPU row, reported as their median (default 3)")
    parser.add_argument("--lateness", type=int, default=500,
                        help="sockets pressing Run together (0 to skip; default 500)")
    parser.add_argument("--memory", type=int, default=200,
                        help="sockets for the memory figures (0 to skip; default 200)")
    parser.add_argument("--neighbour", type=int, default=100,
                        help="learners beside one 500-pod re-runner (0 to skip; default 100)")
    args = parser.parse_args()
    ADDRESSES["room"] = args.addresses == "room"
    prepare(environment())
    started = time.monotonic()
    asyncio.run(main_async(args))
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
