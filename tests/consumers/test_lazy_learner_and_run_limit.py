"""Proposed tests (not in the tree): the learner's session is stored on the first run, not on a
page view; a socket takes one run per 0.5 s unless the previous run has finished."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client

from lessons.progress import LEARNER_SESSION_KEY
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
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


@sync_to_async
def open_page(cookie: str | None = None) -> str:
    client = Client()
    if cookie:
        client.cookies["sessionid"] = cookie
    assert client.get("/sandbox/").status_code == 200
    return client.cookies["sessionid"].value


async def connect(cookie: str | None = None) -> WebsocketCommunicator:
    headers = [ORIGIN] + ([(b"cookie", f"sessionid={cookie}".encode())] if cookie else [])
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    return json.loads(await communicator.receive_from(timeout=20))


async def send_run(communicator: WebsocketCommunicator) -> None:
    await communicator.send_to(text_data=json.dumps(
        {"version": 1, "type": "run", "manifest": CACHED, "speed": 16}))


async def finish(communicator: WebsocketCommunicator) -> None:
    await communicator.send_to(text_data=json.dumps(
        {"version": 1, "type": "control", "action": "finish"}))
    while (await receive(communicator))["type"] != "result":
        pass


async def test_viewing_the_sandbox_page_writes_no_session_but_hands_out_a_cookie() -> None:
    cookie = await open_page()
    assert len(cookie) == 32
    assert await open_page(cookie) == cookie, "a reload before the first run keeps the key"
    socket = await connect(cookie)
    await socket.send_to(text_data=json.dumps({"version": 1, "type": "ping"}))
    assert (await receive(socket))["type"] == "pong"
    await socket.disconnect()
    assert await Session.objects.acount() == 0


async def test_first_run_stores_the_session_under_the_cookies_key() -> None:
    cookie = await open_page()
    socket = await connect(cookie)
    await send_run(socket)
    assert (await receive(socket))["type"] == "accepted"
    await finish(socket)
    await socket.disconnect()
    session = await Session.objects.aget(session_key=cookie)
    learner = session.get_decoded()[LEARNER_SESSION_KEY]
    again = await connect(cookie)
    await send_run(again)
    assert (await receive(again))["type"] == "accepted"
    await finish(again)
    await again.disconnect()
    assert await Session.objects.acount() == 1
    assert (await Session.objects.aget(session_key=cookie)).get_decoded()[
        LEARNER_SESSION_KEY] == learner
    # The next page view moves the stored session to a fresh key (tests/server/test_session_keys).
    assert await open_page(cookie) != cookie


async def test_a_socket_without_a_cookie_stores_nothing() -> None:
    socket = await connect()
    await send_run(socket)
    assert (await receive(socket))["type"] == "accepted"
    await finish(socket)
    await socket.disconnect()
    assert await Session.objects.acount() == 0


async def test_a_second_run_right_after_the_first_is_refused_as_busy() -> None:
    socket = await connect()
    await send_run(socket)
    await send_run(socket)
    assert (await receive(socket))["type"] == "accepted"
    frame = await receive(socket)
    while frame["type"] == "step":
        frame = await receive(socket)
    assert (frame["type"], frame["code"]) == ("error", "busy"), frame
    await socket.send_to(text_data=json.dumps({"version": 1, "type": "ping"}))
    while (frame := await receive(socket))["type"] == "step":
        pass
    assert frame["type"] == "pong"
    await finish(socket)
    await send_run(socket)  # the previous run finished: no need to wait
    assert (await receive(socket))["type"] == "accepted"
    await socket.disconnect()
