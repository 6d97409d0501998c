"""Getting to each page of the site as a learner or an instructor would (axe and phone tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from manifest_editor import fill_manifest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_MS = 60_000
CHALLENGE = "pull-policies/start-without-pulling"
STAFF = ("site-pages-instructor", "a long test-only password 7431")

# Not on either node of `two-nodes`: the run pulls, so every chart has something to show.
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


def open_sandbox(page: Page, server: LiveServer, query: str = "?scenario=two-nodes") -> None:
    page.goto(f"{server.url}/sandbox/{query}")
    expect(page.locator("#connection-state")).to_have_text("connected")


def run_pulled_pod(page: Page) -> None:
    """Run PULLED_POD and open the Pull timeline tab once the result is in."""
    fill_manifest(page, PULLED_POD)
    page.select_option("#speed", "16")
    page.click("#run")
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    page.get_by_role("tab", name="Pull timeline").click()
    expect(page.locator("#diagram-panel-pulls svg")).to_be_visible()


def use_console(page: Page) -> None:
    """Apply the editor's manifest from the console, then list the pods."""
    box = page.get_by_role("textbox", name="Command")
    log = page.get_by_role("log", name="Console output")
    box.fill("kubectl apply -f -")
    box.press("Enter")
    expect(log).to_contain_text("pod/web created")
    box.fill("kubectl get pods")
    box.press("Enter")
    expect(log).to_contain_text("READY")


def open_share_page(page: Page, server: LiveServer) -> None:
    """Share the console's cluster and open the link it gives."""
    page.get_by_role("button", name="Share").click()
    link = page.locator("#console-share-link a")
    expect(link).to_be_visible()
    url = link.get_attribute("href")
    assert url is not None
    page.goto(url if url.startswith("http") else f"{server.url}{url}")
    expect(page.get_by_role("heading", name="A shared cluster")).to_be_visible()


def open_lesson(page: Page, server: LiveServer, slug: str = "pull-policies") -> None:
    page.goto(f"{server.url}/lessons/{slug}/")
    expect(page.locator("#lesson")).to_have_attribute("data-diagrams", "drawn")


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


def open_admin_login(page: Page, server: LiveServer) -> None:
    """The board, which sends a visitor who is not staff to the admin's login page."""
    page.goto(f"{server.url}/lessons/board/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def log_in_to_the_board(page: Page, server: LiveServer) -> None:
    """From the admin login page, as an instructor, to the board."""
    create_staff_user(server)
    page.get_by_label("Username").fill(STAFF[0])
    page.get_by_label("Password").fill(STAFF[1])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/lessons/board/", timeout=RUN_TIMEOUT_MS)
    # Settled: the board's socket has sent its snapshot.
    expect(page.locator("#board-state")).to_have_text("Live.", timeout=RUN_TIMEOUT_MS)
