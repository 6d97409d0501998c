"""`export_content`: lessons go back to YAML with comments, key order and styles kept."""

from __future__ import annotations

import difflib
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from lessons.loader import default_content_dir, load_content
from lessons.models import Challenge, Lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the shipped course, loaded, so exports never touch the real files."""
    target = tmp_path / "content"
    shutil.copytree(default_content_dir(), target)
    load_content(target)
    return target


def export(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("export_content", "--path", str(path), *args, stdout=out)
    return out.getvalue()


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_exporting_an_unchanged_lesson_leaves_the_file_byte_for_byte(course):
    before = (course / "pull-policies.yaml").read_text()
    assert "0 file(s) written" in export(course)
    assert (course / "pull-policies.yaml").read_text() == before


def test_a_changed_title_changes_only_its_line_and_keeps_comments(course):
    path = course / "pull-policies.yaml"
    before = path.read_text()
    Lesson.objects.filter(slug="pull-policies").update(title="Pull policies in practice")
    export(course, "--lesson", "pull-policies")
    after = path.read_text()
    assert changed_lines(before, after) == [
        "-title: 'Pull policies: Always, IfNotPresent, Never'",
        "+title: Pull policies in practice",
    ]
    assert after.startswith("# Lesson: the three image pull policies.")


def test_a_changed_body_stays_a_literal_block(course):
    path = course / "pull-policies.yaml"
    lesson = Lesson.objects.get(slug="pull-policies")
    lesson.body = "First line.\n\nSecond paragraph.\n"
    lesson.save()
    export(course)
    assert "body: |\n  First line.\n\n  Second paragraph.\nchallenges:" in path.read_text()


def test_new_challenges_are_appended_and_deleted_ones_removed(course):
    path = course / "pull-policies.yaml"
    lesson = Lesson.objects.get(slug="pull-policies")
    lesson.challenges.all().delete()
    Challenge.objects.create(lesson=lesson, slug="pin-it", title="Pin it", prompt="Use a digest.",
                             goals="- allPodsRunning: true\n", order=30)
    export(course)
    text = path.read_text()
    assert "start-without-pulling" not in text
    assert "  - slug: pin-it\n    title: Pin it\n    order: 30\n" in text
    assert "    goals: |\n      - allPodsRunning: true\n" in text


def test_export_then_load_round_trips(course, tmp_path):
    fresh = tmp_path / "fresh"
    shutil.copytree(course / "scenarios", fresh / "scenarios")
    shutil.copy(course / "course.yaml", fresh / "course.yaml")
    export(fresh)  # no files yet: written from scratch
    report = load_content(fresh)
    assert (report.created, report.updated) == ([], [])


def test_export_of_an_unknown_lesson_fails_clearly(course):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No lesson with slug: nope"):
        export(course, "--lesson", "nope")
