"""The console over the real websocket: a learner's cluster is stored, survives a new socket,
can be undone and reset, and keeps no password anywhere."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from lessons.models import LearnerCluster
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]
ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]
SECRET = ("kubectl create secret docker-registry regcred --docker-server=registry.example.com "
          "--docker-username=me --docker-password=hunter2-very-secret")
POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n" \
      "  - {name: web, image: nginx:1.25}\n"


async def connect() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def console(communicator: WebsocketCommunicator, **message: Any) -> dict[str, Any]:
    await communicator.send_to(text_data=json.dumps({"version": 1, "type": "console",
                                                     **message}))
    return json.loads(await communicator.receive_from(timeout=20))


async def test_commands_are_stored_and_undone_and_reset() -> None:
    ws = await connect()
    opened = await console(ws, action="open")
    assert (opened["type"], opened["history"], opened["undo"]) == ("console", [], 0)
    created = await console(ws, action="command", line="kubectl apply -f -", manifest=POD)
    assert (created["output"], created["exit_code"]) == ("pod/web created\n", 0)
    assert "Running" in created["pods"]
    listed = await console(ws, action="command", line="kubectl get pods")
    assert listed["output"].startswith("NAME") and listed["undo"] == 1  # a read stores nothing
    undone = await console(ws, action="undo")
    assert undone["pods"] == "" and undone["undo"] == 0
    await console(ws, action="command", line="kubectl apply -f -", manifest=POD)
    reset = await console(ws, action="reset")
    assert (reset["pods"], reset["history"]) == ("", [])
    await ws.disconnect()


async def test_a_failed_command_answers_kubectl_words_and_stores_nothing() -> None:
    ws = await connect()
    await console(ws, action="open")
    failed = await console(ws, action="command", line="kubectl get pods nope")
    assert failed["exit_code"] == 1
    assert failed["error"] == 'Error from server (NotFound): pods "nope" not found\n'
    assert failed["undo"] == 0
    bad = await console(ws, action="command", line=123)
    assert bad["type"] == "error"
    await ws.disconnect()


async def test_no_password_in_the_database_frames_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ws = await connect()
    frames = [await console(ws, action="command", line=SECRET),
              await console(ws, action="command", line="kubectl get secret regcred -o yaml"),
              await console(ws, action="command", line="kubectl apply -f -", manifest=POD),
              await console(ws, action="undo")]
    await ws.disconnect()
    assert "created" in frames[0]["output"]
    stored = "".join([r.state + json.dumps(r.undo) async for r in LearnerCluster.objects.all()])
    everything = stored + json.dumps(frames) + caplog.text
    assert "hunter2-very-secret" not in everything
    import base64
    assert base64.b64encode(b"hunter2-very-secret").decode()[:16] not in everything
    assert "********" in frames[0]["command"]


async def test_the_cluster_survives_a_new_socket_of_the_same_session() -> None:
    """A new connection with the same session cookie finds the cluster it left."""
    from django.contrib.sessions.backends.db import SessionStore

    from lessons.progress import LEARNER_SESSION_KEY
    session = SessionStore()
    session[LEARNER_SESSION_KEY] = "l" * 32
    await session.asave()
    cookie = [(b"cookie", f"sessionid={session.session_key}".encode())]
    first = WebsocketCommunicator(application, "/ws/sandbox/", headers=ORIGIN + cookie)
    assert (await first.connect())[0]
    await console(first, action="command", line="kubectl apply -f -", manifest=POD)
    await first.disconnect()
    second = WebsocketCommunicator(application, "/ws/sandbox/", headers=ORIGIN + cookie)
    assert (await second.connect())[0]
    opened = await console(second, action="open")
    assert "web" in opened["pods"] and opened["history"][0]["command"] == "kubectl apply -f -"
    await second.disconnect()
