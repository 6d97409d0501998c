"""The page acknowledges the step frames it reads (docs/protocol.md `ack`), so the server's
back-pressure window holds it to what it has read, not to the guess made for old clients."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import Page, WebSocket, expect

if TYPE_CHECKING:
    from conftest import LiveServer


def test_the_page_acks_the_newest_step_frame_it_read(page: Page,
                                                     sandbox_server: LiveServer) -> None:
    received: list[str] = []
    sent: list[str] = []

    def watch(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: received.append(str(payload)))
        socket.on("framesent", lambda payload: sent.append(str(payload)))

    page.on("websocket", watch)
    page.goto(f"{sandbox_server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#get-pods")).to_contain_text("Running", timeout=20_000)
    tokens = [json.loads(f).get("ack") for f in received if '"ack"' in f]

    def acks() -> list[str]:
        return [json.loads(f)["ack"] for f in sent if '"type": "ack"' in f or '"type":"ack"' in f]

    # The page coalesces acks for 50 ms: the result frame's token is acked just after it shows.
    for _ in range(50):
        if tokens[-1:] and tokens[-1] in acks():
            break
        page.wait_for_timeout(100)
    assert tokens and acks(), (len(tokens), len(acks()))
    assert set(acks()) <= set(tokens) and len(acks()) <= len(tokens)
    assert tokens[-1] in acks(), "the newest token (the result frame's) was never acked"
