"""`load_content` on hostile course files: a ContentError naming the file, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_corpus import POD

from lessons.loader import ContentError, load_content
from lessons.models import Challenge, Lesson, Scenario

pytestmark = pytest.mark.django_db


def block(text: str, indent: str) -> str:
    return "|\n" + "".join(f"{indent}{line}\n" for line in text.splitlines())


# Saving a challenge runs its solution (it must pass) and its starter (it must not).
FAILING = POD.replace("nginx:1.25", "nginx:no-such-tag")


def lesson(goals: str = "- allPodsRunning: true", starter: str = POD) -> str:
    return ("slug: tiny\ntitle: Tiny\nbody: Hello.\nscenario: tiny\n"
            "starter_manifest: " + block(starter, "  ")
            + "challenges:\n  - slug: run\n    title: Run\n    prompt: Run it.\n"
            + "    starter_manifest: " + block(FAILING, "      ")
            + "    solution: " + block(POD, "      ")
            + "    goals: " + block(goals, "      "))


def content(root: Path, lesson_text: str, scenario: str = "name: Tiny\n") -> Path:
    (root / "scenarios").mkdir(parents=True)
    (root / "scenarios" / "tiny.yaml").write_text(scenario, encoding="utf-8")
    (root / "tiny.yaml").write_text(lesson_text, encoding="utf-8")
    return root


def refused(root: Path) -> ContentError:
    with pytest.raises(ContentError) as caught:
        load_content(root)
    assert (Scenario.objects.count(), Lesson.objects.count(), Challenge.objects.count()) == (
        0, 0, 0)
    return caught.value


def test_the_plain_lesson_of_these_tests_loads(tmp_path: Path) -> None:
    load_content(content(tmp_path, lesson()))
    assert Challenge.objects.get().goals.strip() == "- allPodsRunning: true"


TINY = "name: Tiny\n"


@pytest.mark.parametrize(("lesson_text", "scenario"), [
    pytest.param(lesson() + "\x00", TINY, id="nul-in-lesson"),
    pytest.param(lesson() + "#" * (1024 * 1024) + "\n", TINY, id="lesson-over-1-mib"),
    pytest.param("slug: " + "[" * 3000, TINY, id="lesson-nesting-3000"),
    pytest.param(lesson(starter="a: " + "[" * 10_000), TINY, id="starter-nesting-10k"),
    pytest.param(lesson(starter="a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
        for i in range(6))), TINY, id="starter-alias-bomb"),
    pytest.param(lesson(), "name: Tiny\nbuilds:\n  - dockerfile: |\n"
                 "      FROM python:3.12-slim\n      ENV A=xx\n" + "      ENV A=$A$A\n" * 60
                 + "    push: myteam/web:v1\n", id="scenario-env-doubling"),
    pytest.param(lesson(), "name: Tiny\nnodes:\n" + "".join(
        f"  - name: n{i}\n" for i in range(51)), id="scenario-51-nodes"),
])
def test_a_hostile_content_file_is_a_content_error(
    tmp_path: Path, lesson_text: str, scenario: str
) -> None:
    error = refused(content(tmp_path, lesson_text, scenario))
    assert str(error.path).startswith(str(tmp_path))


@pytest.mark.parametrize("goals", [
    pytest.param("- " + "[" * 10_000, id="nesting-10k"),
    pytest.param("- maxBytesPulled: " + "1" * 5000, id="integer-5000-digits"),
])
def test_hostile_goals_in_a_content_file_are_a_positioned_content_error(
    tmp_path: Path, goals: str
) -> None:
    # lessons/validation.goal_problems once read goals with ruamel's recursive loader and caught
    # only YAMLError: these were a RecursionError and a ValueError (int digit limit).
    error = refused(content(tmp_path, lesson(goals=goals)))
    assert error.line is not None
