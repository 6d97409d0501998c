"""The console in a real browser: a learner's own cluster that remembers across a reload, a
second browser with its own cluster, and output printed as text (no markup from a command)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import Browser, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer


POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
       "  - name: web\n    image: nginx:1.25\n")


def type_command(page: Page, line: str) -> None:
    box = page.get_by_role("textbox", name="Command")
    box.fill(line)
    box.press("Enter")


def open_sandbox(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")


def test_the_cluster_remembers_across_a_reload_and_undo_takes_back(
        page: Page, sandbox_server: LiveServer) -> None:
    open_sandbox(page, sandbox_server)
    page.locator("#manifest").fill(POD)
    type_command(page, "kubectl apply -f -")
    log = page.get_by_role("log", name="Console output")
    expect(log).to_contain_text("pod/web created")
    expect(page.locator("#console-pods")).to_contain_text("Running")
    page.reload()
    expect(page.locator("#connection-state")).to_have_text("connected")
    expect(page.locator("#console-pods")).to_contain_text("web")
    expect(page.locator("#console-history")).to_contain_text("kubectl apply -f -")
    page.get_by_role("button", name="Take back last command").click()
    expect(page.locator("#console-pods")).to_have_text("No resources found in default namespace.")
    type_command(page, "kubectl get pods nope")
    expect(log).to_contain_text('Error from server (NotFound): pods "nope" not found')


def test_command_output_is_text_not_markup(page: Page, sandbox_server: LiveServer) -> None:
    open_sandbox(page, sandbox_server)
    type_command(page, "kubectl get pods '<img src=x onerror=window.pwned=1>'")
    log = page.get_by_role("log", name="Console output")
    expect(log).to_contain_text('pods "<img src=x onerror=window.pwned=1>" not found')
    assert page.locator("#console-output img").count() == 0
    assert page.evaluate("() => window.pwned === undefined")


def test_a_second_browser_has_its_own_cluster(browser: Browser,
                                              sandbox_server: LiveServer) -> None:
    first = browser.new_context()
    second = browser.new_context()
    try:
        a, b = first.new_page(), second.new_page()
        open_sandbox(a, sandbox_server)
        a.locator("#manifest").fill(POD)
        type_command(a, "kubectl apply -f -")
        expect(a.locator("#console-pods")).to_contain_text("web")
        open_sandbox(b, sandbox_server)
        type_command(b, "kubectl get pods")
        expect(b.get_by_role("log", name="Console output")).to_contain_text("No resources found")
    finally:
        first.close()
        second.close()
