"""A sandbox websocket through the real ASGI application, for the consumer tests."""

from __future__ import annotations

import json
from typing import Any

from channels.testing import WebsocketCommunicator

from sandbox.asgi import application

ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


async def connect() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def send(communicator: WebsocketCommunicator, **message: Any) -> None:
    await communicator.send_to(text_data=json.dumps({"version": 1, **message}))
