"""Every page fits a 390 px phone: nothing makes the page itself scroll sideways.

Wide content (a diagram at its natural size, a long table, code) scrolls inside its own region;
the page's scrolling element must be no wider than the viewport.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import site_pages as site
from playwright.sync_api import Browser, BrowserContext, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# What sticks out: the widest elements reaching past the right edge, for the failure message.
WIDER_THAN_THE_PAGE = """() => {
  const edge = document.scrollingElement.clientWidth;
  const out = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.right > edge + 1 && box.width > 0) {
      const classes = typeof element.className === "string" ? element.className.trim() : "";
      const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
        + (classes ? "." + classes.split(/\\s+/).join(".") : "");
      out.push(`${name} ${Math.round(box.right)}`);
    }
  }
  return out.slice(0, 8);
}"""


def assert_fits(page: Page, what: str) -> None:
    scroll, client = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    assert scroll <= client, (f"{what}: the page scrolls sideways ({scroll} > {client} px): "
                              f"{page.evaluate(WIDER_THAN_THE_PAGE)}")


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=3)
    yield context
    context.close()


def test_the_sandbox_fits_before_and_after_a_run_and_so_does_its_share_page(
    phone: BrowserContext, sandbox_server: LiveServer
) -> None:
    page = phone.new_page()
    site.open_sandbox(page, sandbox_server)
    assert_fits(page, "sandbox, before a run")
    site.run_pulled_pod(page)
    assert_fits(page, "sandbox, after a run")
    site.use_console(page)
    assert_fits(page, "sandbox, console used")
    # docker.io's thirty nginx tags scroll inside the registry's card, not two screens long.
    registry = page.get_by_role("article", name="registry docker.io")
    box = registry.bounding_box()
    assert box is not None and box["height"] <= 0.7 * PHONE["height"] + 1, box
    site.open_share_page(page, sandbox_server)
    assert_fits(page, "share page")


def test_the_lessons_a_lesson_and_a_challenge_fit(
    phone: BrowserContext, sandbox_server: LiveServer
) -> None:
    page = phone.new_page()
    page.goto(f"{sandbox_server.url}/lessons/")
    assert_fits(page, "lessons index")
    for slug in ("pull-policies", "layers", "tags-and-digests"):
        site.open_lesson(page, sandbox_server, slug)
        assert_fits(page, f"lesson {slug}")
    site.open_sandbox(page, sandbox_server, f"?challenge={site.CHALLENGE}")
    assert_fits(page, "a challenge")


def test_the_admin_login_and_the_board_fit_and_the_boards_table_scrolls_in_its_region(
    phone: BrowserContext, browser: Browser, sandbox_server: LiveServer
) -> None:
    page = phone.new_page()
    site.open_admin_login(page, sandbox_server)
    assert_fits(page, "admin login")
    site.log_in_to_the_board(page, sandbox_server)
    assert_fits(page, "board")

    # A learner's attempt makes a row (other tests' learners may be on the board already): the
    # table is wider than a phone, and scrolls in its region.
    rows = page.locator("#board-rows tr")
    before = rows.count()
    learner = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        attempt = learner.new_page()
        site.open_sandbox(attempt, sandbox_server, f"?challenge={site.CHALLENGE}")
        attempt.select_option("#speed", "16")
        attempt.get_by_role("button", name="Run").click()
        expect(attempt.locator("#results")).to_be_visible(timeout=site.RUN_TIMEOUT_MS)
    finally:
        learner.close()
    expect(rows).to_have_count(before + 1, timeout=site.RUN_TIMEOUT_MS)
    assert_fits(page, "board with a row")
    table = page.get_by_role("region", name="Learners")
    wide, shown = table.evaluate("region => [region.scrollWidth, region.clientWidth]")
    assert wide > shown, (wide, shown)
    updated = page.get_by_role("columnheader", name="Updated")
    expect(updated).not_to_be_in_viewport(ratio=1)
    # A tab stop, so the keyboard scrolls it: Chromium focuses any scroller, other browsers
    # only one with a tabindex.
    expect(table).to_have_attribute("tabindex", "0")
    table.focus()
    for _ in range(12):
        page.keyboard.press("ArrowRight")
    expect(updated).to_be_in_viewport(ratio=1)
