"""`load_content` never loses an edit made in the database: it keeps it and reports a conflict."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from lessons.loader import default_content_dir, load_content
from lessons.models import Challenge, Lesson, Scenario

pytestmark = pytest.mark.django_db

SCENARIO = """\
name: Tiny cluster
description: One node that has nginx.
nodes:
  - name: node-1
    images:
      - nginx:1.25
"""

LESSON = """\
slug: tiny
title: Tiny lesson
summary: Short.
order: 5
scenario: tiny
body: |
  Hello.

  Second paragraph.
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


def course(root: Path) -> Path:
    (root / "scenarios").mkdir(parents=True)
    (root / "scenarios" / "tiny.yaml").write_text(SCENARIO)
    (root / "tiny.yaml").write_text(LESSON)
    return root


def edit_file(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def load(path: Path, *args: str) -> tuple[str, str]:
    """stdout and stderr of `manage.py load_content --path <path> <args>` (it must not fail)."""
    out, err = StringIO(), StringIO()
    call_command("load_content", "--path", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def tiny() -> Lesson:
    return Lesson.objects.get(slug="tiny")


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    """The tiny course, loaded once: every row holds what its file says."""
    path = course(tmp_path / "content")
    load_content(path)
    return path


# --- edited in the database and changed in the file -----------------------------------------

def test_an_edit_in_the_database_is_kept_when_its_file_changes_too(loaded):
    Lesson.objects.filter(slug="tiny").update(summary="Edited in the admin.")
    edit_file(loaded / "tiny.yaml", "title: Tiny lesson", "title: Renamed in the file")

    out, err = load(loaded)

    assert (tiny().summary, tiny().title) == ("Edited in the admin.", "Tiny lesson")
    lines = err.splitlines()
    assert lines[0].startswith("conflict lesson tiny: edited in the database, and ")
    assert lines[0].endswith("/content/tiny.yaml changed since it was last loaded "
                             "(title, summary); kept the database version")
    assert lines[1:3] == ['  title: file "Renamed in the file" | database "Tiny lesson"',
                          '  summary: file "Short." | database "Edited in the admin."']
    assert "`manage.py load_content --force` takes the files" in lines[3]
    assert "`manage.py export_content --lesson tiny` writes the database to the file" in lines[3]
    assert len(lines) == 4
    assert "1 in conflict (database kept)" in out
    assert "updated lesson tiny" not in out


def test_the_summary_edited_through_the_admin_survives_a_reload(loaded, admin_client):
    """The issue as reported: edit a summary in the admin, a content file changes, reload."""
    lesson = tiny()
    challenge = lesson.challenges.get()
    form = {
        "title": lesson.title, "slug": lesson.slug, "summary": "Written by the instructor.",
        "order": lesson.order, "published": "on", "scenario": lesson.scenario_id,
        "body": lesson.body, "starter_manifest": lesson.starter_manifest,
        "challenges-TOTAL_FORMS": "1", "challenges-INITIAL_FORMS": "1",
        "challenges-MIN_NUM_FORMS": "0", "challenges-MAX_NUM_FORMS": "1000",
        "challenges-0-id": challenge.pk, "challenges-0-lesson": lesson.pk,
        "challenges-0-title": challenge.title, "challenges-0-slug": challenge.slug,
        "challenges-0-order": challenge.order, "challenges-0-prompt": challenge.prompt,
        "challenges-0-scenario": "", "challenges-0-starter_manifest": "",
        "challenges-0-goals": challenge.goals, "challenges-0-hints": challenge.hints,
        "challenges-0-solution": challenge.solution, "challenges-0-solution_after_attempts": "0",
    }
    response = admin_client.post(reverse("admin:lessons_lesson_change", args=[lesson.pk]), form)
    assert response.status_code == 302
    assert tiny().body == "Hello.\n\nSecond paragraph."  # the admin strips the last newline
    edit_file(loaded / "tiny.yaml", "Second paragraph.", "Second paragraph, revised.")
    edit_file(loaded / "tiny.yaml", "prompt: Run the pod.", "prompt: Start the pod.")

    out, err = load(loaded)

    assert tiny().summary == "Written by the instructor."
    assert "conflict lesson tiny:" in err and "last loaded (summary, body);" in err
    assert '  body, line 3: file "Second paragraph, revised." | database "Second paragraph."' in (
        err.splitlines())
    # The challenge was saved by the same form but not changed: the file still updates it.
    assert "updated challenge tiny/run-it" in out
    assert Challenge.objects.get(pk=challenge.pk).prompt == "Start the pod."


def test_a_scenario_edited_in_the_database_keeps_its_source(loaded):
    scenario = Scenario.objects.get(slug="tiny")
    scenario.source = SCENARIO.replace("nginx:1.25", "nginx:1.27")
    scenario.save()
    edit_file(loaded / "scenarios" / "tiny.yaml", "name: node-1", "name: node-a")

    _, err = load(loaded)

    assert Scenario.objects.get(slug="tiny").source == SCENARIO.replace("nginx:1.25", "nginx:1.27")
    assert "conflict scenario tiny:" in err and "scenarios/tiny.yaml changed" in err
    assert '  source, line 4: file "  - name: node-a" | database "  - name: node-1"' in err
    assert "manage.py export_content --scenarios" in err


def test_a_picker_order_set_in_the_admin_is_kept_when_course_yaml_changes(tmp_path):
    path = course(tmp_path / "content")
    (path / "scenarios" / "other.yaml").write_text("name: Other\n")
    (path / "course.yaml").write_text("scenarios:\n  - tiny\n  - other\n")
    load_content(path)
    Scenario.objects.filter(slug="tiny").update(order=99)
    (path / "course.yaml").write_text("scenarios:\n  - other\n  - tiny\n")

    _, err = load(path)

    assert dict(Scenario.objects.values_list("slug", "order")) == {"tiny": 99, "other": 10}
    assert err.startswith("conflict scenario tiny: edited in the database, and ")
    assert "/content/course.yaml changed since it was last loaded (order)" in err
    assert "  order (course.yaml): file 20 | database 99\n" in err
    assert "(except the order: change it in course.yaml by hand)" in err


def test_conflicts_are_reported_the_same_on_every_run_until_resolved(loaded):
    Lesson.objects.filter(slug="tiny").update(summary="Edited.")
    edit_file(loaded / "tiny.yaml", "summary: Short.", "summary: Shorter.")
    _, first = load(loaded)
    stamp = tiny().updated_at

    _, second = load(loaded)

    assert first == second and first.startswith("conflict lesson tiny:")
    assert first.count("conflict ") == 1
    assert (tiny().summary, tiny().updated_at) == ("Edited.", stamp)


def test_export_content_resolves_a_conflict_in_favour_of_the_database(loaded):
    Lesson.objects.filter(slug="tiny").update(summary="Edited.")
    edit_file(loaded / "tiny.yaml", "title: Tiny lesson", "title: Renamed")
    load(loaded)
    Lesson.objects.filter(slug="tiny").update(title="Renamed")  # keep both changes
    call_command("export_content", "--path", str(loaded), "--lesson", "tiny", stdout=StringIO())

    out, err = load(loaded)

    assert err == "" and "0 updated" in out
    assert not tiny().edited_since_load()
    edit_file(loaded / "tiny.yaml", "title: Renamed", "title: Renamed again")
    out, err = load(loaded)
    assert (err, tiny().title) == ("", "Renamed again")  # the file is followed again


# --- only one side changed ------------------------------------------------------------------

def test_an_unedited_row_follows_its_file(loaded):
    edit_file(loaded / "tiny.yaml", "summary: Short.", "summary: Shorter.")

    report = load_content(loaded)

    assert (report.updated, report.conflicts, report.kept) == (["lesson tiny"], [], [])
    assert tiny().summary == "Shorter."
    assert not tiny().edited_since_load()  # the fingerprint moved on with the file


def test_an_edit_in_the_database_alone_is_kept_on_every_run(loaded):
    Challenge.objects.filter(slug="run-it").update(prompt="Run it, your way.")

    for _ in range(2):
        out, err = load(loaded)
        assert Challenge.objects.get(slug="run-it").prompt == "Run it, your way."
        assert err == ""
        assert ("kept challenge tiny/run-it: edited in the database (prompt); ") in out
        assert "1 kept (edited in the database)" in out


def test_new_objects_in_the_files_are_created_next_to_a_conflict(loaded):
    Lesson.objects.filter(slug="tiny").update(summary="Edited.")
    edit_file(loaded / "tiny.yaml", "summary: Short.", "summary: Shorter.")
    edit_file(loaded / "tiny.yaml", "challenges:\n", "challenges:\n  - slug: new-one\n"
              "    title: New one\n    prompt: Something new.\n")
    (loaded / "second.yaml").write_text("slug: second\ntitle: Second\nbody: Hi.\n")

    report = load_content(loaded)

    assert report.created == ["lesson second", "challenge tiny/new-one"]
    assert [edit.label for edit in report.conflicts] == ["lesson tiny"]
    assert Challenge.objects.get(slug="new-one").lesson == tiny()
    assert not Lesson.objects.get(slug="second").edited_since_load()
    assert tiny().summary == "Edited."


# --- --force --------------------------------------------------------------------------------

def test_force_lets_the_files_win_and_says_what_it_overwrote(loaded):
    Lesson.objects.filter(slug="tiny").update(summary="Edited.")
    Challenge.objects.filter(slug="run-it").update(prompt="Edited prompt.")
    edit_file(loaded / "tiny.yaml", "summary: Short.", "summary: Shorter.")

    out, err = load(loaded, "--force")

    assert err == ""
    assert tiny().summary == "Shorter."
    assert Challenge.objects.get(slug="run-it").prompt == "Run the pod."
    assert "overwrote lesson tiny with " in out
    assert "(--force): the database edit to summary is replaced" in out
    assert '  summary: file "Shorter." | database "Edited."' in out
    assert '  prompt: file "Run the pod." | database "Edited prompt."' in out
    assert "2 overwritten (forced)" in out
    out, err = load(loaded)  # settled: the next plain load has nothing to report
    assert err == "" and out == "Content loaded: 0 created, 0 updated, 3 unchanged.\n"


# --- rows without a fingerprint -------------------------------------------------------------

def test_a_row_without_a_fingerprint_that_differs_from_its_file_is_a_conflict(loaded):
    """Rows loaded before fingerprints existed: nobody can tell whether they were edited."""
    Lesson.objects.update(content_fingerprint="")
    edit_file(loaded / "tiny.yaml", "summary: Short.", "summary: Shorter.")

    _, err = load(loaded)

    assert tiny().summary == "Short."
    assert err.startswith("conflict lesson tiny: differs from ")
    assert "has no record of being loaded from it" in err
    load(loaded, "--force")
    assert tiny().summary == "Shorter." and not tiny().edited_since_load()


def test_a_row_without_a_fingerprint_that_matches_its_file_adopts_one_silently(loaded):
    Lesson.objects.update(content_fingerprint="")
    stamp = tiny().updated_at

    out, err = load(loaded)

    assert err == "" and "0 updated, 3 unchanged." in out
    assert tiny().content_fingerprint and not tiny().edited_since_load()
    assert tiny().updated_at == stamp  # recording the fingerprint is not an edit
    edit_file(loaded / "tiny.yaml", "summary: Short.", "summary: Shorter.")
    load(loaded)
    assert tiny().summary == "Shorter."


def test_rows_created_in_the_admin_are_never_deleted_nor_overwritten(loaded):
    Lesson.objects.create(slug="mine", title="Mine", body="My own lesson.")
    Challenge.objects.create(lesson=tiny(), slug="extra", title="Extra", prompt="Mine.")
    edit_file(loaded / "tiny.yaml", "challenges:\n", "challenges:\n  - slug: extra\n"
              "    title: Extra from the file\n    prompt: The file's.\n")

    out, err = load(loaded)

    extra = Challenge.objects.get(slug="extra")
    assert (extra.title, extra.prompt) == ("Extra", "Mine.")
    assert Lesson.objects.filter(slug="mine").exists()
    assert err.startswith("conflict challenge tiny/extra: differs from ")
    assert "manage.py export_content --lesson tiny" in err
    assert Challenge.objects.count() == 2


# --- nothing to report ----------------------------------------------------------------------

def test_the_shipped_course_loads_twice_without_a_conflict(tmp_path):
    path = tmp_path / "content"
    shutil.copytree(default_content_dir(), path)
    load(path)

    out, err = load(path)

    assert err == "" and "0 created, 0 updated" in out and "kept" not in out
    for model in (Scenario, Lesson, Challenge):
        for row in model.objects.all():
            assert not row.edited_since_load(), row  # what was stored is what was loaded
