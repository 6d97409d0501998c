"""Predict mode in a real browser: the run stops at each question, the learner answers by role
and name, the reveal marks right and wrong with the kubelet's rule, the score is said once, and
on a challenge it reaches the learner's progress (a reload shows it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from manifest_editor import fill_manifest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 30_000
CHALLENGE = "pull-policies/predict-the-kubelet"

CACHED = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeName: node-1
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
"""

PULLS_ON_NODE_2 = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeSelector:
    kubernetes.io/hostname: node-2
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
"""

WATCH_LIVE_REGION = """() => {
  window.announced = [];
  const region = document.getElementById("narration-live");
  new MutationObserver(() => window.announced.push(region.textContent))
    .observe(region, { childList: true, characterData: true, subtree: true });
}"""


def open_page(page: Page, server: LiveServer, query: str = "") -> None:
    page.goto(f"{server.url}/sandbox/{query}")
    expect(page.locator("#connection-state")).to_have_text("connected")


def start(page: Page, manifest: str) -> None:
    fill_manifest(page, manifest)
    page.select_option("#speed", "16")
    page.get_by_role("checkbox", name="Predict").check()
    page.get_by_role("button", name="Run").click()


def answer(page: Page, number: int, total: int, choice: str) -> None:
    """Wait for question `number`, pick `choice` (a radio's name, or its start) and Check it."""
    panel = page.get_by_role("region", name="Predict, then reveal")
    group = panel.get_by_role("group", name=f"Question {number} of {total}")
    expect(group).to_be_visible(timeout=RUN_TIMEOUT_MS)
    check = panel.get_by_role("button", name="Check", exact=True)
    expect(check).to_be_disabled()  # nothing chosen yet
    group.get_by_role("radio", name=choice).check()
    check.click()


def answer_and_continue(page: Page, number: int, total: int, choice: str) -> None:
    answer(page, number, total, choice)
    page.get_by_role("button", name="Continue").click()


def test_predict_mode_asks_reveals_and_scores(page: Page, sandbox_server: LiveServer) -> None:
    open_page(page, sandbox_server, "?scenario=two-nodes")
    page.evaluate(WATCH_LIVE_REGION)
    start(page, CACHED)
    panel = page.get_by_role("region", name="Predict, then reveal")

    expect(panel.get_by_role("group", name="Question 1 of 2")).to_be_visible(
        timeout=RUN_TIMEOUT_MS)
    page.locator("#pause").click()  # the learner pauses the stream while thinking
    expect(page.locator("#pause")).to_have_text("Play")
    answer(page, 1, 2, "Never: use the node's copy")
    verdict = panel.locator(".predict-verdict")
    expect(verdict).to_have_text("Not this time: the answer is “IfNotPresent: use the node's copy "
                                 "if it has one, else pull”.")
    expect(panel.locator(".predict-explanation")).to_contain_text("pulls only when it is not")
    expect(panel.locator('[data-mark="wrong"]')).to_contain_text("Never")
    expect(panel.locator('[data-mark="answer"]')).to_contain_text("IfNotPresent")
    expect(panel.get_by_role("button", name="Continue")).to_be_focused()
    panel.get_by_role("button", name="Continue").click()
    expect(page.locator("#pause")).to_have_text("Pause")  # Continue resumed the stream

    answer(page, 2, 2, "Use the image on the node")
    expect(verdict).to_have_text("Right.")
    expect(panel.locator(".predict-explanation")).to_contain_text("already on node-1")
    page.keyboard.press("Enter")  # Continue has the focus
    expect(panel.locator(".predict-score")).to_have_text("Predictions: 1 of 2 right",
                                                         timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#results")).to_be_visible()
    # The score is said once in the live region (it may share a change with a step).
    expect(page.locator("#narration-live")).to_contain_text("Predictions: 1 of 2 right")
    said = page.evaluate("window.announced")
    assert sum("Predictions: 1 of 2 right" in text for text in said) == 1, said


def test_keyboard_alone_answers_a_question(page: Page, sandbox_server: LiveServer) -> None:
    open_page(page, sandbox_server, "?scenario=two-nodes")
    start(page, CACHED)
    group = page.get_by_role("group", name="Question 1 of 2")
    expect(group).to_be_visible(timeout=RUN_TIMEOUT_MS)
    group.get_by_role("radio").first.focus()
    page.keyboard.press("ArrowDown")  # radios: the arrow moves and selects
    expect(group.get_by_role("radio", name="IfNotPresent:")).to_be_checked()
    page.keyboard.press("Enter")  # submits the form: Check
    expect(page.locator(".predict-verdict")).to_have_text("Right.")


def test_the_score_reaches_progress_on_a_challenge(page: Page,
                                                   sandbox_server: LiveServer) -> None:
    open_page(page, sandbox_server, f"?challenge={CHALLENGE}")
    start(page, PULLS_ON_NODE_2)
    answer_and_continue(page, 1, 4, "IfNotPresent:")
    answer_and_continue(page, 2, 4, "Pull the image")
    answer_and_continue(page, 3, 4, "None: it pulls anonymously")
    answer_and_continue(page, 4, 4, "It is pulled")
    panel = page.get_by_role("region", name="Predict, then reveal")
    expect(panel.locator(".predict-score")).to_have_text("Predictions: 4 of 4 right",
                                                         timeout=RUN_TIMEOUT_MS)
    goals = page.locator("#goals")
    expect(goals.locator(".goal", has_text="prediction(s) right")).to_have_attribute(
        "data-state", "passed")
    page.reload()
    progress = page.get_by_role("group", name="Your progress")
    expect(progress).to_contain_text("Predictions in your last predict-mode run: 4 of 4 right.")
    expect(progress.locator(".goal", has_text="prediction(s) right")).to_contain_text("Met")
