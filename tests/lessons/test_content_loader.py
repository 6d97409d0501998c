"""`load_content`: the shipped course loads, reloading changes nothing, bad files load nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lessons.loader import ContentError, default_content_dir, load_content
from lessons.models import Challenge, Lesson, Scenario

pytestmark = pytest.mark.django_db

SCENARIO = """\
name: Tiny cluster
description: >-
  One node that already
  has nginx:1.25.
nodes:
  - name: node-1
    images:
      - nginx:1.25
"""

LESSON = """\
# A comment the loader ignores.
slug: tiny
title: Tiny lesson
summary: Short.
order: 5
scenario: tiny
starter_manifest: |
  apiVersion: v1
  kind: Pod
  metadata:
    name: web
  spec:
    containers:
      - name: web
        image: nginx:1.25
body: |
  Hello.
challenges:
  - slug: run-it
    title: Run it
    prompt: Run the pod.
    goals: |
      - allPodsRunning: true
    hints:
      - First.
      - Second.
    solution: |
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
      spec:
        containers:
          - name: web
            image: nginx:1.25
"""


def content_dir(root: Path, lesson: str = LESSON, scenario: str = SCENARIO) -> Path:
    (root / "scenarios").mkdir(parents=True)
    (root / "scenarios" / "tiny.yaml").write_text(scenario)
    (root / "tiny.yaml").write_text(lesson)
    return root


def load(path: Path) -> str:
    out = StringIO()
    call_command("load_content", "--path", str(path), stdout=out)
    return out.getvalue()


def rows() -> tuple[int, int, int]:
    return Scenario.objects.count(), Lesson.objects.count(), Challenge.objects.count()


# --- the shipped course ---------------------------------------------------------------------

def test_shipped_content_loads():
    report = load_content()
    lesson = Lesson.objects.get(slug="pull-policies")
    assert lesson.published
    assert lesson.scenario is not None and lesson.scenario.slug == "two-nodes"
    challenge = lesson.challenges.get(slug="start-without-pulling")
    assert "noRegistryPulls" in challenge.goals
    assert len(challenge.hint_list()) == 4
    assert {"scenario two-nodes", "scenario private-registry"} <= set(report.created)


def test_shipped_scenarios_take_title_and_description_from_the_file():
    load_content()
    for scenario in Scenario.objects.all():
        path = default_content_dir() / "scenarios" / f"{scenario.slug}.yaml"
        assert scenario.source == path.read_text()
        assert scenario.title and scenario.title in scenario.source
        scenario.load()  # the stored source is valid for the engine


def test_shipped_scenarios_follow_the_course_order():
    load_content()
    slugs = list(Scenario.objects.order_by("order").values_list("slug", flat=True))
    assert slugs[:2] == ["two-nodes", "private-registry"]


def test_shipped_lesson_body_renders_its_diagram_and_sandbox():
    load_content()
    html = Lesson.objects.get(slug="pull-policies").body_html()
    assert '<pre class="mermaid">flowchart TD' in html
    assert 'class="live-sandbox"' in html
    assert 'href="/sandbox/?scenario=two-nodes"' in html


def test_loading_twice_creates_and_changes_nothing():
    load_content()
    before = rows()
    stamps = {lesson.slug: lesson.updated_at for lesson in Lesson.objects.all()}
    scenario_stamps = {s.slug: s.updated_at for s in Scenario.objects.all()}
    report = load_content()
    assert report.created == [] and report.updated == []
    assert rows() == before
    assert {lesson.slug: lesson.updated_at for lesson in Lesson.objects.all()} == stamps
    assert {s.slug: s.updated_at for s in Scenario.objects.all()} == scenario_stamps


def test_command_prints_a_summary():
    assert "created" in load(default_content_dir())
    assert "0 created, 0 updated" in load(default_content_dir())


# --- upserting ------------------------------------------------------------------------------

def test_a_changed_file_updates_only_what_changed(tmp_path):
    path = content_dir(tmp_path)
    load_content(path)
    (path / "tiny.yaml").write_text(LESSON.replace("title: Tiny lesson", "title: Renamed"))
    report = load_content(path)
    assert report.updated == ["lesson tiny"]
    assert report.created == []
    assert Lesson.objects.get(slug="tiny").title == "Renamed"


def test_scenario_fields_come_from_name_description_and_file_stem(tmp_path):
    load_content(content_dir(tmp_path))
    scenario = Scenario.objects.get(slug="tiny")
    assert scenario.title == "Tiny cluster"
    assert scenario.description == "One node that already has nginx:1.25."
    assert scenario.source == SCENARIO


def test_hints_given_as_a_list_become_paragraphs(tmp_path):
    load_content(content_dir(tmp_path))
    assert Challenge.objects.get(slug="run-it").hints == "First.\n\nSecond."


# --- bad files ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("lesson", "expected"),
    [
        # a bad value inside the starter manifest block, reported at its line in the file
        (LESSON.replace("image: nginx:1.25", "image: nginx:1.25\n        imagePullPolicy: Nope"),
         "tiny.yaml, line 16, column 26: starter_manifest: "),
        # YAML syntax error in the lesson file itself
        (LESSON.replace("summary: Short.", "summary: [Short."), "tiny.yaml, line "),
        # an unknown key
        (LESSON.replace("order: 5", "ordre: 5"), "tiny.yaml, line 5, column 1: unknown lesson key"),
        # a scenario that does not exist
        (LESSON.replace("scenario: tiny", "scenario: nowhere"),
         "tiny.yaml, line 6, column 1: scenario `nowhere` does not exist"),
        # a goal that is not a one-key mapping, placed inside the block
        (LESSON.replace("- allPodsRunning: true", "- allPodsRunning: true\n      - oops"),
         "tiny.yaml, line 24, column 9: goals: goal 2"),
        # required key missing
        (LESSON.replace("title: Tiny lesson\n", ""),
         "tiny.yaml, line 2, column 1: `title` is required"),
        # a wrong type
        (LESSON.replace("order: 5", "order: five"), "tiny.yaml, line 5, column 1: `order`"),
        # the slug must match the file name
        (LESSON.replace("slug: tiny", "slug: other"), "tiny.yaml, line 2, column 1: slug `other`"),
        # the whole file is a list
        ("- just\n- a list\n", "tiny.yaml, line 1, column 1: must be a YAML mapping"),
    ],
)
def test_a_bad_lesson_file_names_file_and_line_and_loads_nothing(tmp_path, lesson, expected):
    path = content_dir(tmp_path, lesson=lesson)
    with pytest.raises(CommandError) as caught:
        load(path)
    assert expected in str(caught.value)
    assert str(caught.value).startswith("Nothing was loaded.")
    assert rows() == (0, 0, 0)  # the scenario loaded before the bad lesson was rolled back


def test_a_bad_scenario_is_reported_at_its_line(tmp_path):
    path = content_dir(tmp_path, scenario=SCENARIO + "nodez: []\n")
    with pytest.raises(ContentError) as caught:
        load_content(path)
    assert caught.value.path.name == "tiny.yaml"
    assert caught.value.line == 9
    assert rows() == (0, 0, 0)


def test_a_file_that_is_not_utf8_is_a_content_error(tmp_path):
    path = content_dir(tmp_path)
    (path / "tiny.yaml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ContentError, match="not UTF-8"):
        load_content(path)


def test_a_failed_reload_keeps_the_previous_content(tmp_path):
    path = content_dir(tmp_path)
    load_content(path)
    (path / "tiny.yaml").write_text(LESSON.replace("title: Tiny lesson", "title: New")
                                    .replace("order: 5", "order: x"))
    with pytest.raises(ContentError):
        load_content(path)
    assert Lesson.objects.get(slug="tiny").title == "Tiny lesson"


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        load(tmp_path / "missing")
