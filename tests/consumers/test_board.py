"""The instructor's board socket and learners' progress, through the real ASGI application.

In-process: the in-memory channel layer carries the learner's summary to the board, as Redis
does between processes (tests/scale/ checks that part).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db.models.signals import post_save
from django.test import Client

from lessons import board_feed
from lessons.models import Challenge, Lesson, Progress, Scenario
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_server_process() -> None:
    """Each test is a server that just started: no batch sent to a board before it (a board that
    joins within a second of an earlier one takes it for a lost batch: lessons/board_feed.py)."""
    board_feed.forget()

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

NEVER_MISSING = CACHED.replace("nginx:1.25", "nginx:1.27").replace("IfNotPresent", "Never")

PASSWORD = "Sup3r-S3cret-Pa55"
AUTH = base64.b64encode(f"deploy-bot:{PASSWORD}".encode()).decode()
DOCKER_CONFIG = json.dumps({"auths": {"registry.company.com": {
    "username": "deploy-bot", "password": PASSWORD, "auth": AUTH}}})
SECRET_DATA = base64.b64encode(DOCKER_CONFIG.encode()).decode()
WITH_SECRET = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: regcred
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: {SECRET_DATA}
---
apiVersion: v1
kind: Pod
metadata:
  name: zebra-private-pod
spec:
  imagePullSecrets:
    - name: regcred
  containers:
    - name: zebra-container
      image: registry.company.com/webapp:v2
"""


def session_cookie(client: Client) -> tuple[bytes, bytes]:
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@sync_to_async
def staff_cookie(staff: bool = True, name: str = "") -> tuple[bytes, bytes]:
    user = User.objects.create_user(name or f"user-{staff}", password="x", is_staff=staff)
    client = Client()
    client.force_login(user)
    return session_cookie(client)


@sync_to_async
def learner_cookie() -> tuple[bytes, bytes]:
    """The session a learner gets by opening the sandbox page."""
    client = Client()
    assert client.get("/sandbox/").status_code == 200
    return session_cookie(client)


async def connect(path: str, *headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    return json.loads(await communicator.receive_from(timeout=10))


async def board(*headers: tuple[bytes, bytes]) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """A staff board socket and its snapshot frame."""
    communicator = await connect("/ws/board/", *(headers or (await staff_cookie(),)))
    snapshot = await receive(communicator)
    assert snapshot["type"] == "snapshot", snapshot
    return communicator, snapshot


async def run(learner: WebsocketCommunicator, manifest: str, **fields: Any) -> dict[str, Any]:
    """Send a run and return its result frame (the run plays out at full speed)."""
    await learner.send_to(text_data=json.dumps({"version": 1, "type": "run", "manifest": manifest,
                                                "speed": 16, **fields}))
    frame = await receive(learner)
    assert frame["type"] == "accepted", frame
    await learner.send_to(text_data=json.dumps({"version": 1, "type": "control",
                                                "action": "finish"}))
    while frame["type"] != "result":
        frame = await receive(learner)
    return frame


async def update(communicator: WebsocketCommunicator) -> dict[str, Any]:
    frame = await receive(communicator)
    assert frame["type"] == "update", frame
    return frame["row"]


@pytest.fixture
def challenge(db: None) -> Challenge:
    scenario = Scenario.objects.create(slug="one-node", title="One node", source=ONE_NODE)
    lesson = Lesson.objects.create(slug="policies", title="Policies", published=True,
                                   scenario=scenario)
    return Challenge.objects.create(
        lesson=lesson, slug="no-pull", title="Start without pulling", prompt="Go.",
        goals="- allPodsRunning: true\n- noRegistryPulls: true\n")


async def test_board_hears_of_a_run_only_once_the_learner_has_its_result(
    challenge: Challenge,
) -> None:
    """The progress write commits while the steps play; the board's row waits for the result
    frame, so the board never shows a run before the learner's own animation does."""
    watcher, _ = await board()
    learner = await connect("/ws/sandbox/", await learner_cookie())
    await learner.send_to(text_data=json.dumps({
        "version": 1, "type": "run", "manifest": CACHED, "speed": 1,
        "challenge": "policies/no-pull", "display_name": "Lin"}))
    assert json.loads(await learner.receive_from(timeout=10))["type"] == "accepted"
    await learner.send_to(text_data=json.dumps({"version": 1, "type": "control",
                                                "action": "pause"}))
    for _ in range(1000):  # until the attempt is stored (it is, while the run is paused)
        if await Progress.objects.filter(challenge=challenge).aexists():
            break
        await asyncio.sleep(0.01)
    assert await Progress.objects.filter(challenge=challenge).aexists()
    assert await watcher.receive_nothing(timeout=0.5)  # stored, but not shown to the learner
    await learner.send_to(text_data=json.dumps({"version": 1, "type": "control",
                                                "action": "finish"}))
    frame: dict[str, Any] = {"type": ""}
    while frame["type"] != "result":
        frame = await receive(learner)
    row = await update(watcher)
    assert (row["name"], row["status"]) == ("Lin", "passed")
    await learner.disconnect()
    await watcher.disconnect()


async def test_an_instructors_own_runs_are_not_a_learners(challenge: Challenge) -> None:
    """Issue 11: the instructor testing a challenge is not counted as a learner. Their run is
    checked and shown to them, but not stored as progress nor sent to the board."""
    watcher, _ = await board()
    instructor = await connect("/ws/sandbox/", await staff_cookie(name="instructor"))
    result = await run(instructor, CACHED, challenge="policies/no-pull", display_name="Teacher")
    assert result["goals"] and all(goal["passed"] for goal in result["goals"])
    assert await watcher.receive_nothing(timeout=0.5)
    assert not await Progress.objects.aexists()
    learner = await connect("/ws/sandbox/", await learner_cookie())
    await run(learner, CACHED, challenge="policies/no-pull", display_name="Lin")
    assert (await update(watcher))["name"] == "Lin"
    await instructor.disconnect()
    await learner.disconnect()
    await watcher.disconnect()


async def test_staff_board_receives_a_summary_of_a_free_play_run() -> None:
    watcher, snapshot = await board()
    assert snapshot["rows"] == []
    learner = await connect("/ws/sandbox/")
    await run(learner, NEVER_MISSING, display_name="Ada")
    row = await update(watcher)
    assert row["name"] == "Ada"
    assert row["challenge"] is None and row["title"] == "free play"
    assert row["attempts"] is None and row["status"] is None and row["stuck"] is False
    assert row["outcome"] == {"scenario": row["outcome"]["scenario"], "pods": "1 ErrImageNeverPull",
                              "goals_passed": None, "goals_total": None,
                              "waiting": "ErrImageNeverPull"}
    assert row["updated"]
    await learner.disconnect()
    await watcher.disconnect()


async def test_challenge_run_records_progress_and_a_pass_is_never_downgraded(
    challenge: Challenge,
) -> None:
    watcher, _ = await board()
    cookie = await learner_cookie()
    learner = await connect("/ws/sandbox/", cookie)
    result = await run(learner, CACHED, challenge="policies/no-pull", display_name="Grace")
    assert [g["passed"] for g in result["goals"]] == [True, True]
    passed = await update(watcher)
    assert passed["challenge"] == "policies/no-pull" and passed["title"] == "Start without pulling"
    assert (passed["status"], passed["attempts"]) == ("passed", 1)
    assert passed["outcome"]["goals_passed"] == 2 and passed["outcome"]["goals_total"] == 2
    assert passed["outcome"]["pods"] == "1 Running" and passed["outcome"]["waiting"] is None

    await run(learner, NEVER_MISSING, challenge="policies/no-pull")
    again = await update(watcher)
    assert (again["status"], again["attempts"], again["name"]) == ("passed", 2, "Grace")
    assert again["outcome"]["goals_passed"] == 1  # not Running, but nothing was pulled
    progress = await Progress.objects.aget(challenge=challenge)
    assert (progress.status, progress.attempts, progress.display_name) == ("passed", 2, "Grace")
    await learner.disconnect()
    await watcher.disconnect()


async def test_progress_follows_the_session_cookie_across_sockets(challenge: Challenge) -> None:
    cookie = await learner_cookie()
    for _ in range(2):
        learner = await connect("/ws/sandbox/", cookie)
        await run(learner, NEVER_MISSING, challenge="policies/no-pull")
        await learner.disconnect()
    stranger = await connect("/ws/sandbox/")
    await run(stranger, NEVER_MISSING, challenge="policies/no-pull")
    await stranger.disconnect()
    attempts = sorted([p.attempts async for p in Progress.objects.filter(challenge=challenge)])
    assert attempts == [1, 2]


async def test_learner_is_flagged_stuck_after_three_failed_attempts(challenge: Challenge) -> None:
    watcher, _ = await board()
    learner = await connect("/ws/sandbox/")
    stuck = []
    for _ in range(3):
        await run(learner, NEVER_MISSING, challenge="policies/no-pull")
        stuck.append((await update(watcher))["stuck"])
    assert stuck == [False, False, True]
    assert (await Progress.objects.aget(challenge=challenge)).is_stuck
    await learner.disconnect()
    await watcher.disconnect()


async def test_snapshot_lists_progress_rows_with_the_challenge(challenge: Challenge) -> None:
    await Progress.objects.acreate(learner="a" * 32, display_name="Ada", challenge=challenge,
                                   status="passed", attempts=4)
    watcher, snapshot = await board()
    [row] = snapshot["rows"]
    assert row["name"] == "Ada" and row["challenge"] == "policies/no-pull"
    assert (row["status"], row["attempts"], row["stuck"], row["outcome"]) == (
        "passed", 4, False, None)
    assert "a" * 32 not in json.dumps(snapshot), "the learner key stays in the session"
    await watcher.disconnect()


async def test_a_board_opened_after_a_challenge_run_shows_that_runs_outcome(
    challenge: Challenge,
) -> None:
    """The snapshot's rows come from the database: the last run's outcome is stored with the
    progress, so an instructor who opens (or reloads) the board sees what each learner's last
    run did, not a dash, and a later run replaces it."""
    learner = await connect("/ws/sandbox/", await learner_cookie())
    await run(learner, NEVER_MISSING, challenge="policies/no-pull", display_name="Ada")
    watcher, live = await board()
    await run(learner, CACHED, challenge="policies/no-pull")
    shown = (await update(watcher))["outcome"]
    assert shown["pods"] == "1 Running" and shown["goals_passed"] == 2
    later, snapshot = await board(await staff_cookie(name="second-instructor"))
    [row] = [r for r in snapshot["rows"] if r["name"] == "Ada"]
    assert row["outcome"] == shown
    [first] = [r for r in live["rows"] if r["name"] == "Ada"]
    assert first["outcome"]["pods"] == "1 ErrImageNeverPull"
    assert first["outcome"]["waiting"] == "ErrImageNeverPull"
    await learner.disconnect()
    await watcher.disconnect()
    await later.disconnect()


def test_predictions_rescore_the_stored_outcomes_goal_count(challenge: Challenge) -> None:
    """Predict mode checks the goals again once the questions are scored (`predictions` goals):
    the stored outcome's count follows, so the board does not show the first count forever."""
    outcome = {"scenario": "One node", "pods": "1 Running", "goals_passed": 1,
               "goals_total": 2, "waiting": None}
    goals = [{"goal": "a", "passed": True}, {"goal": "b", "passed": False}]
    Progress.record_attempt("b" * 32, challenge, False, "", goals, outcome)
    rescored = Progress.record_predictions("b" * 32, challenge, 3, 3,
                                           [{"goal": "a", "passed": True},
                                            {"goal": "b", "passed": True}])
    assert rescored.last_outcome == {**outcome, "goals_passed": 2}
    assert rescored.status == "passed"


def test_a_stored_outcome_keeps_its_five_keys_bounded() -> None:
    hostile = {"scenario": "s" * 5000, "pods": ["not", "text"], "goals_passed": True,
               "goals_total": 3, "waiting": "", "manifest": "kind: Secret"}
    stored = Progress.stored_outcome(hostile)
    assert stored == {"scenario": "s" * (Progress.STORED_GOAL_TEXT - 1) + "…", "pods": "",
                      "goals_passed": None, "goals_total": 3, "waiting": None}
    assert Progress.stored_outcome(None) is None and Progress.stored_outcome("x") is None  # type: ignore[arg-type]


@pytest.mark.parametrize("staff", [None, False], ids=["anonymous", "logged-in-not-staff"])
async def test_non_staff_board_socket_gets_an_error_frame_then_is_closed(
    staff: bool | None,
) -> None:
    headers = [] if staff is None else [await staff_cookie(staff=False)]
    communicator = await connect("/ws/board/", *headers)
    frame = await receive(communicator)
    assert (frame["type"], frame["code"]) == ("error", "forbidden")
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_non_staff_never_receives_board_updates() -> None:
    refused = await connect("/ws/board/")
    await receive(refused)
    await refused.receive_output(timeout=5)
    learner = await connect("/ws/sandbox/")
    await run(learner, CACHED)
    assert await refused.receive_nothing(timeout=0.2)
    await learner.disconnect()


async def test_board_update_holds_no_manifest_text_and_no_secret() -> None:
    watcher, _ = await board()
    learner = await connect("/ws/sandbox/")
    await run(learner, WITH_SECRET, display_name="Linus")
    frame = await watcher.receive_from(timeout=10)
    assert json.loads(frame)["row"]["name"] == "Linus"
    for needle in (PASSWORD, AUTH, SECRET_DATA[:40], "regcred", "zebra", "apiVersion",
                   "registry.company.com", "deploy-bot"):
        assert needle not in frame, needle
    await learner.disconnect()
    await watcher.disconnect()


@pytest.mark.parametrize(
    "name",
    ["x" * 41, 42, "bell\x07", "right\u202eleft", ["Ada"]],
    ids=["too-long", "not-a-string", "control-character", "bidi-override", "list"],
)
async def test_bad_display_name_is_refused_and_nothing_runs(name: Any) -> None:
    learner = await connect("/ws/sandbox/")
    await learner.send_to(text_data=json.dumps({"version": 1, "type": "run", "manifest": CACHED,
                                                "display_name": name}))
    frame = await receive(learner)
    assert (frame["type"], frame["code"]) == ("error", "bad_message")
    assert "display_name" in frame["message"]
    await learner.disconnect()


async def test_board_answers_ping_and_refuses_anything_else() -> None:
    watcher, _ = await board()
    await watcher.send_to(text_data=json.dumps({"version": 1, "type": "ping"}))
    assert (await receive(watcher))["type"] == "pong"
    await watcher.send_to(text_data="not json")
    assert (await receive(watcher))["code"] == "bad_message"
    await watcher.disconnect()


async def test_a_passed_challenge_is_stored_before_the_result_frame(
    challenge: Challenge,
) -> None:
    """The result frame shows a pass only once the database holds it: the progress write
    commits while the steps play (so they keep their schedule under load, bench/server.py), and
    the result frame waits for it. The write is made slow (a post_save receiver that waits half
    a second after the row is created, before the pass is written; the run plays in far less
    at speed 16) so a result racing it is caught: the receiver's flag is read directly, not
    through the database thread the write is holding."""
    written: list[bool] = []

    def slow(**_: Any) -> None:
        time.sleep(0.5)
        written.append(True)

    post_save.connect(slow, sender=Progress, weak=False)
    try:
        learner = await connect("/ws/sandbox/", await learner_cookie())
        await learner.send_to(text_data=json.dumps({
            "version": 1, "type": "run", "manifest": CACHED, "challenge": "policies/no-pull",
            "speed": 16}))
        assert (await receive(learner))["type"] == "accepted"
        while (frame := await receive(learner))["type"] == "step":
            pass
        assert frame["type"] == "result"
        assert written, "the result frame went out while the progress write was still running"
        progress = await Progress.objects.aget(challenge=challenge)
        assert (progress.status, progress.attempts) == ("passed", 1)
        await learner.disconnect()
    finally:
        post_save.disconnect(slow, sender=Progress)
