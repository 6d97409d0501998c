"""Nothing lost: 100 learners work while the servers are killed with SIGKILL (issue 13).

What a learner is shown as saved must be in the database afterwards, whatever moment the server
dies at: a run's `result` frame (the attempt, and the pass when every goal passed), a console
frame after a command (the cluster's new state), a `share` answer (the link). Two daphne
processes share one database, as workers behind one address would, so the SQLite run also
proves that writers wait for each other instead of a learner hearing "database is locked":
SQLite in WAL mode with the database settings `make workshop` uses (DEBUG stays on, so that
static files need no collectstatic), and PostgreSQL. Each of 100 learners
(each from its own loopback address, as a room's devices are) solves challenges and types
console commands; once the learners hold KILL_AFTER acknowledgements both servers get SIGKILL
together, mid-load, and the database is read back through the app's own models.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from ruamel.yaml import YAML
from wsclient import Closed, WebSocket

if TYPE_CHECKING:
    from conftest import Launch, ManagePy, Server

pytestmark = [pytest.mark.scale]

REPO = Path(__file__).resolve().parents[2]
LEARNERS = 100
PROCESSES = 2  # learner i talks to process i % PROCESSES
KILL_AFTER = 400  # acknowledgements the learners hold, all together, when the servers die
ROUND_SECONDS = 0.6  # a learner's pace: the run limits allow 2 runs a second (docs/protocol.md)
SHARE_EVERY = 3  # rounds between two share links
# Challenges checked by a plain manifest run (no console setup), with their shipped solutions.
CHALLENGES = ("pull-policies/start-without-pulling", "pull-policies/never-uses-the-shelf",
              "pull-secrets/private-pull", "tags-and-digests/same-image-everywhere",
              "tags-and-digests/pin-the-cached-build")
VARIABLES = ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "SECRET_KEY_FILE",
             "LUNCHBOX_VAR_DIR", "ALLOWED_HOSTS", "LUNCHBOX_ADDRESS_RUNS_PER_MINUTE")


def loopback_addresses_bind() -> bool:
    """Linux routes all of 127.0.0.0/8 to the loopback interface; other systems only 127.0.0.1."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.1.10", 0))
    except OSError:
        return False
    return True


# Without them all learners come from 127.0.0.1, and the per-address run limit is turned off
# (as for a room behind one NAT address, docs/hosting.md).
OWN_ADDRESSES = loopback_addresses_bind()
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
    - name: web
      image: nginx:1.25
"""
# Read back through the app's models: each learner's session, progress, free-play cluster and
# links, by the session cookie the learner's socket used (a JSON list in the file $COOKIES).
READ_BACK = """\
import json, os
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from lessons.models import LearnerCluster, Progress, SharedCluster
from lessons.progress import LEARNER_SESSION_KEY
found = {}
for cookie in json.load(open(os.environ["COOKIES"])):
    learner = SessionStore(session_key=cookie).get(LEARNER_SESSION_KEY)
    rows = Progress.objects.filter(learner=learner).select_related("challenge__lesson")
    found[cookie] = {
        "learner": learner,
        "progress": {f"{p.challenge.lesson.slug}/{p.challenge.slug}": [p.status, p.attempts]
                     for p in rows},
        "cluster": "".join(LearnerCluster.objects.filter(learner=learner, scenario="",
                                                         challenge="")
                           .values_list("state", flat=True)),
        "shares": list(SharedCluster.objects.filter(learner=learner)
                       .values_list("code", flat=True)),
    }
sqlite = None
if connection.vendor == "sqlite":  # the options the app's own connections run with
    with connection.cursor() as cursor:
        sqlite = [cursor.execute(f"PRAGMA {name}").fetchone()[0]
                  for name in ("journal_mode", "synchronous", "busy_timeout")]
print(json.dumps({"learners": found, "sqlite": sqlite}))
"""


def solutions() -> dict[str, str]:
    """Each challenge of CHALLENGES with its solution, as lessons/content/ ships it."""
    found = {}
    for key in CHALLENGES:
        lesson, slug = key.split("/")
        course = YAML(typ="safe", pure=True).load(REPO / f"lessons/content/{lesson}.yaml")
        [challenge] = [c for c in course["challenges"] if c["slug"] == slug]
        found[key] = str(challenge["solution"])
    return found


@dataclass
class Learner:
    """One learner, and every acknowledgement the server gave them."""

    index: int
    server: Server
    cookie: str = ""
    attempts: Counter[str] = field(default_factory=Counter)  # result frames, by challenge
    passes: set[str] = field(default_factory=set)  # results whose goals all passed
    pods: list[str] = field(default_factory=list)  # created, said a console frame
    shares: list[str] = field(default_factory=list)  # link codes
    errors: list[dict[str, Any]] = field(default_factory=list)  # every error frame
    waiting: bool = False  # a message is out and its answer has not come

    @property
    def name(self) -> str:
        return f"durable-{self.index:03d}"

    @property
    def address(self) -> str | None:
        """Its own loopback address: the room's devices are different clients."""
        if not OWN_ADDRESSES:
            return None
        return f"127.0.{1 + self.index // 200}.{10 + self.index % 200}"

    @property
    def acknowledged(self) -> int:
        return sum(self.attempts.values()) + len(self.pods) + len(self.shares)


@dataclass
class Room:
    learners: list[Learner]
    enough: asyncio.Event = field(default_factory=asyncio.Event)  # KILL_AFTER reached

    def count(self) -> None:
        """Called after each acknowledgement: sets `enough` once the room holds KILL_AFTER."""
        if sum(other.acknowledged for other in self.learners) >= KILL_AFTER:
            self.enough.set()


async def answer(socket: WebSocket, learner: Learner, *types: str) -> dict[str, Any]:
    """The next frame of one of `types`; step frames are acknowledged as the page does, error
    frames recorded (and returned)."""
    while True:
        frame = await socket.receive_json(timeout=60)
        if frame["type"] == "step" and frame.get("ack"):
            await socket.send_json({"version": 1, "type": "ack", "ack": frame["ack"]})
        if frame["type"] == "error":
            learner.errors.append(frame)
            return frame
        if frame["type"] in types:
            return frame


async def solve(socket: WebSocket, learner: Learner, room: Room, key: str,
                manifest: str) -> None:
    """Run a challenge's solution at top speed and watch it to its result frame (playing it
    out, not sending `finish`: a finish would wait behind the run's own handling)."""
    learner.waiting = True
    await socket.send_json({"version": 1, "type": "run", "manifest": manifest, "speed": 16,
                            "challenge": key, "display_name": learner.name})
    result = await answer(socket, learner, "result")
    learner.waiting = False
    if result["type"] == "result":
        learner.attempts[key] += 1
        if result["goals"] and all(goal["passed"] for goal in result["goals"]):
            learner.passes.add(key)
        room.count()


async def console(socket: WebSocket, learner: Learner, room: Room, action: str,
                  pod: str) -> None:
    """A console command that creates `pod`, or a share of the learner's cluster."""
    learner.waiting = True
    await socket.send_json({"version": 1, "type": "console", "action": action,
                            "line": "kubectl apply -f -", "manifest": POD.format(name=pod),
                            "scenario": None, "challenge": None})
    frame = await answer(socket, learner, "console")
    learner.waiting = False
    if frame["type"] != "console":
        return
    if action == "command" and frame["exit_code"] == 0:
        learner.pods.append(pod)
    elif action == "share":
        learner.shares.append(frame["link"].removeprefix("/s/"))
    room.count()


async def learn(learner: Learner, room: Room, manifests: dict[str, str],
                start: asyncio.Event, connected: list[Learner]) -> None:
    """Connect, wait for the whole room, then work round after round until the server dies."""
    socket = await WebSocket.connect(learner.server.ws + "/ws/sandbox/",
                                     learner.server.headers(learner.cookie),
                                     local_address=learner.address)
    connected.append(learner)
    await start.wait()
    loop = asyncio.get_running_loop()
    keys = list(manifests)
    try:
        for turn in itertools.count():
            began = loop.time()
            key = keys[(learner.index + turn) % len(keys)]
            await solve(socket, learner, room, key, manifests[key])
            await console(socket, learner, room, "command", f"keep{learner.index:03d}x{turn:03d}")
            if turn % SHARE_EVERY == 1:
                await console(socket, learner, room, "share", "")
            await asyncio.sleep(max(0.0, ROUND_SECONDS - (loop.time() - began)))
    except (Closed, ConnectionError):  # the server was killed
        return
    finally:
        await socket.close()


def cookie_for(server: Server) -> str:
    return server.open_sandbox_page()


async def work_until_killed(servers: list[tuple[subprocess.Popen[bytes], Server]]
                            ) -> tuple[list[Learner], int, float]:
    """The room at work; SIGKILL to every server once KILL_AFTER acknowledgements are in.
    Returns the learners, how many of them were waiting for an answer at that moment, and how
    long the room worked (for the printed figures only)."""
    learners = [Learner(i, servers[i % len(servers)][1]) for i in range(LEARNERS)]
    cookies = await asyncio.gather(*(asyncio.to_thread(cookie_for, learner.server)
                                     for learner in learners))
    for learner, cookie in zip(learners, cookies, strict=True):
        learner.cookie = cookie
    room, start = Room(learners), asyncio.Event()
    connected: list[Learner] = []
    manifests = solutions()
    tasks = [asyncio.create_task(learn(learner, room, manifests, start, connected))
             for learner in learners]
    while len(connected) < LEARNERS:  # everyone is in before anyone starts
        done = [task for task in tasks if task.done()]
        if done:
            await done[0]  # a learner who could not connect: its error fails the test
        await asyncio.sleep(0.05)
    start.set()
    began = asyncio.get_running_loop().time()
    await asyncio.wait([asyncio.ensure_future(room.enough.wait()), *tasks],
                       return_when=asyncio.FIRST_COMPLETED)
    waiting = sum(learner.waiting for learner in learners)
    worked = asyncio.get_running_loop().time() - began
    for process, _ in servers:
        os.kill(process.pid, signal.SIGKILL)
    for process, _ in servers:
        process.wait()
    await asyncio.gather(*tasks)
    return learners, waiting, worked


def read_back(manage: ManagePy, env: dict[str, str], learners: list[Learner],
              directory: Path) -> dict[str, Any]:
    """What the database holds for each learner (by session cookie), after the kill."""
    cookies = directory / "cookies.json"
    cookies.write_text(json.dumps([learner.cookie for learner in learners]))
    output = manage({**env, "COOKIES": str(cookies)}, "shell", "-c", READ_BACK)
    found: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return found


def lost_writes(learners: list[Learner], found: dict[str, Any]) -> list[str]:
    """Every acknowledgement a learner holds that the database does not."""
    lost = []
    for learner in learners:
        theirs = found[learner.cookie]
        if learner.acknowledged and theirs["learner"] is None:
            lost.append(f"{learner.name}: the session is gone")
            continue
        for key, count in learner.attempts.items():
            status, attempts = theirs["progress"].get(key, ["missing", 0])
            if attempts < count:
                lost.append(f"{learner.name} {key}: {count} results shown, {attempts} stored")
            if key in learner.passes and status != "passed":
                lost.append(f"{learner.name} {key}: shown as passed, stored as {status}")
        lost += [f"{learner.name}: pod {pod} acknowledged, not in the stored cluster"
                 for pod in learner.pods if f'"{pod}"' not in theirs["cluster"]]
        lost += [f"{learner.name}: link /s/{code} acknowledged, not stored"
                 for code in learner.shares if code not in theirs["shares"]]
    return lost


def kill_mid_load(daphne: Launch, manage: ManagePy, env: dict[str, str],
                  directory: Path) -> dict[str, Any]:
    """Start the servers, let the room work, kill them, and check nothing acknowledged is lost."""
    servers = [daphne(env, f"durable-{name}") for name in range(PROCESSES)]
    learners, waiting, worked = asyncio.run(work_until_killed(servers))
    stored = read_back(manage, env, learners, directory)
    acknowledged = sum(learner.acknowledged for learner in learners)
    passes = sum(len(learner.passes) for learner in learners)
    print(f"{acknowledged} acknowledgements ({passes} passes) in {worked:.1f} s, "
          f"{waiting} learners waiting for an answer when the servers were killed")
    assert acknowledged >= KILL_AFTER
    assert passes > 0
    assert sum(len(learner.pods) for learner in learners) > 0
    assert sum(len(learner.shares) for learner in learners) > 0
    assert waiting > 0, "the kill must land while writes are under way"
    errors = [f"{learner.name}: {error['code']}: {error['message']}"
              for learner in learners for error in learner.errors]
    assert errors == [], "no learner may get an error frame under this load"
    assert lost_writes(learners, stored["learners"]) == []
    logs = "".join(server.log.read_text(errors="replace") for _, server in servers)
    assert "database is locked" not in logs and "Traceback" not in logs, logs[-3000:]
    return stored


def server_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    if not OWN_ADDRESSES:
        env["LUNCHBOX_ADDRESS_RUNS_PER_MINUTE"] = "0"
    return {**env, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "1",
            "PYTHONUNBUFFERED": "1", **settings}


def test_sqlite_in_wal_mode_loses_no_acknowledged_write(daphne: Launch, manage: ManagePy,
                                                        tmp_path: Path) -> None:
    """The workshop's database: var/lunchbox.sqlite3 with sandbox/settings.py's SQLite options
    (WAL, synchronous=FULL, BEGIN IMMEDIATE, a busy timeout)."""
    env = server_env(LUNCHBOX_VAR_DIR=str(tmp_path))
    manage.prepare(env)
    stored = kill_mid_load(daphne, manage, env, tmp_path)
    assert (tmp_path / "lunchbox.sqlite3").exists()
    assert stored["sqlite"] == ["wal", 2, 20000], "WAL, synchronous=FULL, a 20 s busy timeout"


def test_postgresql_loses_no_acknowledged_write(daphne: Launch, manage: ManagePy,
                                                fresh_postgres_url: str, tmp_path: Path) -> None:
    env = server_env(DATABASE_URL=fresh_postgres_url)
    stored = kill_mid_load(daphne, manage, env, tmp_path)
    assert stored["sqlite"] is None
