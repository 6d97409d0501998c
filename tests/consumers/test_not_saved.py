"""A pass is only shown once it is stored: when the database refuses the progress write, the
learner is told `not_saved` instead of being shown goals that do not count.

The database really refuses: a trigger aborts every write to the table, as a full disk or a
read-only file would, and is dropped afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client

from lessons.models import Challenge, LearnerCluster, Lesson, Progress, Scenario
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
ONE_NODE = """\
name: One node
nodes:
  - name: node-1
    images:
      - nginx:1.25
"""
CACHED = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
"""
GOALS = "- allPodsRunning: true\n- noRegistryPulls: true\n"


@pytest.fixture
def challenge(db: None) -> Challenge:
    scenario = Scenario.objects.create(slug="one-node", title="One node", source=ONE_NODE)
    lesson = Lesson.objects.create(slug="policies", title="Policies", published=True,
                                   scenario=scenario)
    return Challenge.objects.create(lesson=lesson, slug="no-pull", title="Start without pulling",
                                    prompt="p", starter_manifest=CACHED, goals=GOALS)


def refuse_writes(table: str) -> None:
    with connection.cursor() as cursor:
        for event in ("INSERT", "UPDATE"):
            cursor.execute(f"CREATE TRIGGER refuse_{table}_{event.lower()} BEFORE {event} ON "
                           f"{table} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")


def accept_writes(table: str) -> None:
    with connection.cursor() as cursor:
        for event in ("insert", "update"):
            cursor.execute(f"DROP TRIGGER IF EXISTS refuse_{table}_{event}")


@pytest.fixture
def progress_refused(challenge: Challenge) -> Iterator[None]:
    refuse_writes(Progress._meta.db_table)
    yield
    accept_writes(Progress._meta.db_table)


@sync_to_async
def learner_cookie() -> tuple[bytes, bytes]:
    client = Client()
    assert client.get("/sandbox/").status_code == 200
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def connect() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/",
                                         headers=[ORIGIN, await learner_cookie()])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    return json.loads(await communicator.receive_from(timeout=10))


async def send(communicator: WebsocketCommunicator, **message: Any) -> None:
    await communicator.send_to(text_data=json.dumps({"version": 1, **message}))


async def test_a_challenge_run_that_cannot_be_recorded_ends_without_a_result(
        progress_refused: None) -> None:
    """The progress write commits while the steps play; only the result frame, the one that
    shows goals passed, waits for it, so a write that fails ends the run with `not_saved`."""
    learner = await connect()
    await send(learner, type="run", manifest=CACHED, challenge="policies/no-pull", speed=16)
    kinds = []
    frame = await receive(learner)
    while frame["type"] != "error":
        assert frame["type"] != "result", "a result would show goals that are not stored"
        kinds.append(frame["type"])
        frame = await receive(learner)
    assert kinds[0] == "accepted" and set(kinds) <= {"accepted", "step"}
    assert frame["code"] == "not_saved" and "could not be saved" in frame["message"]
    assert await learner.receive_nothing(timeout=0.3), "no frame of the run may follow"
    assert await Progress.objects.acount() == 0

    await sync_to_async(accept_writes)(Progress._meta.db_table)
    await send(learner, type="run", manifest=CACHED, challenge="policies/no-pull", speed=16)
    frame = await receive(learner)
    while frame["type"] != "result":
        frame = await receive(learner)
    assert all(goal["passed"] for goal in frame["goals"])
    progress = await Progress.objects.aget()
    assert (progress.status, progress.attempts) == ("passed", 1)
    await learner.disconnect()


async def test_a_free_play_run_plays_although_progress_cannot_be_written(
        progress_refused: None) -> None:
    learner = await connect()
    await send(learner, type="run", manifest=CACHED, speed=16)
    assert (await receive(learner))["type"] == "accepted"
    await learner.disconnect()


async def test_a_console_command_keeps_its_state_but_shows_no_goals_it_could_not_record(
        progress_refused: None) -> None:
    learner = await connect()
    await send(learner, type="console", action="command", line="kubectl apply -f -",
               manifest=CACHED, challenge="policies/no-pull")
    frame = await receive(learner)
    assert frame["type"] == "console" and frame["exit_code"] == 0, frame
    assert "goals" not in frame, "goals whose progress is not stored are not shown"
    refused = await receive(learner)
    assert (refused["type"], refused["code"]) == ("error", "not_saved")
    cluster = await LearnerCluster.objects.aget(challenge="policies/no-pull")
    assert '"web"' in cluster.state, "the command's new state was committed and stays"
    assert await Progress.objects.acount() == 0
    await learner.disconnect()
