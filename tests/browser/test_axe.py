"""axe-core finds no accessibility violation on any page, in light and in dark mode.

axe comes from npm (package.json's devDependencies, `npm ci` by `make setup-dev`) and is read
from node_modules/, never shipped to learners. The pages' CSP refuses inline scripts, so it goes
in as an init script, which the browser runs outside the page's CSP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import site_pages as site
from playwright.sync_api import Browser, BrowserContext, Page

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

AXE = site.REPO / "node_modules" / "axe-core" / "axe.min.js"

# Every WCAG 2.x A and AA rule axe has, and its best practices (landmarks, heading order…).
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                     "best-practice"] },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map((n) => [n.target.join(" "), n.failureSummary]),
  }));
}"""


def assert_no_violations(page: Page, what: str) -> None:
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    assert not found, f"{what}: " + "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}: {v['nodes']}" for v in found)


@pytest.fixture(params=["light", "dark"])
def scheme_context(request: pytest.FixtureRequest, browser: Browser) -> Iterator[BrowserContext]:
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(site.REPO)} is missing: run `make setup-dev` (npm ci)")
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  color_scheme=request.param)
    context.add_init_script(script=AXE.read_text())
    yield context
    context.close()


def test_the_sandbox_before_and_after_a_run_with_the_console_used_and_its_share_page(
    scheme_context: BrowserContext, sandbox_server: LiveServer
) -> None:
    page = scheme_context.new_page()
    site.open_sandbox(page, sandbox_server)
    assert_no_violations(page, "sandbox, before a run")
    site.run_pulled_pod(page)
    assert_no_violations(page, "sandbox, after a run")
    site.use_console(page)
    assert_no_violations(page, "sandbox, console used")
    site.open_share_page(page, sandbox_server)
    assert_no_violations(page, "share page")


def test_the_lessons_a_lesson_and_a_challenge(
    scheme_context: BrowserContext, sandbox_server: LiveServer
) -> None:
    page = scheme_context.new_page()
    page.goto(f"{sandbox_server.url}/lessons/")
    assert_no_violations(page, "lessons index")
    site.open_lesson(page, sandbox_server)
    assert_no_violations(page, "a lesson")
    site.open_sandbox(page, sandbox_server, f"?challenge={site.CHALLENGE}")
    assert_no_violations(page, "a challenge")


def test_the_admin_login_and_the_instructors_board(
    scheme_context: BrowserContext, sandbox_server: LiveServer
) -> None:
    page = scheme_context.new_page()
    site.open_admin_login(page, sandbox_server)
    assert_no_violations(page, "admin login")
    site.log_in_to_the_board(page, sandbox_server)
    assert_no_violations(page, "board")
