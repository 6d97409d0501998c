"""A learner's browser joins `make workshop` by the address it prints, as on the venue Wi-Fi.

The server is started as the Makefile starts it (scripts/workshop.py: DEBUG off, collectstatic,
WhiteNoise, SQLite in WAL mode), bound to a second loopback address and told that the machine's
address on the room's network is 192.168.1.10. Chromium is started with a host-resolver rule
that sends 192.168.1.10 to that loopback address, so the browser types the printed URL, sends
`Host: 192.168.1.10:<port>` and an `Origin` of that address, and nothing leaves the machine.
On that address the learner runs a challenge's solution over the websocket, and a reload (a
new page load on plain HTTP, where a `Secure` cookie would be dropped) still knows them.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from manifest_editor import fill_manifest, manifest_editor
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from ruamel.yaml import YAML

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
BIND = "127.0.0.2"
LAN_ADDRESS = "192.168.1.10"
START_TIMEOUT = 180.0  # a first start collects and compresses the static files
RUN_TIMEOUT_MS = 30_000
PRINTED = re.compile(r"Learners open:\s+(http://\S+)")
LESSON_FILE = REPO / "lessons" / "content" / "pull-policies.yaml"
CHALLENGE = "pull-policies/start-without-pulling"
ENVIRONMENT_NAMES = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
                     "SECURE_COOKIES", "DJANGO_SETTINGS_MODULE", "SILENCED_CHECKS")


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection(BIND, port, timeout=2)
    try:
        connection.request("GET", "/healthz", headers={"Host": f"{LAN_ADDRESS}:{port}"})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@pytest.fixture(scope="module")
def printed_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the workshop server; yield the address it printed for learners."""
    try:
        port = free_port(BIND)
    except OSError:
        pytest.skip(f"{BIND} cannot be bound here (only Linux routes all of 127.0.0.0/8)")
    var = tmp_path_factory.mktemp("workshop-by-address")
    log = var / "workshop.log"
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_NAMES}
    env.update(LUNCHBOX_VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "scripts/workshop.py", "--bind", BIND, "--port", str(port),
             "--address", LAN_ADDRESS],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(port):
            if process.poll() is not None:
                pytest.fail(f"the workshop exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the workshop did not answer in {START_TIMEOUT:.0f} s:\n"
                            f"{log.read_text()}")
            time.sleep(0.2)
        found = PRINTED.search(log.read_text())
        assert found, f"no address printed for learners:\n{log.read_text()}"
        yield found[1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def lan_browser() -> Iterator[Browser]:
    """Chromium that resolves the room's address to the server's loopback address."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update",
                  f"--host-resolver-rules=MAP {LAN_ADDRESS} {BIND}"])
        yield browser
        browser.close()


@pytest.fixture
def learner(lan_browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A fresh learner's page whose requests may only go to the room's address; yields the page
    and the URLs refused for going elsewhere."""
    context = lan_browser.new_context(viewport={"width": 1280, "height": 800})
    refused: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname == LAN_ADDRESS:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    page = context.new_page()
    yield page, refused
    context.close()


def shipped_solution() -> str:
    lesson: dict[str, Any] = YAML(typ="safe", pure=True).load(LESSON_FILE.read_text())
    (challenge,) = [c for c in lesson["challenges"] if c["slug"] == "start-without-pulling"]
    return str(challenge["solution"])


def test_the_printed_address_names_the_rooms_network_not_loopback(printed_address: str) -> None:
    assert urlsplit(printed_address).hostname == LAN_ADDRESS


def test_a_learner_joins_by_the_printed_address_runs_and_is_still_known_after_a_reload(
        learner: tuple[Page, list[str]], printed_address: str) -> None:
    page, refused = learner
    response = page.goto(printed_address)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "DEBUG = True" not in page.content()

    page.goto(f"{printed_address.rstrip('/')}/sandbox/?challenge={CHALLENGE}")
    # The socket's Origin is the room's address: the origin check lets the page's own in.
    expect(page.locator("#connection-state")).to_have_text("connected")
    fill_manifest(page, shipped_solution())
    page.select_option("#speed", "16")
    manifest_editor(page).focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#challenge")).to_have_attribute(
        "data-state", "complete", timeout=RUN_TIMEOUT_MS)

    cookies = {c["name"]: c for c in page.context.cookies()}
    session = [c for name, c in cookies.items() if "session" in name]
    assert session, f"no session cookie was kept: {sorted(cookies)}"
    assert not any(c["secure"] for c in session), "a Secure cookie is dropped on plain HTTP"

    page.reload()  # a new page load: the learner is the same learner
    page.goto(f"{printed_address.rstrip('/')}/lessons/pull-policies/")
    expect(page.locator("#challenge-start-without-pulling").get_by_text(
        "Solved (1 run)")).to_be_visible()
    assert refused == [], f"the page asked for something off the room's address: {refused}"
