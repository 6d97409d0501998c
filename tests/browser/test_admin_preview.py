"""The admin's live preview (issue 11, authoring): the lesson page, diagrams and sandboxes
included, follows what the author types, and nothing is saved until Save."""

from __future__ import annotations

import os
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, manage

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def instructor(sandbox_server: LiveServer) -> tuple[str, str]:
    """A staff account in the live server's own database."""
    name, password = f"author-{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{sandbox_server.log.parent / 'lunchbox.sqlite3'}",
           "DJANGO_SUPERUSER_PASSWORD": password}
    made = manage(["createsuperuser", "--noinput", "--username", name,
                   "--email", f"{name}@example.test"], env)
    assert made.returncode == 0, made.stderr
    return name, password


def log_in(page: Page, server: LiveServer, account: tuple[str, str]) -> None:
    page.goto(f"{server.url}/admin/login/?next=/admin/lessons/lesson/")
    page.get_by_label("Username").fill(account[0])
    page.get_by_label("Password").fill(account[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Select lesson to change")).to_be_visible()


def test_the_preview_follows_the_body_as_the_author_types(
        page: Page, sandbox_server: LiveServer, instructor: tuple[str, str]) -> None:
    log_in(page, sandbox_server, instructor)
    page.get_by_role("link", name="Pull policies").first.click()
    preview = page.frame_locator("iframe[title='Lesson preview']")
    expect(preview.get_by_role("heading", level=1)).to_contain_text("Pull policies")
    body = page.get_by_label("Body")
    body.fill("## Drafted just now\n\n<script>window.hacked = 1</script>\n\n"
              "```mermaid\nflowchart LR\n  A[kubelet] --> B[registry]\n```\n\n"
              "```sandbox\napiVersion: v1\nkind: Pod\nmetadata:\n  name: draft\nspec:\n"
              "  containers:\n    - name: web\n      image: nginx:1.25\n```\n")
    expect(preview.get_by_role("heading", name="Drafted just now")).to_be_visible()
    # The diagram is drawn by the lesson page's own script, as learners will see it.
    expect(preview.locator(".lesson-body svg").first).to_be_visible()
    expect(preview.locator(".live-sandbox")).to_have_count(1)
    assert preview.locator("script:not([src])").count() == 0
    # Nothing was saved: the lesson page itself still has its old body.
    page.goto(f"{sandbox_server.url}/lessons/pull-policies/")
    expect(page.get_by_role("heading", name="Drafted just now")).to_have_count(0)
