"""A workshop's board socket, through the real ASGI application and the in-memory channel layer:
tiles for the workshop's members only, a run or a hand shown at once, staff only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from lessons import board_feed
from lessons.models import Challenge, Lesson, Progress, Scenario, Workshop
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_server_process() -> None:
    """Each test is a server that just started: no batch sent to a board before it (a board that
    joins within a second of an earlier one takes it for a lost batch: lessons/board_feed.py)."""
    board_feed.forget()

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
ONE_NODE = "name: One node\nnodes:\n  - name: node-1\n    images:\n      - nginx:1.25\n"
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
PASSWORD = "Sup3r-S3cret-Pa55"
WITH_PASSWORD = CACHED + f"# password: {PASSWORD}\n"


def cookie(client: Client) -> tuple[bytes, bytes]:
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@sync_to_async
def staff_cookie(staff: bool = True) -> tuple[bytes, bytes]:
    user = User.objects.create_user(f"user-{staff}-{User.objects.count()}", password="x",
                                    is_staff=staff)
    client = Client()
    client.force_login(user)
    return cookie(client)


@sync_to_async
def joined(code: str, name: str) -> tuple[Client, tuple[bytes, bytes]]:
    client = Client()
    response = client.post("/join", {"code": code, "name": name})
    assert response.status_code == 200, response.content
    return client, cookie(client)


async def connect(path: str, *headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, *headers])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    return json.loads(await communicator.receive_from(timeout=10))


async def board(workshop: Workshop) -> tuple[WebsocketCommunicator, list[dict[str, Any]]]:
    watcher = await connect(f"/ws/board/{workshop.code}/", await staff_cookie())
    frame = await receive(watcher)
    assert frame["type"] == "snapshot", frame
    return watcher, frame["tiles"]


async def run(learner: WebsocketCommunicator, manifest: str, **fields: Any) -> None:
    await learner.send_to(text_data=json.dumps({"version": 1, "type": "run",
                                                "manifest": manifest, "speed": 16, **fields}))
    frame = await receive(learner)
    assert frame["type"] == "accepted", frame
    await learner.send_to(text_data=json.dumps({"version": 1, "type": "control",
                                                "action": "finish"}))
    while frame["type"] != "result":
        frame = await receive(learner)


async def tile_frame(watcher: WebsocketCommunicator) -> dict[str, Any]:
    frame = await receive(watcher)
    assert frame["type"] == "tile", frame
    tile: dict[str, Any] = frame["tile"]
    return tile


@pytest.fixture
def challenge(db: None) -> Challenge:
    scenario = Scenario.objects.create(slug="one-node", title="One node", source=ONE_NODE)
    lesson = Lesson.objects.create(slug="policies", title="Policies", published=True,
                                   scenario=scenario)
    return Challenge.objects.create(
        lesson=lesson, slug="no-pull", title="Start without pulling", prompt="Go.",
        goals="- allPodsRunning: true\n- noRegistryPulls: true\n")


@pytest.fixture
def workshops(db: None) -> tuple[Workshop, Workshop]:
    return Workshop.objects.create(name="Room A"), Workshop.objects.create(name="Room B")


async def test_a_members_run_reaches_their_workshops_board_only(
    challenge: Challenge, workshops: tuple[Workshop, Workshop],
) -> None:
    room_a, room_b = workshops
    watcher_a, tiles_a = await board(room_a)
    watcher_b, _ = await board(room_b)
    assert tiles_a == []
    _, ada = await joined(room_a.code, "Ada")
    joined_tile = await tile_frame(watcher_a)
    assert (joined_tile["name"], joined_tile["status"]) == ("Ada", "idle")
    learner = await connect("/ws/sandbox/", ada)
    await run(learner, WITH_PASSWORD, challenge="policies/no-pull")
    tile = await tile_frame(watcher_a)
    assert (tile["name"], tile["challenge"], tile["status"]) == ("Ada", "policies/no-pull",
                                                                  "solved")
    assert (tile["solved"], tile["total"], tile["lesson"]) == (1, 1, "Policies")
    assert PASSWORD not in json.dumps(tile) and "apiVersion" not in json.dumps(tile)
    assert await watcher_b.receive_nothing(timeout=0.3), "room B's board hears nothing of A"
    progress = await Progress.objects.select_related("workshop").aget()
    assert progress.workshop == room_a
    await learner.disconnect()
    await watcher_a.disconnect()
    await watcher_b.disconnect()


async def test_the_instructors_own_run_sends_no_tile(
    challenge: Challenge, workshops: tuple[Workshop, Workshop],
) -> None:
    room, _ = workshops
    watcher, _ = await board(room)
    instructor = await connect("/ws/sandbox/", await staff_cookie())
    await run(instructor, CACHED, challenge="policies/no-pull")
    assert await watcher.receive_nothing(timeout=0.3)
    await instructor.disconnect()
    await watcher.disconnect()
    again, tiles = await board(room)
    assert tiles == []
    await again.disconnect()


async def test_a_raised_hand_is_on_the_board_and_in_the_snapshot(
    workshops: tuple[Workshop, Workshop],
) -> None:
    room, _ = workshops
    client, _ = await joined(room.code, "Grace")
    watcher, [tile] = await board(room)
    assert tile["hand"] is None
    response = await sync_to_async(client.post)("/join/hand", {"raised": "1"})
    assert response.json()["raised"] is True
    raised = await tile_frame(watcher)
    assert raised["name"] == "Grace" and raised["hand"]
    await watcher.disconnect()
    again, [snap] = await board(room)
    assert snap["hand"] == raised["hand"]
    await again.disconnect()


@pytest.mark.parametrize("staff", [None, False], ids=["anonymous", "logged-in-not-staff"])
async def test_a_workshop_board_refuses_non_staff(
    workshops: tuple[Workshop, Workshop], staff: bool | None,
) -> None:
    headers = [] if staff is None else [await staff_cookie(staff=False)]
    communicator = await connect(f"/ws/board/{workshops[0].code}/", *headers)
    frame = await receive(communicator)
    assert (frame["type"], frame["code"]) == ("error", "forbidden")
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close",
                                                           "code": 4403}


async def test_an_unknown_code_is_told_and_closed(db: None) -> None:
    communicator = await connect("/ws/board/ZZZZZZ/", await staff_cookie())
    frame = await receive(communicator)
    assert (frame["type"], frame["code"]) == ("error", "unknown_workshop")
    assert (await communicator.receive_output(timeout=5))["type"] == "websocket.close"
