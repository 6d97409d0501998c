"""Playback waits for a browser that does not read: through the real ASGI application, a client
that stops reading (acking or not) is sent about a window of frames, not the whole run, and one
that acks what it read gets the rest."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from sandbox_socket import connect, send

from sandbox import backpressure, consumers

pytestmark = [pytest.mark.django_db(transaction=True)]

# 300 failing replicas: 1 500 step frames and a result, about 1.4 MB in all.
BIG = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
       "  replicas: 300\n  selector: {matchLabels: {app: web}}\n  template:\n"
       "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
       "        - {name: web, image: \"nginx:no-such-tag\"}\n")


POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n" \
      "  - {name: web, image: nginx:1.25}\n"


async def receive(communicator: WebsocketCommunicator, timeout: float = 20) -> str:
    text: str = await communicator.receive_from(timeout=timeout)
    return text


async def queued(communicator: WebsocketCommunicator) -> list[str]:
    """Every frame the server has produced so far and the test has not read."""
    frames = []
    while not await communicator.receive_nothing(timeout=0.05):
        frames.append(await receive(communicator))
    return frames


async def start_big_run(communicator: WebsocketCommunicator) -> None:
    """Ask for BIG with every frame at once (`finish`), without reading anything."""
    await send(communicator, type="run", manifest=BIG, speed=16)
    await asyncio.sleep(0.6)  # evaluated and accepted by now
    await send(communicator, type="control", action="finish")


async def test_a_client_that_acks_then_stops_reading_is_sent_a_window_not_the_whole_run() -> None:
    socket = await connect()
    await send(socket, type="run", manifest=POD, speed=16)
    frames = [json.loads(await receive(socket))]
    while frames[-1]["type"] != "result":
        frames.append(json.loads(await receive(socket)))
    steps = [f for f in frames if f["type"] == "step"]
    # Acks are cumulative: a token every ACK_EVERY step frames (and on the last one and on the
    # result) is enough for the window, for a sixteenth of the acks to receive.
    tokens = [i for i, f in enumerate(steps) if "ack" in f]
    assert steps and tokens and tokens[-1] == len(steps) - 1 and frames[-1]["ack"]
    assert all(b - a <= consumers.ACK_EVERY for a, b in zip([-1, *tokens], tokens, strict=False))
    assert len(tokens) < len(steps) or len(steps) <= consumers.ACK_EVERY
    await send(socket, type="ack", ack=frames[-1]["ack"])  # a page that acks what it read
    await start_big_run(socket)
    await asyncio.sleep(1.0)  # not reading
    unread = await queued(socket)
    kinds = [json.loads(text)["type"] for text in unread]
    assert "result" not in kinds, "the server played the whole run to a client that read nothing"
    # The window holds step and result frames; `accepted` (bounded by construction, and carrying
    # the run's cluster snapshot) goes out before the playback it describes.
    sizes = [len(text.encode()) for text in unread if json.loads(text)["type"] != "accepted"]
    assert sum(sizes) <= backpressure.WINDOW_BYTES + max(sizes)
    # Acking what it read opens the window again, until the run is over.
    frames = unread
    while json.loads(frames[-1])["type"] != "result":
        acked = [json.loads(f)["ack"] for f in frames if "ack" in json.loads(f)]
        assert acked, "a window's worth of frames without an ack token could never be opened"
        await send(socket, type="ack", ack=acked[-1])
        frames = [await receive(socket)] + await queued(socket)
    await socket.disconnect()


async def test_a_client_that_never_acks_nor_reads_gets_a_generous_window_and_no_more() -> None:
    socket = await connect()
    started = asyncio.get_running_loop().time()  # the credit counts from the first frame sent
    await start_big_run(socket)  # fits in the window: today's page gets a big run at once
    await asyncio.sleep(0.6)
    await start_big_run(socket)
    await asyncio.sleep(1.0)
    elapsed = asyncio.get_running_loop().time() - started
    unread = await queued(socket)
    # `accepted` frames (bounded, before the playback they describe) are outside the window.
    unread = [text for text in unread if json.loads(text)["type"] != "accepted"]
    sizes = [len(text.encode()) for text in unread]
    allowed = (backpressure.LEGACY_WINDOW_BYTES
               + backpressure.LEGACY_READ_BYTES_PER_SECOND * elapsed + max(sizes))
    assert sum(sizes) <= allowed
    # Both runs are far bigger than what a client reading nothing is credited with in a second,
    # so the second cannot have played to its end (on a loaded machine `elapsed` grows, and with
    # it the credit: hence the check against the bytes rather than a fixed count of results).
    results = [text for text in unread if json.loads(text)["type"] == "result"]
    second = sum(size for text, size in zip(unread, sizes, strict=True)
                 if json.loads(text).get("run") == 2)
    if len(results) > 1:
        assert second <= allowed, "the second run played past what the client was credited"
    else:
        assert len(results) == 1
    await socket.disconnect()


async def test_an_ack_naming_no_frame_is_ignored_and_a_malformed_one_is_a_bad_message() -> None:
    socket = await connect()
    await send(socket, type="ack", ack="0123456789ab")
    await send(socket, type="ping")
    assert json.loads(await receive(socket))["type"] == "pong"  # no answer to the ack itself
    await send(socket, type="ack", ack=12)
    frame = json.loads(await receive(socket))
    assert (frame["type"], frame["code"]) == ("error", "bad_message")
    await socket.disconnect()


async def test_a_result_frame_bigger_than_the_window_does_not_stall_the_next_run() -> None:
    """A 300-pod run's result frame is about 840 KB, more than the 512 KiB window: it carries an
    ack token of its own, so a page that acks what it read gets the next run at once."""
    socket = await connect()

    async def play(manifest: str) -> list[dict[str, Any]]:
        await send(socket, type="run", manifest=manifest, speed=16)
        frames = [json.loads(await receive(socket))]
        if frames[0]["type"] == "accepted":
            await send(socket, type="control", action="finish")
        while frames[-1]["type"] not in ("result", "error"):
            frames.append(json.loads(await receive(socket, timeout=10)))
            if "ack" in frames[-1]:  # as the page does: ack the newest token read
                await send(socket, type="ack", ack=frames[-1]["ack"])
        return frames

    first = await play(BIG)
    assert first[-1]["type"] == "result"
    assert len(json.dumps(first[-1])) > backpressure.WINDOW_BYTES
    await asyncio.sleep(0.6)  # past the double-click guard
    second = await play(POD)
    assert [f["type"] for f in second][0] == "accepted" and second[-1]["type"] == "result"
    await socket.disconnect()
