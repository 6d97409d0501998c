"""With DEBUG off, after collectstatic, a page downloads each static module once, by its hashed
name, and the server tells the browser to keep it for good.

The pages preload modules by hashed names; the modules used to import each other by plain
names, so Chromium fetched the graph twice (23 requests instead of 14 on the sandbox page).
sandbox/storage.py rewrites the imports at collectstatic. The server is started as
`make workshop` starts it (scripts/workshop.py: DEBUG off, collectstatic, WhiteNoise).
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from browser_servers import free_port, serving
from playwright.sync_api import Page, Response, expect

START_TIMEOUT = 180.0  # a first start collects and compresses the static files
HASHED = re.compile(r"\.[0-9a-f]{12}(?=\.[a-z]+$)")
OUR_MODULES = ("/static/sandbox/", "/static/lessons/", "/static/vendor/codemirror/")


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`make workshop`'s server; yields its origin."""
    var = tmp_path_factory.mktemp("static-once")
    log = var / "workshop.log"
    names = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
             "SECURE_COOKIES", "DJANGO_SETTINGS_MODULE", "SILENCED_CHECKS")
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(LUNCHBOX_VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    command = [sys.executable, "scripts/workshop.py", "--bind", "127.0.0.1",
               "--port", str(free_port()), "--address", "127.0.0.1"]
    with serving(command, env, log, START_TIMEOUT) as url:
        yield url


def record(page: Page) -> list[Response]:
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    return responses


def static_scripts(responses: list[Response]) -> list[Response]:
    return [r for r in responses if urlsplit(r.url).path.startswith("/static/")
            and urlsplit(r.url).path.endswith((".js", ".mjs"))]


def assert_each_module_once(responses: list[Response]) -> None:
    scripts = static_scripts(responses)
    assert scripts, "no module was loaded"
    by_module = Counter(HASHED.sub("", urlsplit(r.url).path) for r in scripts)
    twice = {name: n for name, n in by_module.items() if n > 1}
    assert not twice, f"fetched more than once: {twice}"
    for response in scripts:
        path = urlsplit(response.url).path
        if path.startswith(OUR_MODULES):
            assert HASHED.search(path), f"{path} is fetched by its plain name"
            assert response.status == 200, path
            assert "immutable" in response.headers.get("cache-control", ""), path


def test_the_sandbox_page_fetches_each_module_once_by_its_hashed_name(
        page: Page, production_server: str) -> None:
    responses = record(page)
    page.goto(f"{production_server}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    page.wait_for_load_state("networkidle")
    assert_each_module_once(responses)
    paths = {HASHED.sub("", urlsplit(r.url).path) for r in static_scripts(responses)}
    assert {"/static/sandbox/sandbox.js", "/static/sandbox/dom.js",
            "/static/sandbox/socket.js", "/static/vendor/codemirror/codemirror.js"} <= paths


def test_a_lesson_page_fetches_each_module_once(page: Page,
                                                production_server: str) -> None:
    responses = record(page)
    page.goto(f"{production_server}/lessons/layers/")
    expect(page.locator("pre.mermaid svg").first).to_be_attached(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert_each_module_once(responses)
    paths = {HASHED.sub("", urlsplit(r.url).path) for r in static_scripts(responses)}
    assert "/static/lessons/lessons.js" in paths
