"""Every shipped lesson renders: described diagrams, sandboxes that run, links that lead somewhere.

Read from the content files, so a new lesson is checked without being listed anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from lessons.rendering import render_markdown
from sandbox.engine import evaluate, load_scenario

CONTENT = Path(__file__).resolve().parents[2] / "lessons" / "content"
LESSONS = {
    path.stem: YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    for path in sorted(CONTENT.glob("*.yaml")) if path.name != "course.yaml"
}
SCENARIOS = {path.stem for path in (CONTENT / "scenarios").glob("*.yaml")}


def texts(lesson: dict) -> list[str]:
    """The lesson's body and its challenges' prompts: everything a learner reads as Markdown."""
    return [lesson["body"], *(c["prompt"] for c in lesson.get("challenges") or ())]


@pytest.mark.parametrize("slug", sorted(LESSONS))
def test_every_diagram_has_a_text_equivalent(slug: str) -> None:
    for text in texts(LESSONS[slug]):
        for diagram in re.findall(r"```mermaid\n(.*?)```", text, re.DOTALL):
            assert "accTitle: " in diagram and "accDescr: " in diagram, diagram[:80]


@pytest.mark.parametrize("slug", sorted(LESSONS))
def test_sandbox_blocks_run_in_the_lesson_scenario(slug: str) -> None:
    lesson = LESSONS[slug]
    world = load_scenario((CONTENT / "scenarios" / f"{lesson['scenario']}.yaml").read_text())
    for block in re.findall(r"```sandbox\n(.*?)```", lesson["body"], re.DOTALL):
        assert evaluate(block, world).trace.pods


@pytest.mark.parametrize("slug", sorted(LESSONS))
def test_links_name_shipped_scenarios_and_lessons(slug: str) -> None:
    for text in texts(LESSONS[slug]):
        assert set(re.findall(r"/sandbox/\?scenario=([a-z0-9-]+)", text)) <= SCENARIOS
        assert set(re.findall(r"\]\(/lessons/([a-z0-9-]+)/\)", text)) <= set(LESSONS)


@pytest.mark.parametrize("slug", sorted(LESSONS))
def test_fences_render_as_code_not_as_leaked_text(slug: str) -> None:
    for text in texts(LESSONS[slug]):
        html = render_markdown(text, "/sandbox/", LESSONS[slug]["scenario"])
        # A fence nested in a list is not a fence to Python-Markdown: it would leak inline.
        assert not re.search(r"<code>(text|sh|yaml|dockerfile|mermaid|sandbox)\s", html)
        assert "```" not in html
