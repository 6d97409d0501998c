"""Hostile input whose problems quote it back, over the real websocket: a 100 KB image or object
name, thousands of long unknown fields, a scenario with 10 000 bad node images, escapes that
make JSON six times longer. Each answer is one `error` frame under 4 KB that says how many
problems it leaves out, and the socket still answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from lessons.models import Scenario
from sandbox.asgi import application
from sandbox.engine import ManifestError, load_paste, load_scenario
from sandbox.protocol import ERROR_FRAME_BYTES

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


def pod(name: str = "web", image: str = "nginx:1.25", extra: str = "") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n{extra}spec:\n"
            f"  containers:\n  - name: web\n    image: {image}\n")


UNKNOWN_FIELDS = pod(extra="".join(f"  {'x' * 900}{i}: 1\n" for i in range(250)))
BAD_NODE_IMAGES = ("name: x\nnodes:\n  - name: n1\n    images:\n"
                   + "".join(f"      - 'BAD{i}!'\n" for i in range(10_000)))
LONG_NODE_IMAGE = "name: x\nnodes:\n  - name: n1\n    images:\n      - " + "a" * 10_000 + "\n"


def problem_count(call: Any, text: str) -> int:
    with pytest.raises(ManifestError) as caught:
        call(text)
    return len(caught.value.problems)


async def error_for(message: dict[str, Any], code: str) -> tuple[str, dict[str, Any]]:
    """Send one message on a fresh socket; return the error frame's text and the frame, after
    checking that the socket still answers a ping."""
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data=json.dumps({"version": 1, **message}))
    text = await communicator.receive_from(timeout=30)
    frame: dict[str, Any] = json.loads(text)
    assert (frame["type"], frame["code"]) == ("error", code), frame
    await communicator.send_to(text_data=json.dumps({"version": 1, "type": "ping"}))
    assert json.loads(await communicator.receive_from(timeout=10))["type"] == "pong"
    await communicator.disconnect()
    return text, frame


def assert_small(text: str) -> None:
    assert len(text.encode()) <= ERROR_FRAME_BYTES, len(text.encode())


def shown_and_more(frame: dict[str, Any]) -> tuple[int, int]:
    """How many problems the frame shows, and how many it says it leaves out."""
    problems = frame["problems"]
    last = problems[-1]["message"] if problems else ""
    if last.startswith("… and ") and last.endswith(" more problems"):
        return len(problems) - 1, int(last.removeprefix("… and ").removesuffix(" more problems"))
    return len(problems), 0


@pytest.mark.parametrize("manifest", [
    pod(image="a" * 100_000),
    pod(image="registry.company.com/" + "a/" * 50_000 + "b"),
    pod(name="a" * 100_000),
    pod(name="\U0001f600" * 20_000),  # each one is 12 bytes of JSON escapes
    pod(name="\"\\" * 50_000),
], ids=["image-100k", "image-100k-path", "name-100k", "name-emoji-20k", "name-escapes-100k"])
async def test_a_giant_name_is_refused_in_an_error_frame_under_4_kb(manifest: str) -> None:
    text, frame = await error_for({"type": "run", "manifest": manifest}, "invalid_manifest")
    assert_small(text)
    assert frame["problems"] and frame["problems"][0]["message"]


async def test_thousands_of_long_unknown_fields_keep_a_few_and_count_the_rest() -> None:
    text, frame = await error_for({"type": "run", "manifest": UNKNOWN_FIELDS}, "invalid_manifest")
    assert_small(text)
    shown, more = shown_and_more(frame)
    assert shown >= 1 and more >= 1
    assert shown + more == problem_count(load_paste, UNKNOWN_FIELDS)


@pytest.mark.parametrize("source", [BAD_NODE_IMAGES, LONG_NODE_IMAGE],
                         ids=["10k-bad-node-images", "node-image-10k-chars"])
async def test_a_scenario_with_giant_problems_is_refused_in_an_error_frame_under_4_kb(
        source: str) -> None:
    await Scenario.objects.acreate(slug="broken", title="Broken", source=source)
    text, frame = await error_for({"type": "run", "manifest": pod(), "scenario": "broken"},
                                  "invalid_scenario")
    assert_small(text)
    shown, more = shown_and_more(frame)
    assert shown >= 1 and shown + more == problem_count(load_scenario, source)


async def test_a_build_with_a_giant_dockerfile_line_is_refused_in_an_error_frame_under_4_kb(
) -> None:
    build = {"dockerfile": "FROM python:3.12-slim\n" + "".join(
        f"BOGUS {'x' * 1000}{i}\n" for i in range(60))}
    text, frame = await error_for({"type": "run", "manifest": pod(), "build": build},
                                  "invalid_build")
    assert_small(text)
    assert frame["problems"][0]["line"] == 2


async def test_giant_unknown_build_fields_are_named_briefly() -> None:
    build = {"dockerfile": "FROM scratch\n", **{"f" * 10_000 + str(i): 1 for i in range(20)}}
    text, frame = await error_for({"type": "run", "manifest": pod(), "build": build},
                                  "bad_message")
    assert_small(text)
    assert len(frame["message"]) < 200
