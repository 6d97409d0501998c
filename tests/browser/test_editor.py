"""The manifest editor in a real browser: CodeMirror named as its label, the server's problems
marked at their line as the learner types, a keyboard way out, and the textarea without
JavaScript."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from manifest_editor import NAME, fill_manifest, manifest_editor
from playwright.sync_api import Browser, Page, WebSocket, WebSocketRoute, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

# imagePullSecrets belongs to the pod spec; here it is indented under the container (line 9).
SECRETS_UNDER_THE_CONTAINER = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.company.com/webapp:v3
      imagePullSecrets:
        - name: regcred
"""


def open_sandbox(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")


def record_sent(page: Page) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    def on_websocket(websocket: WebSocket) -> None:
        websocket.on("framesent", lambda payload: sent.append(json.loads(payload)))

    page.on("websocket", on_websocket)
    return sent


def test_the_editor_takes_the_textareas_place_and_keeps_its_name(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_sandbox(page, sandbox_server)
    editor = manifest_editor(page)
    expect(editor).to_have_attribute("contenteditable", "true")
    expect(editor).to_contain_text("kind: Pod")
    expect(editor).to_have_accessible_description(
        re.compile(r"Ctrl\+Enter .* runs the manifest.*Press Esc then Tab to leave the editor"))
    expect(page.get_by_text("Press Esc then Tab to leave the editor")).to_be_visible()
    expect(page.locator("#manifest")).to_be_hidden()
    expect(page.get_by_role("textbox", name=NAME)).to_have_count(1)

    page.get_by_text(NAME, exact=True).click()  # the label still leads to the editor
    expect(editor).to_be_focused()


def test_an_image_pull_secrets_under_a_container_is_marked_at_its_line_as_it_is_typed(
    page: Page, sandbox_server: LiveServer
) -> None:
    sent = record_sent(page)
    open_sandbox(page, sandbox_server)
    fill_manifest(page, SECRETS_UNDER_THE_CONTAINER)

    line_9 = page.locator(".cm-content .cm-line").nth(8)
    expect(line_9.locator(".cm-lintRange-error")).to_have_text("imagePullSecrets")
    expect(page.locator("#manifest-lint")).to_have_text(re.compile(r"^2 errors: F8"))
    line_9.locator(".cm-lintRange-error").hover()
    tooltip = page.locator(".cm-tooltip-lint")
    expect(tooltip).to_contain_text('unknown field "spec.containers[0].imagePullSecrets"')
    expect(tooltip).to_contain_text("imagePullSecrets belongs to the pod spec")

    lints = [m for m in sent if m["type"] == "lint"]
    assert lints[-1]["manifest"] == SECRETS_UNDER_THE_CONTAINER
    assert [m["seq"] for m in lints] == sorted({m["seq"] for m in lints})
    assert not any(m["type"] == "run" for m in sent)  # linting runs nothing
    expect(page.locator("#results")).to_be_hidden()

    # By keyboard: the list of problems, then the fix (delete lines 9 and 10) clears them.
    editor = manifest_editor(page)
    editor.focus()
    page.keyboard.press("Control+Shift+M")
    expect(page.locator(".cm-panel-lint")).to_contain_text("unknown field")
    editor.focus()
    page.keyboard.press("Control+Home")
    for _ in range(8):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Control+Shift+K")
    page.keyboard.press("Control+Shift+K")
    expect(page.locator("#manifest")).to_have_value(
        SECRETS_UNDER_THE_CONTAINER.replace("      imagePullSecrets:\n        - name: regcred\n",
                                            ""))
    expect(page.locator("#manifest-lint")).to_have_text("No problems found.")
    expect(page.locator(".cm-lintRange")).to_have_count(0)


def test_tab_indents_and_escape_then_tab_leaves_the_editor(
    page: Page, sandbox_server: LiveServer
) -> None:
    open_sandbox(page, sandbox_server)
    fill_manifest(page, "kind: Pod\nmetadata:\nname: web\n")
    editor = manifest_editor(page)
    editor.focus()
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    expect(editor).to_be_focused()
    expect(page.locator("#manifest")).to_have_value("kind: Pod\nmetadata:\n  name: web\n")

    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(editor).not_to_be_focused()
    assert page.evaluate("document.activeElement !== document.body")
    page.keyboard.press("Shift+Tab")
    expect(editor).to_be_focused()


def test_only_the_answer_to_the_latest_lint_is_shown(
    page: Page, sandbox_server: LiveServer
) -> None:
    def fake_server(websocket: WebSocketRoute) -> None:
        def answer(payload: str | bytes) -> None:
            message = json.loads(payload)
            if message["type"] != "lint":
                return
            for seq, line, text in [(message["seq"] - 1, 1, "stale"),
                                    (message["seq"], 2, "fresh")]:
                websocket.send(json.dumps({"version": 1, "type": "lint", "seq": seq, "problems": [
                    {"message": text, "line": line, "column": 1, "severity": "warning"}]}))

        websocket.on_message(answer)

    page.route_web_socket(re.compile(r"/ws/sandbox/$"), fake_server)
    open_sandbox(page, sandbox_server)
    fill_manifest(page, "kind: Pod\nmetadata: {}\n")
    expect(page.locator("#manifest-lint")).to_have_text(re.compile(r"^1 warning"))
    expect(page.locator(".cm-lintRange-warning")).to_have_count(1)
    line_2 = page.locator(".cm-content .cm-line").nth(1)
    expect(line_2.locator(".cm-lintRange-warning")).to_have_text("metadata")


def test_positions_count_characters_and_are_clamped_to_the_text(
    page: Page, sandbox_server: LiveServer
) -> None:
    page.goto(f"{sandbox_server.url}/healthz")
    ranges = page.evaluate(
        """async ([codemirror, editor]) => {
             const { EditorState } = await import(codemirror);
             const { diagnosticOf } = await import(editor);
             const doc = EditorState.create({ doc: "a: 🙂 x\\n  image: nginx:1.25\\n" }).doc;
             const positions = [[1, 6], [2, 10], [2, 99], [9, 1], [null, null], [0, 0]];
             return positions.map(([line, column]) => {
               const d = diagnosticOf(doc, { line, column, message: "m", severity: "bogus" });
               return [d.from, d.to, d.severity];
             });
           }""",
        [f"{sandbox_server.url}/static/vendor/codemirror/codemirror.js",
         f"{sandbox_server.url}/static/sandbox/editor.js"],
    )
    # "🙂" is one character but two UTF-16 units; line 2 starts at offset 8.
    assert ranges == [
        [6, 7, "error"],  # column 6 is "x"
        [17, 27, "error"],  # the value nginx:1.25, colon and all
        [27, 27, "error"],  # past the end of line 2: its end
        [28, 28, "error"],  # past the last line: the (empty) last line
        [0, 0, "error"],  # no position: the start, nothing underlined
        [0, 0, "error"],  # line 0 is no line either
    ]


def test_without_javascript_the_plain_textarea_is_the_editor(
    browser: Browser, sandbox_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{sandbox_server.url}/sandbox/")
        textarea = page.get_by_role("textbox", name=NAME)
        expect(textarea).to_be_visible()
        expect(textarea).to_have_value(re.compile(r"kind: Pod"))
        expect(page.locator(".cm-editor")).to_have_count(0)
        expect(page.get_by_text("Press Esc then Tab to leave the editor")).to_be_hidden()
        textarea.fill("kind: Pod\n")
        expect(textarea).to_have_value("kind: Pod\n")
        page.keyboard.press("Tab")  # a textarea never keeps Tab
        expect(textarea).not_to_be_focused()
    finally:
        context.close()
