"""Live sandboxes inside lessons (issue 11): a "Try it" block on a lesson page runs there, with
the lit flow, `kubectl get pods` and the events; what the learner typed goes on to the full
sandbox."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_a_try_it_block_runs_on_the_lesson_page(page: Page, sandbox_server: LiveServer) -> None:
    page.goto(f"{sandbox_server.url}/lessons/pull-policies/")
    block = page.get_by_role("region", name="Try it:").first
    expect(block).to_be_visible()
    editor = block.get_by_role("textbox", name="Manifest")
    original = editor.input_value()
    assert "kind: Pod" in original
    block.get_by_role("button", name="Run here").click()
    expect(block.get_by_role("status")).to_contain_text("Done:", timeout=30_000)
    expect(block.get_by_label("kubectl get pods")).to_contain_text("NAME")
    expect(block.get_by_role("table", name="Events")).to_contain_text("Scheduled")
    # The flow is drawn and lit for the pod.
    expect(block.locator(".live-sandbox-flow svg")).to_be_visible()
    assert block.locator(".live-sandbox-flow .flow-visited").count() > 0

    # An edited manifest runs as edited, and a broken one says where.
    editor.fill(original.replace("kind: Pod", "kind: Pod\nspec: [", 1))
    block.get_by_role("button", name="Run here").click()
    expect(block.get_by_role("status")).to_contain_text("Line ", timeout=30_000)

    # What the learner typed is what the full sandbox opens with.
    edited = original.replace("name: ", "name: mine-", 1)
    editor.fill(edited)
    block.get_by_role("link", name="sandbox").first.click()
    page.wait_for_url("**/sandbox/**")
    expect(page.locator(".cm-content")).to_contain_text("mine-")
