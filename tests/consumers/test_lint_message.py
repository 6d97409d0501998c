"""The editor's `lint` message through the real ASGI application: the paste's problems at their
line and column, its warnings when it loads, its `seq` echoed, nothing run, every answer
bounded, and hostile text answered without breaking the socket."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from sandbox import protocol
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]
SECRETS_UNDER_THE_CONTAINER = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.company.com/webapp:v3
      imagePullSecrets:
        - name: regcred
"""
POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n" \
      "  - {name: web, image: nginx:1.25}\n"


async def connect() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def ask(communicator: WebsocketCommunicator, text: str | None = None,
              **message: Any) -> dict[str, Any]:
    """Send one message (or raw `text`) and return the frame that answers it."""
    await communicator.send_to(text_data=text if text is not None else json.dumps(
        {"version": 1, **message}))
    frame: dict[str, Any] = json.loads(await communicator.receive_from(timeout=20))
    return frame


async def test_a_container_level_image_pull_secrets_is_a_problem_at_its_line_and_column() -> None:
    ws = await connect()
    frame = await ask(ws, type="lint", manifest=SECRETS_UNDER_THE_CONTAINER, scenario=None, seq=7)
    assert (frame["type"], frame["seq"]) == ("lint", 7)
    positioned = [p for p in frame["problems"] if p["line"] == 9]
    assert positioned == [{
        "message": 'strict decoding error: unknown field "spec.containers[0].imagePullSecrets"',
        "line": 9, "column": 7, "path": "spec.containers[0].imagePullSecrets",
        "severity": "error", "hint": positioned[0]["hint"]}]
    assert "belongs to the pod spec" in positioned[0]["hint"]
    await ws.disconnect()


async def test_a_paste_that_loads_gets_its_warnings_and_nothing_runs() -> None:
    ws = await connect()
    secret = "kubectl create secret docker-registry regcred --docker-username=me " \
             "--docker-password=hunter2\n"
    frame = await ask(ws, type="lint", manifest=secret, seq=1)
    assert [(p["severity"], p["line"]) for p in frame["problems"]] == [("warning", 1)]
    assert frame["problems"][0]["message"].startswith("no --docker-server")
    clean = await ask(ws, type="lint", manifest=POD, seq=2)
    assert (clean["seq"], clean["problems"]) == (2, [])
    # No accepted or step frame was queued before this answer: the lints ran nothing.
    assert (await ask(ws, type="ping"))["type"] == "pong"
    await ws.disconnect()


async def test_thousands_of_problems_come_back_bounded() -> None:
    ws = await connect()
    fields = "".join(f"  {'x' * 900}{i}: 1\n" for i in range(250))  # unknown, and long
    manifest = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n{fields}spec: {{}}\n"
    frame = await ask(ws, type="lint", manifest=manifest, seq=None)
    assert frame["seq"] is None
    assert len(frame["problems"]) <= protocol.ERROR_PROBLEMS + 1
    assert all(len(p["message"]) <= protocol.ERROR_TEXT + 1 for p in frame["problems"])
    assert any(p["message"].endswith("…") for p in frame["problems"])  # cut, not dropped
    assert all(len(p["path"] or "") <= protocol.ERROR_TEXT + 1 for p in frame["problems"])
    await ws.disconnect()


@pytest.mark.parametrize("manifest", [
    "[" * 10_000,  # nesting
    "a: &a [x, x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1 if i else ''}, *a{i - 1 if i else ''}]\n"
                               for i in range(40)),  # aliases doubling: a billion laughs
    POD + "\x00",
    POD + "# \ud800\n",  # a lone surrogate, as JSON can carry it
    "---\n" * 500,
    "",
], ids=["nesting-10k", "alias-doubling", "nul", "lone-surrogate", "500-documents", "empty"])
async def test_hostile_text_is_answered_with_its_problems_and_the_socket_still_answers(
    manifest: str,
) -> None:
    ws = await connect()
    frame = await ask(ws, type="lint", manifest=manifest, seq=3)
    assert (frame["type"], frame["seq"]) == ("lint", 3), frame
    assert frame["problems"] and frame["problems"][0]["severity"] == "error"
    assert (await ask(ws, type="ping"))["type"] == "pong"
    await ws.disconnect()


async def test_a_huge_manifest_is_refused_with_an_error_frame_and_the_socket_stays_open() -> None:
    ws = await connect()
    huge = POD + "# " + "x" * (400 * 1024) + "\n"
    frame = await ask(ws, type="lint", manifest=huge, seq=1)
    assert (frame["type"], frame["code"]) == ("error", "too_large")
    assert (await ask(ws, type="lint", manifest=POD, seq=2))["problems"] == []
    await ws.disconnect()


@pytest.mark.parametrize("message", [
    {"type": "lint", "manifest": 42, "seq": 1},
    {"type": "lint", "seq": 1},
    {"type": "lint", "manifest": POD, "seq": "1"},
    {"type": "lint", "manifest": POD, "seq": True},
    {"type": "lint", "manifest": POD, "seq": -1},
    {"type": "lint", "manifest": POD, "seq": 2**53},
    {"type": "lint", "manifest": POD, "scenario": ["two-nodes"]},
])
async def test_a_malformed_lint_is_a_bad_message(message: dict[str, Any]) -> None:
    ws = await connect()
    frame = await ask(ws, **message)
    assert (frame["type"], frame["code"]) == ("error", "bad_message")
    await ws.disconnect()
