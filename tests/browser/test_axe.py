"""axe-core finds no accessibility violation on any page, in light and in dark mode.

axe comes from npm (package.json's devDependencies, `npm ci` by `make setup-dev`) and is read
from node_modules/, never shipped to learners. The pages' CSP refuses inline scripts, so it goes
in as an init script, which the browser runs outside the page's CSP.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from manifest_editor import fill_manifest
from playwright.sync_api import Browser, BrowserContext, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
RUN_TIMEOUT_MS = 60_000
CHALLENGE = "pull-policies/start-without-pulling"
STAFF = ("axe-instructor", "a long test-only password 7431")

PULLED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
"""

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


def violations(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return found


def assert_no_violations(page: Page, what: str) -> None:
    found = violations(page)
    assert not found, f"{what}: " + "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}: {v['nodes']}" for v in found)


@pytest.fixture(params=["light", "dark"])
def scheme_context(request: pytest.FixtureRequest, browser: Browser) -> Iterator[BrowserContext]:
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(REPO)} is missing: run `make setup-dev` (npm ci)")
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  color_scheme=request.param)
    context.add_init_script(script=AXE.read_text())
    yield context
    context.close()


def test_the_sandbox_before_and_after_a_run_with_the_console_used(
    scheme_context: BrowserContext, sandbox_server: LiveServer
) -> None:
    page = scheme_context.new_page()
    page.goto(f"{sandbox_server.url}/sandbox/?scenario=two-nodes")
    expect(page.locator("#connection-state")).to_have_text("connected")
    assert_no_violations(page, "sandbox, before a run")

    fill_manifest(page, PULLED_POD)
    page.select_option("#speed", "16")
    page.click("#run")
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    page.get_by_role("tab", name="Pull timeline").click()
    expect(page.locator("#diagram-panel-pulls svg")).to_be_visible()
    assert_no_violations(page, "sandbox, after a run")

    box = page.get_by_role("textbox", name="Command")
    box.fill("kubectl apply -f -")
    box.press("Enter")
    log = page.get_by_role("log", name="Console output")
    expect(log).to_contain_text("pod/web created")
    box.fill("kubectl get pods")
    box.press("Enter")
    expect(log).to_contain_text("READY")
    assert_no_violations(page, "sandbox, console used")

    page.get_by_role("button", name="Share").click()
    link = page.locator("#console-share-link a")
    expect(link).to_be_visible()
    url = link.get_attribute("href")
    assert url is not None
    page.goto(url if url.startswith("http") else f"{sandbox_server.url}{url}")
    expect(page.get_by_role("heading", name="A shared cluster")).to_be_visible()
    assert_no_violations(page, "share page")


def test_the_lessons_a_lesson_and_a_challenge(
    scheme_context: BrowserContext, sandbox_server: LiveServer
) -> None:
    page = scheme_context.new_page()
    page.goto(f"{sandbox_server.url}/lessons/")
    assert_no_violations(page, "lessons index")

    page.goto(f"{sandbox_server.url}/lessons/pull-policies/")
    expect(page.locator("#lesson")).to_have_attribute("data-diagrams", "drawn")
    assert_no_violations(page, "a lesson")

    page.goto(f"{sandbox_server.url}/sandbox/?challenge={CHALLENGE}")
    expect(page.locator("#connection-state")).to_have_text("connected")
    assert_no_violations(page, "a challenge")


def create_staff_user(server: LiveServer) -> None:
    """An instructor in the live server's database (the sandbox_server fixture's SQLite file)."""
    database = server.log.parent / "lunchbox.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{database}"}
    code = ("from django.contrib.auth import get_user_model as m; U = m(); "
            f"U.objects.filter(username={STAFF[0]!r}).exists() or "
            f"U.objects.create_superuser({STAFF[0]!r}, '', {STAFF[1]!r})")
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_the_admin_login_and_the_instructors_board(
    scheme_context: BrowserContext, sandbox_server: LiveServer
) -> None:
    create_staff_user(sandbox_server)
    page = scheme_context.new_page()
    page.goto(f"{sandbox_server.url}/lessons/board/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert_no_violations(page, "admin login")

    page.get_by_label("Username").fill(STAFF[0])
    page.get_by_label("Password").fill(STAFF[1])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{sandbox_server.url}/lessons/board/")
    expect(page.locator("#board-state, table").first).to_be_visible()
    assert_no_violations(page, "board")
