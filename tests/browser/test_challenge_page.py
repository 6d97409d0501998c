"""Challenge mode and the editor's memory, in a real browser against the real server.

The challenge is the shipped `pull-policies/start-without-pulling` (lessons/content/), loaded by
the `sandbox_server` fixture; its starter and solution are read from that file, not copied.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from manifest_editor import fill_manifest, manifest_editor
from playwright.sync_api import Page, WebSocket, expect
from ruamel.yaml import YAML

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

LESSON_FILE = Path(__file__).resolve().parents[2] / "lessons" / "content" / "pull-policies.yaml"
RUN_TIMEOUT_MS = 30_000
CHALLENGE = "pull-policies/start-without-pulling"

LATEST_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
"""


def shipped_lesson() -> dict[str, Any]:
    return dict(YAML(typ="safe", pure=True).load(LESSON_FILE.read_text()))


def shipped_challenge() -> dict[str, Any]:
    lesson = shipped_lesson()
    (challenge,) = [c for c in lesson["challenges"] if c["slug"] == "start-without-pulling"]
    return dict(challenge)


def lesson_sandbox_manifest() -> str:
    """The ```sandbox block of the shipped lesson, as the lesson page hands it over."""
    lesson = shipped_lesson()
    match = re.search(r"```sandbox\n(.*?)```", lesson["body"], re.DOTALL)
    assert match is not None
    return match[1].rstrip() + "\n"


def open_page(page: Page, server: LiveServer, query: str = "") -> None:
    page.goto(f"{server.url}/sandbox/{query}")
    expect(page.locator("#connection-state")).to_have_text("connected")


def run(page: Page, manifest: str | None = None) -> None:
    if manifest is not None:
        fill_manifest(page, manifest)
    page.select_option("#speed", "16")
    manifest_editor(page).focus()
    page.keyboard.press("Control+Enter")


def record_run_frames(page: Page) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    def on_websocket(websocket: WebSocket) -> None:
        def on_frame(payload: str | bytes) -> None:
            frame = json.loads(payload)
            if frame.get("type") == "run":
                sent.append(frame)

        websocket.on("framesent", on_frame)

    page.on("websocket", on_websocket)
    return sent


def test_starter_fails_its_goals_and_the_solution_completes_the_challenge(
    page: Page, sandbox_server: LiveServer
) -> None:
    challenge = shipped_challenge()
    sent = record_run_frames(page)
    open_page(page, sandbox_server, f"?challenge={CHALLENGE}")

    expect(page.locator("h1")).to_have_text(challenge["title"])
    expect(page.locator(".challenge-prompt code").first).to_have_text("Always")
    expect(page.locator("#scenario")).to_have_value("two-nodes")
    expect(page.locator("#manifest")).to_have_value(challenge["starter_manifest"])
    goals = page.locator("#goals li")
    expect(goals).to_have_count(3)
    expect(goals.nth(1)).to_contain_text("no image is pulled from a registry")
    expect(goals.nth(1).locator(".goal-state")).to_have_text("not checked yet")

    run(page)
    section = page.locator("#challenge")
    expect(section).to_have_attribute("data-state", "incomplete", timeout=RUN_TIMEOUT_MS)
    no_pulls = goals.filter(has_text="no image is pulled from a registry")
    expect(no_pulls).to_have_attribute("data-state", "failed")
    expect(no_pulls.locator(".goal-state")).to_have_text("Not met")
    expect(no_pulls.locator(".goal-expected")).to_have_text("no pulls")
    expect(no_pulls.locator(".goal-seen")).to_contain_text("pull(s): nginx on node-")
    expect(page.locator("#challenge-status")).not_to_contain_text("complete")
    assert sent[-1]["challenge"] == CHALLENGE
    assert sent[-1]["scenario"] == "two-nodes"

    run(page, challenge["solution"])
    expect(section).to_have_attribute("data-state", "complete", timeout=RUN_TIMEOUT_MS)
    status = page.get_by_role("status").filter(has_text="Challenge complete")
    expect(status).to_have_text("Challenge complete: every goal is met.")
    expect(goals).to_have_count(3)
    expect(goals.and_(page.locator("[data-state='passed']"))).to_have_count(3)
    expect(no_pulls.locator(".goal-seen")).to_have_text("no image was pulled")


def test_reload_keeps_the_edited_challenge_text_and_reset_offers_undo(
    page: Page, sandbox_server: LiveServer
) -> None:
    starter = shipped_challenge()["starter_manifest"]
    edited = starter.replace("image: nginx", "image: nginx:1.25")
    open_page(page, sandbox_server, f"?challenge={CHALLENGE}")
    fill_manifest(page, edited)

    page.reload()
    expect(page.locator("#manifest")).to_have_value(edited)

    page.get_by_role("button", name="Reset to starter").click()
    expect(page.locator("#manifest")).to_have_value(starter)
    expect(page.locator("#draft-notice")).to_contain_text("Reset to the starter manifest.")
    page.locator("#draft-notice").get_by_role("button", name="Undo").click()
    expect(page.locator("#manifest")).to_have_value(edited)
    expect(manifest_editor(page)).to_be_focused()

    page.reload()
    expect(page.locator("#manifest")).to_have_value(edited)


def test_free_play_text_is_kept_apart_from_the_challenges(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_page(page, sandbox_server)
    fill_manifest(page, LATEST_POD)
    page.reload()
    expect(page.locator("#manifest")).to_have_value(LATEST_POD)

    open_page(page, sandbox_server, f"?challenge={CHALLENGE}")
    expect(page.locator("#manifest")).to_have_value(shipped_challenge()["starter_manifest"])


def test_lessons_try_it_manifest_loads_once_then_the_key_is_cleared(
    page: Page, sandbox_server: LiveServer
) -> None:
    manifest = lesson_sandbox_manifest()
    page.goto(f"{sandbox_server.url}/lessons/pull-policies/")
    page.get_by_role("link", name="Try it in the sandbox").click()
    expect(page).to_have_url(re.compile(r"/sandbox/\?scenario=two-nodes$"))

    expect(page.locator("#manifest")).to_have_value(manifest)
    expect(page.locator("#draft-notice")).to_contain_text("Loaded the manifest from the lesson.")
    assert page.evaluate("sessionStorage.getItem('lunchbox:manifest')") is None

    # Kept as the learner's text from now on, and not loaded again over their edits.
    fill_manifest(page, manifest.replace("IfNotPresent", "Always"))
    page.reload()
    expect(page.locator("#manifest")).to_have_value(manifest.replace("IfNotPresent", "Always"))
    expect(page.locator("#draft-undo")).to_be_hidden()


def test_best_practice_hint_names_its_rule_after_a_latest_run(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_page(page, sandbox_server)
    expect(page.locator("#hints-block")).to_be_hidden()
    run(page, LATEST_POD)

    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    panel = page.locator("#hints-block")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="Hints")).to_be_visible()
    hint = panel.locator("li").first
    expect(hint).to_contain_text("latest")
    expect(hint.locator("code")).to_contain_text("kube-linter latest-tag")


def test_challenge_hints_are_revealed_one_at_a_time_from_the_keyboard(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_page(page, sandbox_server, f"?challenge={CHALLENGE}")
    hints = page.locator("#challenge-hints li")
    total = hints.count()
    assert total >= 2
    expect(hints.first).to_be_hidden()

    button = page.get_by_role("button", name="Show a hint")
    button.focus()
    page.keyboard.press("Enter")
    expect(hints.nth(0)).to_be_visible()
    expect(hints.nth(1)).to_be_hidden()
    expect(page.locator("#hint-count")).to_have_text(f"Hint 1 of {total}")

    for shown in range(2, total + 1):
        page.keyboard.press("Enter")  # the button keeps focus until the last hint
        expect(hints.nth(shown - 1)).to_be_visible()
    expect(page.locator("#show-hint")).to_be_hidden()
    expect(hints.nth(total - 1)).to_be_focused()


def test_flow_lights_the_pods_path_and_says_it_in_words(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_page(page, sandbox_server, f"?challenge={CHALLENGE}")
    run(page, shipped_challenge()["solution"])
    expect(page.locator("#challenge")).to_have_attribute(
        "data-state", "complete", timeout=RUN_TIMEOUT_MS
    )
    flow = page.locator("#flow")
    expect(flow).to_have_attribute("data-state", "ready")
    # One pod's path is lit on the unmarked chart, and said in words the chart points to.
    expect(flow).to_have_attribute("aria-describedby", "flow-path")
    expect(page.locator("#flow-path")).to_contain_text("Use the cached image")
    expect(flow.locator("g.node.flow-visited[data-flow='cached']")).to_have_count(1)
    expect(flow.locator("g.node.flow-visited[data-flow='pull']")).to_have_count(0)
    expect(flow.locator("g.node.flow-current")).to_have_count(1)  # where the timeline is
