"""A learner's progress marks and the lesson hints, in a real browser against the real server.

The course is the shipped one (lessons/content/), loaded by the `sandbox_server` fixture; each
test has a fresh browser profile, so a fresh learner.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from manifest_editor import fill_manifest, manifest_editor
from playwright.sync_api import Locator, Page, expect
from ruamel.yaml import YAML

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 30_000
LESSON = "pull-policies"
CHALLENGE = f"{LESSON}/start-without-pulling"
LESSON_FILE = Path(__file__).resolve().parents[2] / "lessons" / "content" / f"{LESSON}.yaml"


def shipped_lesson() -> dict[str, Any]:
    return dict(YAML(typ="safe", pure=True).load(LESSON_FILE.read_text()))


def shipped_challenge() -> dict[str, Any]:
    (challenge,) = [c for c in shipped_lesson()["challenges"]
                    if c["slug"] == "start-without-pulling"]
    return dict(challenge)


def lesson_card(page: Page, title: str) -> Locator:
    return page.locator(".lesson-card").filter(
        has=page.get_by_role("heading", name=title, exact=True))


def test_lessons_index_marks_a_lesson_in_progress_after_a_challenge_is_solved(
    page: Page, sandbox_server: LiveServer
) -> None:
    title = shipped_lesson()["title"]
    total = len(shipped_lesson()["challenges"])
    page.goto(f"{sandbox_server.url}/lessons/")
    card = lesson_card(page, title)
    expect(card).to_contain_text("Not started")
    expect(page.get_by_role("link", name="Continue where you left off")).to_have_count(0)

    page.goto(f"{sandbox_server.url}/sandbox/?challenge={CHALLENGE}")
    expect(page.locator("#connection-state")).to_have_text("connected")
    fill_manifest(page, shipped_challenge()["solution"])
    page.select_option("#speed", "16")
    manifest_editor(page).focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#challenge")).to_have_attribute(
        "data-state", "complete", timeout=RUN_TIMEOUT_MS)

    page.goto(f"{sandbox_server.url}/lessons/")
    expect(card.get_by_text(f"In progress: 1 of {total} challenges")).to_be_visible()
    expect(card).not_to_contain_text("Not started")
    # The mark is the description of the lesson's link, so it is heard with its name.
    expect(card.get_by_role("link", name=title)).to_have_accessible_description(
        f"In progress: 1 of {total} challenges")
    expect(page.get_by_role("link", name="Continue where you left off")).to_be_visible()

    page.get_by_role("link", name=title).click()
    solved = page.locator("#challenge-start-without-pulling")
    expect(solved.get_by_text("Solved (1 run)")).to_be_visible()


def test_lesson_hints_are_shown_one_at_a_time_as_markdown(
    page: Page, sandbox_server: LiveServer
) -> None:
    total = len([h for h in shipped_challenge()["hints"].split("\n\n") if h.strip()])
    assert total >= 2
    page.goto(f"{sandbox_server.url}/lessons/{LESSON}/")
    section = page.locator("#challenge-start-without-pulling")
    hints = section.locator(".hint-item")
    expect(hints).to_have_count(total)
    for number in range(total):
        expect(hints.nth(number)).to_be_hidden()

    button = section.get_by_role("button", name="Show a hint")
    expect(button).to_have_text(f"Show a hint (1 of {total})")
    button.click()
    expect(hints.nth(0)).to_be_visible()
    expect(hints.nth(1)).to_be_hidden()
    # Markdown: the hint's backticks became code, none is left as text.
    expect(hints.nth(0).locator("code").first).to_have_text("nginx")
    expect(hints.nth(0)).not_to_contain_text("`")
    expect(button).to_have_text(f"Show a hint (2 of {total})")

    button.focus()
    for shown in range(2, total + 1):
        page.keyboard.press("Enter")  # the button keeps focus until the last hint
        expect(hints.nth(shown - 1)).to_be_visible()
    expect(section.get_by_role("button", name="Show a hint")).to_have_count(0)
    expect(hints.nth(total - 1).locator("summary")).to_be_focused()
