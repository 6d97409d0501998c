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


async def test_share_stores_a_snapshot_that_opens_read_only_and_copies() -> None:
    from asgiref.sync import sync_to_async
    from django.test import Client
    ws = await connect()
    await console(ws, action="command", line=SECRET)
    await console(ws, action="command", line="kubectl apply -f -", manifest=POD)
    config = '{"auths":{"r":{"password":"hunter2-very-secret"}}}'
    editor = (POD + "---\n# password: hunter2-very-secret\n"
              f"stringData:\n  .dockerconfigjson: '{config}'\n")
    shared = await console(ws, action="share", manifest=editor)
    await ws.disconnect()
    link = shared["link"]
    assert link.startswith("/s/") and len(link) == 13

    def visit() -> tuple[str, int, str]:
        client = Client()
        page = client.get(link)
        copy = client.post(link + "/copy")
        return page.content.decode(), copy.status_code, copy.headers.get("Location", "")
    page, status, location = await sync_to_async(visit)()
    assert "pod/web" not in page and "web" in page and "Running" in page
    assert "kubectl apply -f -" in page and "Make my own copy" in page
    assert "hunter2-very-secret" not in page
    assert (status, location.startswith("/sandbox/?shared=")) == (302, True)
    copies = [r async for r in LearnerCluster.objects.all()]
    assert len(copies) == 2 and copies[0].state == copies[1].state


async def test_undo_several_and_compare() -> None:
    ws = await connect()
    await console(ws, action="command", line="kubectl apply -f -", manifest=POD)
    await console(ws, action="command", line="kubectl set image pod/web web=nginx:1.26")
    changed = await console(ws, action="compare")
    assert "nginx" in changed["output"] or "image ID" in changed["output"]
    assert changed["history"][0]["back"] == 1 and changed["history"][1]["back"] is None \
        or changed["history"][1]["back"] in (None, 0)
    back = await console(ws, action="undo", count=2)
    assert back["pods"] == "" and back["undo"] == 0
    refused = await console(ws, action="undo", count=99)
    assert refused["type"] == "error"
    await ws.disconnect()


async def test_a_challenge_starts_from_its_setup_and_is_checked_after_each_command() -> None:
    from asgiref.sync import sync_to_async

    from lessons.models import Challenge, Lesson, Progress

    def make() -> None:
        lesson = Lesson.objects.create(slug="console", title="Console", published=True)
        Challenge.objects.create(
            lesson=lesson, slug="keep-it", title="Keep it running", prompt="p",
            starter_manifest=POD, setup="kubectl apply -f -\n# a comment\n",
            goals="- allPodsRunning: true\n- noRegistryPulls: true\n")
    await sync_to_async(make)()
    ws = await connect()
    opened = await console(ws, action="open", challenge="console/keep-it")
    assert "web" in opened["pods"] and "goals" not in opened  # the setup ran, nothing checked
    pulled = await console(ws, action="command", challenge="console/keep-it",
                           line="kubectl set image pod/web web=nginx:1.26")
    assert [g["passed"] for g in pulled["goals"]] == [True, False]  # that command pulled
    waited = await console(ws, action="command", challenge="console/keep-it", line="sleep 10")
    assert all(g["passed"] for g in waited["goals"])
    await ws.disconnect()
    rows = [p async for p in Progress.objects.all()]
    assert [r.status for r in rows] == ["passed"]
