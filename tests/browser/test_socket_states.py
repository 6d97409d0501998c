"""What the page shows about its socket (static/sandbox/socket.js, busy.js): a paste so big that
daphne closes the socket (code 1009) is reported as too large, not as an interrupted run; and a
lint or console message waiting for its answer marks its controls busy (aria-busy) until the
answer comes.

The too-large test starts the server as `make run` does (sandbox/serve.py: plain daphne drops
the TCP connection instead, which a browser sees as 1006), with a 1 MiB limit instead of 4 MiB
so the paste that passes it is quick to type. The busy tests hold the real server's answers in a
websocket route, as a slow network would, so the waiting state can be seen without a race.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from browser_servers import free_port, manage, serving
from manifest_editor import fill_manifest
from playwright.sync_api import Page, WebSocketRoute, expect

if TYPE_CHECKING:
    from conftest import LiveServer

BIG_PASTE = "# " + "x" * (1536 * 1024) + "\n"


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`make run`'s server (python -m sandbox.serve) with a 1 MiB websocket message limit."""
    directory = tmp_path_factory.mktemp("guarded")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{directory / 'lunchbox.sqlite3'}", "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    manage(["migrate", "--noinput"], env)
    manage(["load_content"], env)
    limit = str(1024 * 1024)
    command = [sys.executable, "-m", "sandbox.serve", "-b", "127.0.0.1", "-p", str(free_port()),
               "--websocket-max-message-size", limit, "--websocket-max-frame-size", limit,
               "sandbox.asgi:application"]
    log = directory / "server.log"
    with serving(command, env, log, 60.0) as url:
        yield url


def test_a_paste_daphne_closes_the_socket_on_is_reported_too_large(
        page: Page, guarded_server: str) -> None:
    page.goto(f"{guarded_server}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    fill_manifest(page, BIG_PASTE)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("#problems-message")).to_contain_text("too large for the server")
    expect(page.locator("#connection-state")).to_have_text("connected", timeout=20_000)
    expect(page.locator("#run-status")).not_to_have_text("interrupted")


class HeldAnswers:
    """The page's socket, routed through to the real server; answers of one type are held back
    while `holding` names it, and let through by `release`."""

    def __init__(self, page: Page) -> None:
        self.holding: str | None = None
        self.held: list[str] = []
        self.route: WebSocketRoute | None = None
        page.route_web_socket("**/ws/sandbox/", self.connect)

    def connect(self, route: WebSocketRoute) -> None:
        self.route = route
        server = route.connect_to_server()

        def from_server(message: str | bytes) -> None:
            text = message if isinstance(message, str) else message.decode()
            if self.holding and f'"type": "{self.holding}"' in text.replace('":"', '": "'):
                self.held.append(text)
            else:
                route.send(message)

        server.on_message(from_server)

    def release(self, page: Page) -> None:
        for _ in range(300):  # the answer is on its way from the server
            if self.held:
                break
            page.wait_for_timeout(100)  # lets Playwright deliver the server's frames meanwhile
        assert self.route is not None and self.held, "an answer was held"
        self.holding = None
        for text in self.held:
            self.route.send(text)
        self.held.clear()


def test_the_console_is_busy_while_a_command_waits_for_its_answer(
        page: Page, sandbox_server: LiveServer) -> None:
    answers = HeldAnswers(page)
    page.goto(f"{sandbox_server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    send = page.get_by_role("button", name="Send", exact=True)
    output = page.get_by_role("log", name="Console output")
    expect(send).not_to_have_attribute("aria-busy", "true")  # the console's `open` is answered
    answers.holding = "console"
    page.get_by_role("textbox", name="Command").fill("kubectl get pods")
    send.click()
    expect(send).to_have_attribute("aria-busy", "true")
    expect(output).to_have_attribute("aria-busy", "true")
    answers.release(page)
    expect(output).to_contain_text("$ kubectl get pods")
    expect(send).not_to_have_attribute("aria-busy", "true")
    expect(output).not_to_have_attribute("aria-busy", "true")


def test_the_lint_status_is_busy_while_a_lint_waits_for_its_answer(
        page: Page, sandbox_server: LiveServer) -> None:
    answers = HeldAnswers(page)
    page.goto(f"{sandbox_server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    status = page.locator("#manifest-lint")
    expect(status).not_to_have_attribute("aria-busy", "true")
    answers.holding = "lint"
    fill_manifest(page, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n"
                        "  containers:\n  - name: web\n    image: nginx:1.27\n")
    expect(status).to_have_attribute("aria-busy", "true")
    answers.release(page)
    expect(status).not_to_have_attribute("aria-busy", "true")
    expect(status).to_have_text("No problems found.")
