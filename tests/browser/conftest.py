"""Fixtures for browser tests: a real daphne serving the app, and Debian's headless Chromium.

pytest-django's live_server speaks WSGI only, so the app runs in a daphne subprocess with its own
SQLite file; Playwright drives /usr/bin/chromium (`playwright install` cannot download here).
Every page refuses requests that would leave 127.0.0.1 and records them, so a test can assert
that the sandbox works offline, as it must at a workshop.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, WebSocket, sync_playwright

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1"}
# Schemes that never touch the network.
LOCAL_SCHEMES = {"data", "blob", "about"}
SERVER_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:<port>, no trailing slash
    log: Path


@dataclass
class NetworkLog:
    """Every URL a page asked for, and the ones refused for leaving 127.0.0.1."""

    requested: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def prepare_database(env: dict[str, str]) -> None:
    """Migrate, then load the shipped course (lessons/content/): the challenge tests need it."""
    migrated = manage(["migrate", "--run-syncdb", "--noinput"], env)
    if migrated.returncode != 0:
        pytest.fail(f"manage.py migrate failed:\n{migrated.stdout}\n{migrated.stderr}")
    loaded = manage(["load_content"], env)
    if loaded.returncode != 0:
        pytest.fail(f"manage.py load_content failed:\n{loaded.stdout}\n{loaded.stderr}")


def wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"daphne exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"daphne did not answer {url}/healthz in {SERVER_START_TIMEOUT:.0f} s:\n{log.read_text()}"
    )


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real ASGI app (HTTP and websockets) on a free local port, with a fresh database.

    Not named `live_server`: pytest-django would then set up its own (WSGI) server and test
    database for every test using it.
    """
    directory = tmp_path_factory.mktemp("live-server")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{directory / 'lunchbox.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    prepare_database(env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = directory / "daphne.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "sandbox.asgi:application",
            ],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(process, url, log)
        yield LiveServer(url=url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Module scope: Playwright's sync API keeps an event loop running in the main thread while it
# is open, which would stop pytest-asyncio's tests in later folders (tests/scale) from running.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def network() -> NetworkLog:
    return NetworkLog()


@pytest.fixture
def context(browser: Browser, network: NetworkLog) -> Iterator[BrowserContext]:
    """A fresh 1280x800 browser profile whose requests may only go to 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})

    def guard(route: Route) -> None:
        url = route.request.url
        network.requested.append(url)
        if is_local(url):
            route.continue_()
        else:
            network.refused.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, network: NetworkLog) -> Iterator[Page]:
    page = context.new_page()

    # Websockets bypass context.route, so they are checked as the page opens them.
    def record_websocket(websocket: WebSocket) -> None:
        network.requested.append(websocket.url)
        if not is_local(websocket.url):
            network.refused.append(websocket.url)

    page.on("websocket", record_websocket)
    yield page
    page.close()
