"""Each hostile paste sent as a run over the real websocket: an `accepted` or a domain `error`
frame comes back (never the `internal` one that means a bug), and the socket still answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from hostile_corpus import PASTES, Case

from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]
# What a learner's paste may be refused with (docs/protocol.md); `internal` is a bug of ours.
DOMAIN_ERRORS = {"invalid_manifest", "too_large"}


def _not_json(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON: a browser's JSON.parse refuses the frame")


async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    text = await communicator.receive_from(timeout=30)
    frame: dict[str, Any] = json.loads(text, parse_constant=_not_json)
    return frame


async def send(communicator: WebsocketCommunicator, **message: Any) -> None:
    await communicator.send_to(text_data=json.dumps({"version": 1, **message},
                                                    allow_nan=False))


@pytest.mark.parametrize("case", [c for c in PASTES if isinstance(c.text, str)],
                         ids=lambda c: c.id)
async def test_a_hostile_paste_gets_accepted_or_a_domain_error_and_the_socket_answers_ping(
    case: Case,
) -> None:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    await send(communicator, type="run", manifest=case.text, speed=16)
    first = await receive(communicator)
    if case.expected is None:
        assert first["type"] == "accepted", first
        await send(communicator, type="control", action="finish")
        frame = first
        while frame["type"] != "result":
            frame = await receive(communicator)
            assert frame["type"] in ("step", "result"), frame
    else:
        assert first["type"] == "error", first
        assert first["code"] in DOMAIN_ERRORS, first
        if first["code"] == "invalid_manifest":
            problem = first["problems"][0]
            assert problem["message"].startswith(case.expected.fragment), problem
            assert (problem["line"], problem["column"]) == (case.expected.line,
                                                            case.expected.column)
    await send(communicator, type="ping")
    assert (await receive(communicator))["type"] == "pong"
    await communicator.disconnect()
