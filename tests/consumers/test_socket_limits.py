"""What one socket, and one client address, may ask for, through the real ASGI application:
runs are limited by token buckets that no control message refills, a refused run costs
nothing, console commands and lints have buckets of their own, and a socket that went away
has nothing evaluated for it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from lessons.progress import ROOM_GROUP
from sandbox import fairness, limits
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
"""
TYPO = POD.replace("containers:", "containerz:")
BIG = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
       "  replicas: 300\n  selector: {matchLabels: {app: web}}\n  template:\n"
       "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
       "        - {name: web, image: \"nginx:no-such-tag\"}\n")


async def connect(address: str | None = None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=[ORIGIN])
    if address is not None:  # as daphne fills it in; the application has not started yet
        communicator.scope["client"] = [address, 50000]
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def send(communicator: WebsocketCommunicator, **message: Any) -> None:
    await communicator.send_to(text_data=json.dumps({"version": 1, **message}))


async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    return json.loads(await communicator.receive_from(timeout=20))


async def answer(communicator: WebsocketCommunicator) -> dict[str, Any]:
    """The next frame that is not a step of a run still playing."""
    while (frame := await receive(communicator))["type"] in ("step", "result"):
        pass
    return frame


async def run_and_finish(communicator: WebsocketCommunicator, manifest: str = POD) -> str:
    """Send a run; if accepted, `finish` it and read up to its result. Returns the answer:
    "accepted" or the error code."""
    await send(communicator, type="run", manifest=manifest, speed=16)
    frame = await answer(communicator)
    if frame["type"] != "accepted":
        assert frame["type"] == "error", frame
        return str(frame["code"])
    await send(communicator, type="control", action="finish")
    while (await receive(communicator))["type"] != "result":
        pass
    return "accepted"


def loop_time() -> float:
    return asyncio.get_running_loop().time()


async def test_finish_after_each_run_does_not_reset_the_run_limit() -> None:
    socket = await connect()
    started = loop_time()
    answers = [await run_and_finish(socket) for _ in range(30)]
    elapsed = loop_time() - started
    accepted = answers.count("accepted")
    assert accepted <= limits.RUN_BURST + elapsed / limits.RUN_SECONDS + 1, (elapsed, answers)
    assert set(answers) == {"accepted", "busy"}
    await send(socket, type="ping")  # refused runs leave the socket usable
    assert (await receive(socket))["type"] == "pong"
    await socket.disconnect()


async def test_a_run_refused_as_an_invalid_manifest_costs_nothing() -> None:
    socket = await connect()
    for _ in range(3 * limits.RUN_BURST):
        assert await run_and_finish(socket, TYPO) == "invalid_manifest"
    # The typo fixed, the learner runs again at once, and is not told `busy`.
    assert await run_and_finish(socket) == "accepted"
    await socket.disconnect()


async def test_sockets_from_one_address_share_its_run_limit_and_others_are_not_held_up(
        settings: Any) -> None:
    settings.LUNCHBOX_ADDRESS_RUNS_PER_MINUTE = 24  # a burst of 2, then one run per 2.5 s
    sockets = [await connect("10.1.1.1") for _ in range(3)]
    started = loop_time()
    answers = [await run_and_finish(s) for s in sockets for _ in range(2)]
    elapsed = loop_time() - started
    assert answers.count("accepted") <= 2 + elapsed / 2.5 + 1, (elapsed, answers)
    assert "busy" in answers
    other = await connect("10.2.2.2")
    assert await run_and_finish(other) == "accepted"
    for socket in [*sockets, other]:
        await socket.disconnect()


async def test_console_commands_and_lints_have_a_bucket_per_socket() -> None:
    socket = await connect()
    await send(socket, type="console", action="open")
    assert (await receive(socket))["type"] == "console"
    started = loop_time()
    answers = []
    for _ in range(limits.CONSOLE_BURST + 25):
        await send(socket, type="console", action="command", line="kubectl get pods")
        frame = await receive(socket)
        answers.append(frame["type"] if frame["type"] == "console" else frame["code"])
    elapsed = loop_time() - started
    assert "busy" in answers
    assert answers.count("console") <= (limits.CONSOLE_BURST - 1 + elapsed / limits.CONSOLE_SECONDS
                                        + 1), (elapsed, answers)
    started = loop_time()
    lints = []
    for seq in range(20):
        await send(socket, type="lint", manifest=POD, seq=seq)
        frame = await receive(socket)
        lints.append(frame["type"] if frame["type"] == "lint" else frame["code"])
    elapsed = loop_time() - started
    assert "busy" in lints
    assert lints.count("lint") <= limits.LINT_BURST + elapsed / limits.LINT_SECONDS + 1
    await socket.disconnect()


async def room_updates() -> tuple[Any, str]:
    """A channel in the board's group, to see whether a run was reported."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(ROOM_GROUP, channel)
    return layer, channel


async def nothing_reported(layer: Any, channel: str) -> bool:
    try:
        await asyncio.wait_for(layer.receive(channel), timeout=0.5)
    except TimeoutError:
        return True
    return False


async def test_a_run_queued_by_a_socket_that_went_away_is_never_evaluated() -> None:
    layer, channel = await room_updates()
    socket = await connect("10.3.3.3")
    scheduler = fairness.scheduler()
    async with scheduler.turn("10.9.9.1"), scheduler.turn("10.9.9.2"):  # both slots busy
        await send(socket, type="run", manifest=POD, speed=16)
        await asyncio.sleep(0.2)  # the run now waits for a slot
        await socket.send_input({"type": "websocket.disconnect", "code": 1001})
        await asyncio.sleep(0.1)
    # Slots free again: an evaluation would send `accepted` and report to the board.
    assert await socket.receive_nothing(timeout=0.5)
    assert await nothing_reported(layer, channel)
    assert scheduler.busy() == 0 and not scheduler.waiting


async def test_an_evaluation_whose_socket_goes_away_is_neither_played_nor_recorded() -> None:
    layer, channel = await room_updates()
    socket = await connect("10.4.4.4")
    await send(socket, type="run", manifest=BIG, speed=16)  # about 0.2 s to evaluate
    await asyncio.sleep(0.05)
    await socket.send_input({"type": "websocket.disconnect", "code": 1001})
    assert await socket.receive_nothing(timeout=1.0)
    assert await nothing_reported(layer, channel)
    await asyncio.sleep(0.5)  # the abandoned thread ends and gives its slot back
    assert fairness.scheduler().busy() == 0
