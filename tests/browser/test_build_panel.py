"""The "Build an image" panel in a real browser: build, push, deploy, compare layer orders."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from manifest_editor import fill_manifest, manifest_editor
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 30_000
PUSH = "registry.company.com/webapp:v3"

DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      imagePullSecrets:
        - name: company-registry-secret
      containers:
        - name: web
          image: {PUSH}
          imagePullPolicy: Always
"""


def open_private_registry(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    slugs = page.locator("#scenario option").evaluate_all("options => options.map(o => o.value)")
    if "private-registry" not in slugs:
        pytest.skip(f"scenario 'private-registry' is not loaded; have {slugs}")
    page.select_option("#scenario", "private-registry")


def open_panel_with_the_keyboard(page: Page) -> None:
    page.focus("#build-panel > summary")
    page.keyboard.press("Enter")
    expect(page.locator("#build-dockerfile")).to_be_visible()


def run(page: Page) -> None:
    page.select_option("#speed", "16")
    manifest_editor(page).focus()
    page.keyboard.press("Control+Enter")


def changed_bytes(page: Page) -> int:
    summary = page.locator("#build-summary")
    expect(summary).to_contain_text("After the change, nodes download")
    return int(summary.get_attribute("data-changed-bytes") or "-1")


def test_copy_first_rebuilds_the_pip_layer_and_deps_first_downloads_less(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_private_registry(page, sandbox_server)
    open_panel_with_the_keyboard(page)
    expect(page.locator("#build-dockerfile")).to_have_value(re.compile(
        r"COPY app\.py \.\nRUN pip install flask"))
    expect(page.locator("#build-files-body input[aria-label='File name']")).to_have_value(
        "app.py")
    page.check("#build-enabled")
    page.fill("#build-push", PUSH)
    fill_manifest(page, DEPLOYMENT)
    run(page)

    result = page.locator("#build-result")
    expect(result).to_be_visible(timeout=RUN_TIMEOUT_MS)
    rows = page.locator("#build-steps tbody tr")
    expect(rows).to_have_count(5)
    changed = page.locator("#build-steps tr[data-changed='true']")
    expect(changed).to_have_count(2)
    expect(changed.nth(1)).to_contain_text("RUN pip install flask")
    expect(changed.nth(1)).to_contain_text("rebuilt")
    copy_first = changed_bytes(page)
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#build-pulls")).to_contain_text("node-")
    expect(page.locator("#build-pulls")).to_contain_text("downloaded")

    page.click("#build-swap")
    expect(page.locator("#build-notice")).to_contain_text("Moved the dependency install")
    expect(page.locator("#build-dockerfile")).to_have_value(re.compile(
        r"RUN pip install flask\nCOPY app\.py \."))
    run(page)
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("COPY app.py .")
    deps_first = changed_bytes(page)
    assert 0 < deps_first < 100_000 < 10_000_000 < copy_first


def test_a_dockerfile_problem_is_shown_with_its_line_and_jumps_into_the_dockerfile(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_private_registry(page, sandbox_server)
    open_panel_with_the_keyboard(page)
    page.check("#build-enabled")
    page.fill("#build-dockerfile", "FROM python:3.12-slim\nWORKDIR /app\nRUNN pip install flask\n")
    fill_manifest(page, DEPLOYMENT)
    run(page)

    expect(page.locator("#problems")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#problems-message")).to_contain_text("the build has problems")
    jump = page.locator("#problems-list .problem-position")
    expect(jump).to_have_text("Dockerfile line 3, column 1")
    expect(page.locator("#problems-list")).to_contain_text("unknown instruction: RUNN")
    page.locator("#build-panel > summary").click()  # close it: the jump must open it again
    jump.click()
    expect(page.locator("#build-dockerfile")).to_be_focused()
    start = page.locator("#build-dockerfile").evaluate("t => t.selectionStart")
    assert start == len("FROM python:3.12-slim\nWORKDIR /app\n")
    expect(page.locator("#build-result")).to_be_hidden()


def test_an_unknown_registry_names_the_registries_to_push_to(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_private_registry(page, sandbox_server)
    open_panel_with_the_keyboard(page)
    page.check("#build-enabled")
    page.fill("#build-push", "quay.io/me/app:v1")
    fill_manifest(page, DEPLOYMENT)
    run(page)
    problems = page.locator("#problems-list")
    expect(problems).to_contain_text("no registry 'quay.io'", timeout=RUN_TIMEOUT_MS)
    expect(problems).to_contain_text("registry.company.com")


def test_the_panel_keeps_its_inputs_across_a_reload(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_private_registry(page, sandbox_server)
    open_panel_with_the_keyboard(page)
    page.check("#build-enabled")
    page.fill("#build-push", PUSH)
    page.click("#build-add-file")
    expect(page.locator("#build-files-body tr").nth(1).locator("input").first).to_be_focused()
    page.keyboard.type("requirements.txt")
    page.uncheck("#build-preloaded")
    page.reload()
    expect(page.locator("#connection-state")).to_have_text("connected")

    expect(page.locator("#build-panel")).to_have_attribute("open", "")
    expect(page.locator("#build-enabled")).to_be_checked()
    expect(page.locator("#build-preloaded")).not_to_be_checked()
    expect(page.locator("#build-push")).to_have_value(PUSH)
    names = page.locator("#build-files-body input[aria-label='File name']")
    expect(names).to_have_count(2)
    expect(names.nth(1)).to_have_value("requirements.txt")
    page.get_by_role("button", name="Remove requirements.txt").click()
    expect(names).to_have_count(1)


def test_if_not_present_on_the_reused_tag_says_the_old_build_keeps_running(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_private_registry(page, sandbox_server)
    open_panel_with_the_keyboard(page)
    page.check("#build-enabled")
    page.fill("#build-push", PUSH)
    fill_manifest(page, DEPLOYMENT.replace("Always", "IfNotPresent"))
    run(page)
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    pulls = page.locator("#build-pulls")
    expect(pulls).to_contain_text("no node pulled the new registry.company.com/webapp:v3")
    expect(pulls).to_contain_text("the old build keeps running")
