"""The sandbox page in a real browser against the real server: run, narrate, diagram, errors."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from manifest_editor import fill_manifest, manifest_editor
from playwright.sync_api import Page, WebSocketRoute, expect

if TYPE_CHECKING:
    from conftest import LiveServer, NetworkLog

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 30_000

STARTER = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
"""

# Line 5 continues the plain scalar of line 4, and its colon is not allowed there.
BROKEN_YAML = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
   labels: broken
spec:
  containers:
    - name: web
      image: nginx:1.25
"""


def open_sandbox(page: Page, server: LiveServer) -> None:
    """Load the page and wait for its websocket, so a run is sent at once."""
    page.goto(f"{server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")


def choose_scenario(page: Page, slug: str) -> None:
    slugs = page.locator("#scenario option").evaluate_all("options => options.map(o => o.value)")
    if slug not in slugs:
        pytest.skip(f"scenario {slug!r} is not loaded (manage.py load_content); have {slugs}")
    page.select_option("#scenario", slug)


def run_with_keyboard(page: Page, manifest: str) -> None:
    fill_manifest(page, manifest)
    page.select_option("#speed", "16")
    manifest_editor(page).focus()
    page.keyboard.press("Control+Enter")


def test_two_nodes_run_lights_the_flow_and_lists_the_already_present_event(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_sandbox(page, sandbox_server)
    choose_scenario(page, "two-nodes")
    run_with_keyboard(page, STARTER)

    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#flow svg g.node[data-flow]").first).to_be_attached()
    expect(page.locator("#flow g.node.flow-visited").first).to_be_attached()
    expect(page.locator("#flow g.node.flow-visited[data-flow='cached']")).to_have_count(1)
    expect(page.locator("#flow g.node.flow-visited[data-flow='pull']")).to_have_count(0)
    expect(page.locator("#flow path.flow-taken[data-id^='L_cached_run_']")).to_have_count(1)
    expect(page.locator("#events table")).to_contain_text(
        'Container image "nginx:1.25" already present on machine'
    )
    expect(page.locator("#events thead").first).to_have_text(
        re.compile(r"Type\s*Reason\s*Age\s*From\s*Message")
    )
    expect(page.locator("#narration li").first).to_be_visible()
    expect(page.locator("#get-pods")).to_contain_text("web")
    expect(page.locator("#describe")).to_contain_text("Events:")
    expect(page.locator("#problems")).to_be_hidden()
    # docs/screenshot.png is taken mid-pull by test_cluster_playback.py (`make screenshot`).


def test_yaml_error_shows_its_position_and_moves_the_cursor_there(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_sandbox(page, sandbox_server)
    run_with_keyboard(page, BROKEN_YAML)

    problems = page.locator("#problems")
    expect(problems).to_be_visible(timeout=RUN_TIMEOUT_MS)
    position = problems.locator("button.problem-position").first
    expect(position).to_have_text(re.compile(r"^line 5, column \d+$"))
    expect(page.locator("#flow svg")).to_have_count(0)

    position.click()
    expect(manifest_editor(page)).to_be_focused()
    column = int(position.inner_text().rsplit(" ", 1)[1])
    cursor = sum(len(line) + 1 for line in BROKEN_YAML.split("\n")[:4]) + column - 1
    page.keyboard.type("@")  # lands where the cursor is
    typed = BROKEN_YAML[:cursor] + "@" + BROKEN_YAML[cursor:]
    expect(page.locator("#manifest")).to_have_value(typed)


def test_no_request_leaves_127_0_0_1(
    page: Page, sandbox_server: LiveServer, network: NetworkLog
) -> None:
    open_sandbox(page, sandbox_server)
    run_with_keyboard(page, STARTER)
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#flow svg")).to_have_count(1)

    # The guard saw the lazily loaded Mermaid chunks and the websocket, so it was really on.
    assert any("/static/vendor/mermaid/chunks/" in url for url in network.requested)
    assert any(url.startswith("ws://127.0.0.1:") for url in network.requested)
    assert network.refused == []


def test_pause_step_and_finish_drive_the_playback(page: Page, sandbox_server: LiveServer) -> None:
    open_sandbox(page, sandbox_server)
    fill_manifest(page, STARTER)
    page.select_option("#speed", "0.25")
    page.click("#run")
    pause = page.locator("#pause")
    expect(pause).to_be_enabled()  # the run was accepted
    expect(pause).to_have_text("Pause")
    pause.click()
    expect(pause).to_have_text("Play")  # the label says what a press does
    expect(page.locator("#step")).to_be_enabled()

    page.click("#step")  # at the newest frame, Step forward asks the server for the next one
    expect(page.locator("#narration li")).not_to_have_count(0)
    expect(page.locator("#results")).to_be_hidden()

    page.click("#finish")
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#run-status")).to_have_text("finished")
    expect(page.locator("#finish")).to_be_disabled()
    expect(pause).to_have_text("Play")  # now a replay of the stored steps
    expect(pause).to_be_enabled()
    assert page.locator("#narration li").count() > 1


def test_page_reconnects_when_the_socket_drops(page: Page, sandbox_server: LiveServer) -> None:
    attempts: list[str] = []

    def drop_the_first(websocket: WebSocketRoute) -> None:
        attempts.append(websocket.url)
        if len(attempts) == 1:
            websocket.close()
        else:
            websocket.connect_to_server()

    page.route_web_socket(re.compile(r"/ws/sandbox/$"), drop_the_first)
    page.goto(f"{sandbox_server.url}/sandbox/")

    # The first socket may look open for a moment before it drops: wait for the second one.
    for _ in range(100):
        if len(attempts) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(attempts) == 2
    expect(page.locator("#connection-state")).to_have_text("connected")
    run_with_keyboard(page, STARTER)
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)


def test_vendored_mermaid_is_served_as_javascript(page: Page, sandbox_server: LiveServer) -> None:
    entry = page.request.get(f"{sandbox_server.url}/static/vendor/mermaid/mermaid.esm.min.mjs")
    assert entry.status == 200, "run `npm ci && node scripts/vendor.mjs` first"
    assert "javascript" in entry.headers["content-type"]
    chunk = re.search(r'"\./(chunks/mermaid\.esm\.min/[\w-]+\.mjs)"', entry.text())
    assert chunk is not None
    assert page.request.get(f"{sandbox_server.url}/static/vendor/mermaid/{chunk[1]}").status == 200


def test_page_has_no_cdn_or_inline_server_markup(page: Page, sandbox_server: LiveServer) -> None:
    open_sandbox(page, sandbox_server)
    html = page.content()
    assert re.search(r"(src|href)=\"https?://", html) is None
    sandbox = page.locator("#sandbox")
    expect(sandbox).to_have_attribute("data-ws-path", "/ws/sandbox/")
    expect(sandbox).to_have_attribute("data-mermaid-src", re.compile(r"^/static/vendor/mermaid/"))
    expect(page.locator("#narration-live")).to_have_attribute("aria-live", "polite")
    expect(manifest_editor(page)).to_contain_text("kind: Pod")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (-0.5, "0s"),
        (59, "59s"),
        (119, "119s"),
        (125, "2m5s"),
        (180, "3m"),
        (1500, "25m"),
        (9000, "150m"),
        (11100, "3h5m"),
        (14400, "4h"),
        (72000, "20h"),
        (273600, "3d4h"),
        (259200, "3d"),
    ],
)
def test_event_ages_follow_kubectl_human_duration(
    page: Page, sandbox_server: LiveServer, seconds: float, shown: str
) -> None:
    page.goto(f"{sandbox_server.url}/healthz")
    result = page.evaluate(
        "async ([src, s]) => (await import(src)).humanDuration(s)",
        [f"{sandbox_server.url}/static/sandbox/events.js", seconds],
    )
    assert result == shown


def test_a_large_failing_deployment_still_gets_its_result_through_real_daphne(
    page: Page, sandbox_server: LiveServer
) -> None:
    # The whole result of 40 failing replicas is several MiB; daphne refuses to send a message
    # over 1 MiB without a word, so the server must trim it.
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
        "  replicas: 40\n  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
        "        - {name: web, image: \"nginx:no-such-tag\"}\n")
    open_sandbox(page, sandbox_server)
    choose_scenario(page, "two-nodes")
    run_with_keyboard(page, manifest)
    page.click("#finish")
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS * 2)
    expect(page.locator("#get-pods")).to_contain_text("ImagePullBackOff")
