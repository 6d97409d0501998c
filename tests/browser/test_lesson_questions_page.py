"""Check yourself, in a real browser (issue 11): a lesson's engine-written question is a radio
group under its question as legend; answering it shows a verdict with the kubelet's rule, the
score, and a new question; the lessons index counts it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_a_learner_answers_the_recap_and_sees_why(page: Page, sandbox_server: LiveServer) -> None:
    page.goto(f"{sandbox_server.url}/lessons/recap/")
    section = page.get_by_role("region", name=re.compile("The course pictured something as"))
    expect(section).to_have_count(1)
    group = section.get_by_role("group", name=re.compile("The course pictured something as"))
    choices = group.get_by_role("radio")
    expect(choices).to_have_count(4)
    choices.first.check()
    section.get_by_role("button", name="Check").click()
    verdict = page.locator("#question-recap").get_by_role("status")
    expect(verdict).to_contain_text(re.compile(r"Right\.|Not quite\."))
    expect(verdict).to_contain_text("On a real cluster")
    expect(page.locator("#question-recap")).to_contain_text("of 1 answered")
    # A new draw is asked right away.
    expect(page.locator("#question-recap").get_by_role("group")).to_contain_text("Another one:")
    page.goto(f"{sandbox_server.url}/lessons/")
    expect(page.get_by_text(re.compile(r"Questions: \d right of 1 answered"))).to_be_visible()
