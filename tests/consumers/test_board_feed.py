"""The board's batches (lessons/board_feed.py): rows sent together, and a lost batch recovered
with a fresh snapshot."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from lessons import board_feed
from lessons.board_feed import Gaps
from lessons.progress import ROOM_GROUP
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_server_process() -> None:
    board_feed.forget()


def row(name: str) -> dict[str, Any]:
    return {"learner": name, "name": name, "challenge": None, "title": "free play",
            "attempts": None, "status": None, "stuck": False, "outcome": None,
            "updated": "2026-11-03T10:15:02+00:00"}


@sync_to_async
def staff_cookie() -> tuple[bytes, bytes]:
    user = User.objects.create_user("coach", password="x", is_staff=True)
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def board() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/board/", headers=[
        (b"origin", b"http://127.0.0.1:8000"), await staff_cookie()])
    connected, _ = await communicator.connect()
    assert connected
    assert json.loads(await communicator.receive_from(timeout=10))["type"] == "snapshot"
    return communicator


async def frames(communicator: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    return [json.loads(await communicator.receive_from(timeout=10)) for _ in range(count)]


def test_a_jump_in_a_senders_sequence_is_a_lost_batch() -> None:
    gaps = Gaps()
    assert not gaps.missed({"sender": "a", "seq": 1, "previous": None})
    assert not gaps.missed({"sender": "a", "seq": 2, "previous": time.time()})
    assert gaps.missed({"sender": "a", "seq": 4, "previous": time.time()})
    assert not gaps.missed({"sender": "a", "seq": 3, "previous": time.time()})  # late, not new
    assert not gaps.missed({"sender": "a", "seq": 5, "previous": time.time()})


def test_a_new_senders_first_batch_tells_whether_one_before_it_came_after_joining() -> None:
    gaps = Gaps()
    long_ago = gaps.joined - 3600
    assert not gaps.missed({"sender": "old", "seq": 90, "previous": long_ago})
    assert gaps.missed({"sender": "busy", "seq": 7, "previous": gaps.joined + 0.5})
    assert not gaps.missed({"sender": "fresh", "seq": 1, "previous": None})


@pytest.mark.parametrize("event", [
    {}, {"sender": 3, "seq": 2}, {"sender": "a", "seq": "2"}, {"sender": "a", "seq": True},
])
def test_a_batch_without_a_usable_stamp_is_no_gap(event: dict[str, Any]) -> None:
    assert not Gaps().missed(event)


async def test_rows_published_together_reach_the_board_as_one_update_each() -> None:
    watcher = await board()
    for name in ("ada", "grace", "ada"):  # ada's later row replaces her earlier one
        board_feed.publish(ROOM_GROUP, "board.rows", "rows", name, row(name))
    got = await frames(watcher, 2)
    assert [(f["type"], f["row"]["name"]) for f in got] == [("update", "grace"),
                                                           ("update", "ada")]
    assert await watcher.receive_nothing(timeout=0.2)
    await watcher.disconnect()


async def test_a_lost_batch_is_recovered_with_a_fresh_snapshot() -> None:
    watcher = await board()
    layer = get_channel_layer()
    assert layer is not None
    base = {"type": "board.rows", "sender": "other-process", "previous": None}
    await layer.group_send(ROOM_GROUP, {**base, "seq": 1, "rows": [row("ada")]})
    assert [f["type"] for f in await frames(watcher, 1)] == ["update"]
    # seq 2 never arrived (a full channel drops it without a word)
    await layer.group_send(ROOM_GROUP, {**base, "seq": 3, "rows": [row("lin")]})
    assert [f["type"] for f in await frames(watcher, 2)] == ["update", "snapshot"]
    await layer.group_send(ROOM_GROUP, {**base, "seq": 4, "rows": [row("kim")]})
    assert [f["type"] for f in await frames(watcher, 1)] == ["update"]
    assert await watcher.receive_nothing(timeout=0.2)
    await watcher.disconnect()


async def test_a_batch_that_is_not_a_list_of_rows_sends_nothing() -> None:
    watcher = await board()
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send(ROOM_GROUP, {"type": "board.rows", "rows": "<script>"})
    assert await watcher.receive_nothing(timeout=0.2)
    await watcher.disconnect()
