"""The sandbox's manifest editor as a learner meets it: CodeMirror (static/sandbox/editor.js),
found by its role and its label's name, in the place of the #manifest textarea it writes to."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

NAME = "Manifest (YAML)"


def manifest_editor(page: Page) -> Locator:
    """The editor, once CodeMirror has taken over from the textarea."""
    editor = page.locator(".cm-editor").get_by_role("textbox", name=NAME)
    expect(editor).to_be_visible()
    return editor


def fill_manifest(page: Page, text: str) -> None:
    """Replace the editor's text as a paste does (nothing re-indented), and wait until the form's
    textarea holds it.

    Select-all goes through the editor's own key binding: Playwright's `fill` selects the DOM
    text itself, which CodeMirror may overwrite with its own selection as it takes focus."""
    manifest_editor(page).focus()
    page.keyboard.press("ControlOrMeta+A")
    if text:
        page.keyboard.insert_text(text)
    else:
        page.keyboard.press("Delete")
    expect(page.locator("#manifest")).to_have_value(text)
