"""The console socket with the engine off the database thread: what a command simulates runs in
a worker process (or, as in most of these tests, which watch the engine from inside this
process, a worker thread with LUNCHBOX_EVAL_PROCESSES=0), two sockets of one learner sending
commands at once both land, a stored state from another version restarts, and a cluster that
keeps changing elsewhere answers `busy`."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from lessons.models import LearnerCluster
from lessons.progress import LEARNER_SESSION_KEY
from sandbox import cluster_work
from sandbox.asgi import application
from sandbox.workers import POOL

pytestmark = [pytest.mark.django_db(transaction=True)]
ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]
LEARNER = "c" * 32


@pytest.fixture(autouse=True)
def engine_in_threads(request: pytest.FixtureRequest, settings: Any) -> None:
    """The engine patched here runs in this process only: threads, not worker processes."""
    if "in_a_worker_process" not in request.node.name:
        settings.LUNCHBOX_EVAL_PROCESSES = 0


def pod(name: str) -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers:\n"
            f"  - {{name: {name}, image: nginx:1.25}}\n")


async def session_cookie() -> list[tuple[bytes, bytes]]:
    session = SessionStore()
    session[LEARNER_SESSION_KEY] = LEARNER
    await session.asave()
    return [(b"cookie", f"sessionid={session.session_key}".encode())]


async def connect(cookie: list[tuple[bytes, bytes]] | None = None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/",
                                         headers=ORIGIN + (cookie or []))
    assert (await communicator.connect())[0]
    return communicator


async def send(ws: WebsocketCommunicator, **message: Any) -> None:
    await ws.send_to(text_data=json.dumps({"version": 1, "type": "console", **message}))


async def receive(ws: WebsocketCommunicator) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await ws.receive_from(timeout=20))
    return frame


def slowed(monkeypatch: pytest.MonkeyPatch, seconds: float) -> list[int]:
    """Each engine command takes `seconds` longer; the threads they ran in."""
    threads: list[int] = []
    real = cluster_work.run_command

    def run_command(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        time.sleep(seconds)
        return real(*args, **kwargs)
    monkeypatch.setattr(cluster_work, "run_command", run_command)
    return threads


async def test_a_console_command_is_simulated_outside_the_database_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    database_thread = await database_sync_to_async(threading.get_ident)()
    threads = slowed(monkeypatch, 0)
    ws = await connect()
    await send(ws, action="command", line="kubectl apply -f -", manifest=pod("web"))
    frame = await receive(ws)
    assert frame["output"] == "pod/web created\n", frame
    await ws.disconnect()
    assert threads and database_thread not in threads
    assert threading.get_ident() not in threads, "the engine ran on the event loop"


async def test_a_console_command_is_simulated_in_a_worker_process() -> None:
    before = POOL.answered.copy()
    ws = await connect()
    await send(ws, action="command", line="kubectl apply -f -", manifest=pod("web"))
    assert (await receive(ws))["output"] == "pod/web created\n"
    await send(ws, action="command", line="kubectl get pods")
    assert "web" in (await receive(ws))["output"]
    await ws.disconnect()
    assert POOL.answered["step"] >= before["step"] + 2


async def test_two_sockets_of_one_learner_sending_commands_at_once_both_land(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command holds the engine 0.3 s, so the two would overlap if they did not take
    turns: both reads before either write, the second write losing the first's pod."""
    cookie = await session_cookie()
    first, second = await connect(cookie), await connect(cookie)
    await send(first, action="open")
    assert (await receive(first))["undo"] == 0
    slowed(monkeypatch, 0.3)
    await send(first, action="command", line="kubectl apply -f -", manifest=pod("one"))
    await send(second, action="command", line="kubectl apply -f -", manifest=pod("two"))
    answers = await asyncio.gather(receive(first), receive(second))
    assert [a["output"] for a in answers] == ["pod/one created\n", "pod/two created\n"]
    assert sorted(a["undo"] for a in answers) == [1, 2]
    row = await LearnerCluster.objects.aget(learner=LEARNER)
    pods = set(json.loads(row.state)["pods"])
    assert row.commands == 2 and {"default/one", "default/two"} <= pods
    await send(second, action="open")
    opened = await receive(second)
    assert [h["command"] for h in opened["history"]] == ["kubectl apply -f -"] * 2
    await first.disconnect()
    await second.disconnect()


async def test_a_cluster_stored_by_another_version_restarts_on_opening() -> None:
    cookie = await session_cookie()
    await database_sync_to_async(LearnerCluster.objects.create)(
        learner=LEARNER, state='{"version": 0}', undo=['{"version": 0}'], commands=7)
    ws = await connect(cookie)
    await send(ws, action="open")
    opened = await receive(ws)
    assert (opened["type"], opened["history"], opened["undo"]) == ("console", [], 0)
    await send(ws, action="command", line="kubectl apply -f -", manifest=pod("web"))
    assert (await receive(ws))["output"] == "pod/web created\n"
    await ws.disconnect()
    row = await LearnerCluster.objects.aget(learner=LEARNER)
    assert json.loads(row.state)["version"] == 1 and len(row.undo) == 1


async def test_a_cluster_that_keeps_changing_elsewhere_answers_busy_and_keeps_the_socket(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ws = await connect()
    await send(ws, action="open")
    await receive(ws)
    real = cluster_work.run_command

    def raced(*args: Any, **kwargs: Any) -> Any:
        LearnerCluster.objects.update(updated_at=timezone.now())  # another process's write
        return real(*args, **kwargs)
    monkeypatch.setattr(cluster_work, "run_command", raced)
    await send(ws, action="command", line="kubectl apply -f -", manifest=pod("web"))
    refused = await receive(ws)
    assert (refused["type"], refused["code"]) == ("error", "busy"), refused
    monkeypatch.setattr(cluster_work, "run_command", real)
    await send(ws, action="command", line="kubectl get pods")
    assert (await receive(ws))["error"] == "No resources found in default namespace.\n"
    await ws.disconnect()
    row = await LearnerCluster.objects.aget()
    assert (row.commands, row.undo) == (0, [])
