"""A workshop from both sides, in real browsers against the real server: the instructor opens a
workshop and watches its board; learners join with the code, solve, raise a hand.

Two learners and the instructor each have their own browser context (their own cookies).
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from manifest_editor import fill_manifest, manifest_editor
from playwright.sync_api import Browser, BrowserContext, Page, expect
from ruamel.yaml import YAML

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_MS = 30_000
LESSON = "pull-policies"
SLUG = "start-without-pulling"
CHALLENGE = f"{LESSON}/{SLUG}"
PASSWORD = "Hunter2-Pasted-Pa55word"
HOSTILE_NAME = '<img src=x onerror="window.pwned=1">Ada'
INSTRUCTOR = ("instructor", "a-long-test-password-9")


def solution() -> str:
    lesson = YAML(typ="safe", pure=True).load((REPO / "lessons/content" / f"{LESSON}.yaml")
                                              .read_text())
    (challenge,) = [c for c in lesson["challenges"] if c["slug"] == SLUG]
    return str(challenge["solution"])


@pytest.fixture(scope="module")
def instructor_account(sandbox_server: LiveServer) -> tuple[str, str]:
    """A staff account in the live server's database (its file sits next to the log)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{sandbox_server.log.parent / 'lunchbox.sqlite3'}",
           "DJANGO_SUPERUSER_USERNAME": INSTRUCTOR[0],
           "DJANGO_SUPERUSER_PASSWORD": INSTRUCTOR[1],
           "DJANGO_SUPERUSER_EMAIL": "instructor@example.com"}
    env.pop("REDIS_URL", None)
    made = subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput"],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    return INSTRUCTOR


@pytest.fixture
def other_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


def run_solution(page: Page, server: LiveServer, text: str) -> None:
    page.goto(f"{server.url}/sandbox/?challenge={CHALLENGE}")
    expect(page.locator("#connection-state")).to_have_text("connected")
    fill_manifest(page, text)
    page.select_option("#speed", "16")
    manifest_editor(page).focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#challenge")).to_have_attribute(
        "data-state", "complete", timeout=RUN_TIMEOUT_MS)


def join(page: Page, server: LiveServer, code: str, name: str) -> None:
    page.goto(f"{server.url}/join")
    page.get_by_label("Workshop code").fill(code)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("status")).to_contain_text("You joined")


def test_a_workshop_from_the_instructors_and_the_learners_side(
    page: Page, browser: Browser, other_context: BrowserContext,
    sandbox_server: LiveServer, instructor_account: tuple[str, str],
) -> None:
    server = sandbox_server.url
    teacher = browser.new_context(accept_downloads=True)
    board = teacher.new_page()
    board.goto(f"{server}/admin/login/?next=/lessons/board/w/")
    board.get_by_label("Username").fill(instructor_account[0])
    board.get_by_label("Password").fill(instructor_account[1])
    board.get_by_role("button", name="Log in").click()
    board.get_by_label("Workshop name").fill("Thursday room")
    board.get_by_role("button", name="Open workshop").click()
    expect(board.get_by_role("heading", name="Thursday room")).to_be_visible()
    expect(board.locator("#board-state")).to_have_text("Live.")
    spaced = board.locator(".join-code").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{3} [2-9A-HJKMNP-Z]{3}", spaced), spaced

    # The learner types the code in lower case, solves the challenge with a password pasted in.
    join(page, sandbox_server, spaced.lower(), HOSTILE_NAME)
    tiles = board.get_by_role("list", name="Learners")
    ada = tiles.get_by_role("listitem").filter(has_text="Ada")
    expect(ada.get_by_role("heading")).to_have_text(HOSTILE_NAME)  # text, never markup
    run_solution(page, sandbox_server, solution() + f"# password: {PASSWORD}\n")
    expect(ada).to_contain_text(re.compile(r"1 of \d+ solved"))
    expect(ada).to_contain_text("solved")
    page.get_by_role("textbox", name="Command").fill("kubectl apply -f -")
    page.get_by_role("textbox", name="Command").press("Enter")
    expect(page.get_by_role("log", name="Console output")).to_contain_text("pod/web created")
    page.get_by_role("button", name="Raise hand").click()
    expect(page.get_by_role("button", name="Lower hand")).to_be_visible()
    expect(ada).to_contain_text("hand raised")

    # A second learner joins; the filters narrow the tiles.
    bob_page = other_context.new_page()
    join(bob_page, sandbox_server, spaced.replace(" ", "-"), "Bob")
    expect(tiles.get_by_role("listitem")).to_have_count(2)
    board.get_by_label("Status", exact=True).select_option("hand")
    expect(tiles.get_by_role("listitem")).to_have_count(1)
    expect(tiles.get_by_role("listitem")).to_contain_text("Ada")
    board.get_by_label("Status", exact=True).select_option("")
    board.get_by_label("Name", exact=True).fill("bob")
    expect(tiles.get_by_role("listitem")).to_have_count(1)
    expect(tiles.get_by_role("listitem")).to_contain_text("Bob")
    board.get_by_label("Name", exact=True).fill("")
    board.get_by_label("Challenge", exact=True).select_option(CHALLENGE)
    expect(tiles.get_by_role("listitem")).to_have_count(1)
    board.get_by_label("Challenge", exact=True).select_option("")
    assert board.locator("#tiles img").count() == 0
    assert board.evaluate("() => window.pwned === undefined")

    # The instructor's own run stays off the board.
    own = teacher.new_page()
    run_solution(own, sandbox_server, solution())
    own.close()
    expect(tiles.get_by_role("listitem")).to_have_count(2)

    # The CSV has the learner's row, with the name made safe, and not the instructor's.
    with board.expect_download() as download:
        board.get_by_role("link", name="Download results (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert [r[0] for r in rows[1:]] == [HOSTILE_NAME, "Bob"]
    assert rows[1][3] == "passed" and rows[2][3] == "not started"

    # Ada's state, read-only: the editor text with the password hidden, her console.
    ada.get_by_role("link", name="Ada").click()
    editor = board.get_by_label("Editor text")
    expect(editor).to_contain_text("kind: Pod")
    expect(editor).to_contain_text('# password: "<hidden when shared>"')
    expect(board.locator("body")).not_to_contain_text(PASSWORD)
    expect(board.locator(".learner-console").first).to_contain_text("kubectl apply -f -")
    board.get_by_role("link", name="Reset their cluster").click()
    board.get_by_role("button", name="Yes, reset the cluster").click()
    expect(board.get_by_text("No console cluster.")).to_be_visible()
    page.reload()
    expect(page.locator("#connection-state")).to_have_text("connected")
    expect(page.locator("#console-pods")).to_have_text("No resources found in default namespace.")
    teacher.close()
