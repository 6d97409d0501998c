"""Session keys are never taken from the client: a key planted in a learner's browser (by a
neighbour on the venue Wi-Fi, say) must not become the key their progress is stored under."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils.crypto import get_random_string

from lessons.progress import LEARNER_SESSION_KEY, is_session_promise, new_session_promise
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
POD = """\
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
    """The session cookie a browser holds after loading the sandbox page with `cookie`."""
    client = Client()
    if cookie:
        client.cookies["sessionid"] = cookie
    assert client.get("/sandbox/").status_code == 200
    return client.cookies["sessionid"].value


async def run_once(cookie: str) -> None:
    """Open the sandbox socket with `cookie`, run a pod to the end, close."""
    socket = WebsocketCommunicator(application, "/ws/sandbox/",
                                   headers=[ORIGIN, (b"cookie", f"sessionid={cookie}".encode())])
    connected, _ = await socket.connect()
    assert connected
    await socket.send_to(text_data=json.dumps(
        {"version": 1, "type": "run", "manifest": POD, "speed": 16}))
    await socket.send_to(text_data=json.dumps(
        {"version": 1, "type": "control", "action": "finish"}))
    frame: dict[str, Any] = {}
    while frame.get("type") != "result":
        frame = json.loads(await socket.receive_from(timeout=20))
    await socket.disconnect()


async def learner_of(key: str) -> str | None:
    session = await Session.objects.filter(session_key=key).afirst()
    return session.get_decoded().get(LEARNER_SESSION_KEY) if session else None


def planted_key() -> str:
    """A well-formed session key the client made up."""
    return get_random_string(32, VALID_KEY_CHARS)


def test_only_keys_this_server_made_count_as_promises() -> None:
    assert is_session_promise(new_session_promise())
    assert not is_session_promise(planted_key())
    promise = new_session_promise()
    assert not is_session_promise(promise[:-1] + ("a" if promise[-1] != "a" else "b"))


async def test_the_sandbox_page_replaces_a_key_the_client_made_up() -> None:
    planted = planted_key()
    offered = await open_page(planted)
    assert offered != planted
    assert is_session_promise(offered)


async def test_a_socket_never_stores_a_session_under_a_key_the_client_made_up() -> None:
    planted = planted_key()
    await run_once(planted)
    assert not await Session.objects.filter(session_key=planted).aexists()
    assert await Session.objects.acount() == 0


async def test_the_page_after_the_first_run_moves_the_session_to_a_fresh_key() -> None:
    promised = await open_page()
    await run_once(promised)
    learner = await learner_of(promised)
    assert learner is not None
    moved = await open_page(promised)
    assert moved != promised
    assert await learner_of(moved) == learner, "the learner keeps their progress"
    assert await learner_of(promised) is None, "the promised key no longer opens the session"
    assert await open_page(moved) == moved, "and the fresh key stays"


async def test_someone_else_holding_the_old_promise_gets_a_learner_of_their_own() -> None:
    promised = await open_page()
    await run_once(promised)
    learner = await learner_of(promised)
    moved = await open_page(promised)  # the learner reloads
    await run_once(promised)  # whoever planted the promise runs with it
    assert await learner_of(promised) not in (None, learner)
    assert await learner_of(moved) == learner
