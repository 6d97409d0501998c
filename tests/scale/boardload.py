"""A room's results reaching the instructor's board: the load of tests/scale/test_board_delivery.py
and bench/board_delivery.py.

Many learners, their sockets spread over the servers given (and over loopback addresses, so each
is its own client of the room as daphne sees it), each pass the shipped challenge once, their
results spread over a few seconds; one board socket listens on one server. For every learner it
notes when their `result` frame arrived and when the board first showed their row (in an
`update`, or in a fresh `snapshot` the board was sent after a lost batch). Both times are read on
this process's clock, so the difference is the delivery latency as a room would see it.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ruamel.yaml import YAML
from wsclient import Closed, WebSocket

if TYPE_CHECKING:
    from conftest import Server

REPO = Path(__file__).resolve().parents[2]
CHALLENGE = "pull-policies/start-without-pulling"
CONNECT_AT_ONCE = 50  # sockets opened together while the room gathers
QUIET_SECONDS = 30.0  # how long the board may stay silent before the count is taken as final


def shipped_solution() -> str:
    course = YAML(typ="safe", pure=True).load(REPO / "lessons/content/pull-policies.yaml")
    [challenge] = [c for c in course["challenges"] if c["slug"] == "start-without-pulling"]
    return str(challenge["solution"])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@dataclass
class Delivery:
    """What one room's results did on the board."""

    names: list[str]
    results: dict[str, float] = field(default_factory=dict)  # learner → result frame's arrival
    shown: dict[str, float] = field(default_factory=dict)  # learner → first board frame with it
    updates: dict[str, int] = field(default_factory=dict)  # learner → `update` frames about them
    made: dict[str, float] = field(default_factory=dict)  # learner → the row's `updated`
    result_wall: dict[str, float] = field(default_factory=dict)  # the same arrivals, wall clock
    shown_wall: dict[str, float] = field(default_factory=dict)
    snapshots: int = 0  # snapshots after the first one: lost batches the board recovered from
    failures: list[str] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        return [self.shown[n] - self.results[n] for n in self.names
                if n in self.shown and n in self.results]

    @property
    def early(self) -> int:
        """Rows the board showed before that learner's own result frame had arrived."""
        return sum(1 for latency in self.latencies if latency < 0)

    def stages(self) -> str:
        """Where the time went, from the server's clock (`updated`, when the row was made, just
        after the progress commit): to the learner's result frame, and to the board."""
        to_result = [self.result_wall[n] - self.made[n] for n in self.made if n in self.result_wall]
        to_board = [self.shown_wall[n] - self.made[n] for n in self.made]
        if not to_result:
            return "no stages measured"
        return (f"row made -> result frame p50 {statistics.median(to_result) * 1000:.0f} ms "
                f"p99 {percentile(to_result, 0.99) * 1000:.0f} ms; row made -> board p50 "
                f"{statistics.median(to_board) * 1000:.0f} ms "
                f"p99 {percentile(to_board, 0.99) * 1000:.0f} ms")

    def summary(self) -> str:
        late = self.latencies
        return (f"{len(self.shown)}/{len(self.names)} rows on the board "
                f"({sum(self.updates.values())} updates, {self.snapshots} re-snapshots), "
                f"{len(self.results)} results; latency p50 {statistics.median(late) * 1000:.0f} ms"
                f" p99 {percentile(late, 0.99) * 1000:.0f} ms max {max(late) * 1000:.0f} ms; "
                f"{self.early} shown before the result" if late else "no latency measured")


async def _learner(server: Server, address: str, name: str, start: float, manifest: str,
                   delivery: Delivery) -> None:
    try:
        socket = await WebSocket.connect(server.ws + "/ws/sandbox/", server.headers(),
                                         timeout=60, local_address=address)
    except (OSError, ConnectionError, TimeoutError) as err:
        delivery.failures.append(f"{name}: connect: {err!r}")
        return
    try:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        await socket.send_json({"version": 1, "type": "run", "manifest": manifest, "speed": 16,
                                "challenge": CHALLENGE, "display_name": name})
        frame = await socket.receive_json(timeout=60)
        if frame["type"] != "accepted":
            delivery.failures.append(f"{name}: {frame}")
            return
        await socket.send_json({"version": 1, "type": "control", "action": "finish"})
        while frame["type"] != "result":
            frame = await socket.receive_json(timeout=60)
            if frame["type"] == "error":
                delivery.failures.append(f"{name}: {frame}")
                return
        delivery.results[name] = time.monotonic()
        delivery.result_wall[name] = time.time()
        if not all(goal["passed"] for goal in frame["goals"]):
            delivery.failures.append(f"{name}: the shipped solution did not pass")
    except (Closed, TimeoutError, OSError) as err:
        delivery.failures.append(f"{name}: {err!r}")
    finally:
        await socket.close()


async def _listen(board: WebSocket, delivery: Delivery, everyone: threading.Event) -> None:
    wanted = set(delivery.names)
    while len(delivery.shown) < len(wanted):
        try:
            frame = await board.receive_json(timeout=QUIET_SECONDS)
        except TimeoutError:
            if everyone.is_set():
                return  # every learner is done and the board has nothing more to say
            continue
        now, wall = time.monotonic(), time.time()
        if frame["type"] == "update":
            rows = [frame["row"]]
            name = frame["row"]["name"]
            if name in wanted:
                delivery.updates[name] = delivery.updates.get(name, 0) + 1
        elif frame["type"] == "snapshot":
            delivery.snapshots += 1
            rows = frame["rows"]
        else:
            continue
        for row in rows:
            if row["name"] in wanted and row["challenge"] == CHALLENGE:
                if row["name"] not in delivery.shown:
                    delivery.shown[row["name"]] = now
                    delivery.shown_wall[row["name"]] = wall
                    delivery.made[row["name"]] = datetime.fromisoformat(row["updated"]).timestamp()


async def _board(board_server: Server, staff_session: str, delivery: Delivery,
                 everyone: threading.Event, ready: threading.Event) -> None:
    board = await WebSocket.connect(board_server.ws + "/ws/board/",
                                    board_server.headers(staff_session), timeout=60)
    try:
        first = await board.receive_json(timeout=60)
        assert first["type"] == "snapshot", first
        ready.set()
        await _listen(board, delivery, everyone)
    finally:
        await board.close()


async def room(board_server: Server, servers: list[Server], staff_session: str, tag: str,
               learners: int = 500, spread: float = 5.0, board_thread: bool = False) -> Delivery:
    """`learners` pass the challenge, their runs started evenly over `spread` seconds; the board
    listens on `board_server` (in a thread with its own event loop if `board_thread`, so the
    learners' sockets do not delay its reads). Returns what arrived where, once the board has
    shown every learner (or has been silent for QUIET_SECONDS after the last result)."""
    delivery = Delivery(names=[f"{tag}-{i:04d}" for i in range(learners)])
    manifest = shipped_solution()
    everyone, ready = threading.Event(), threading.Event()
    listening = _board(board_server, staff_session, delivery, everyone, ready)
    if board_thread:
        thread = threading.Thread(target=asyncio.run, args=(listening,), daemon=True)
        thread.start()
        listener = asyncio.ensure_future(asyncio.to_thread(thread.join))
    else:
        listener = asyncio.ensure_future(listening)
    await asyncio.to_thread(ready.wait, 60)  # the board has its snapshot before the room starts
    assert ready.is_set(), "the board socket got no snapshot"
    start = time.monotonic() + 2.0 + learners / CONNECT_AT_ONCE * 0.2  # once all are connected
    tasks = []
    for i, name in enumerate(delivery.names):
        address = f"127.0.{1 + i // 250}.{1 + i % 250}"
        tasks.append(asyncio.ensure_future(_learner(
            servers[i % len(servers)], address, name, start + spread * i / learners, manifest,
            delivery)))
        if i % CONNECT_AT_ONCE == CONNECT_AT_ONCE - 1:
            await asyncio.sleep(0.2)
    await asyncio.gather(*tasks)
    everyone.set()
    await listener
    return delivery


def print_figures(label: str, delivery: Delivery) -> None:
    print(f"{label}: {delivery.summary()}")
    print(f"  {delivery.stages()}")
    for failure in delivery.failures[:5]:
        print(f"  failed: {failure}")
