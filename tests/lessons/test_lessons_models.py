"""Model behaviour: positioned validation errors, rendering links, hints and goals."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lessons.models import Challenge, Lesson, Scenario

pytestmark = pytest.mark.django_db

SCENARIO = """\
name: Tiny cluster
description: One node that already has nginx:1.25.
nodes:
  - name: node-1
    images:
      - nginx:1.25
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
"""


def messages(error: ValidationError, field: str) -> list[str]:
    return error.message_dict[field]


def test_scenario_clean_accepts_a_valid_scenario_and_load_returns_the_engine_world():
    scenario = Scenario(slug="tiny", title="Tiny", source=SCENARIO)
    scenario.full_clean()
    world = scenario.load()
    assert world.name == "Tiny cluster"
    assert [node.name for node in world.nodes] == ["node-1"]


def test_scenario_clean_reports_an_unknown_key_with_its_line_and_column():
    scenario = Scenario(slug="tiny", title="Tiny", source=SCENARIO + "nodez: []\n")
    with pytest.raises(ValidationError) as caught:
        scenario.full_clean()
    (message,) = messages(caught.value, "source")
    assert message.startswith("Line 7, column 1: ")
    assert "nodez" in message


def test_scenario_clean_reports_every_problem_separately():
    source = "name: Two problems\nnodez: []\nregistriez: []\n"
    with pytest.raises(ValidationError) as caught:
        Scenario(slug="x", title="x", source=source).full_clean()
    found = messages(caught.value, "source")
    assert [m.split(":")[0] for m in found] == ["Line 2, column 1", "Line 3, column 1"]


def test_lesson_clean_reports_a_bad_pull_policy_at_its_line():
    manifest = POD + "      imagePullPolicy: Sometimes\n"
    lesson = Lesson(slug="l", title="L", starter_manifest=manifest)
    with pytest.raises(ValidationError) as caught:
        lesson.full_clean()
    (message,) = messages(caught.value, "starter_manifest")
    assert message.startswith("Line 9, column ")
    assert "Sometimes" in message


def test_lesson_clean_reports_yaml_syntax_errors_with_a_position():
    lesson = Lesson(slug="l", title="L", starter_manifest="kind: Pod\nmetadata: [\n")
    with pytest.raises(ValidationError) as caught:
        lesson.full_clean()
    assert messages(caught.value, "starter_manifest")[0].startswith("Line ")


def test_lesson_with_a_blank_starter_manifest_is_valid():
    Lesson(slug="l", title="L", body="x").full_clean()


def test_crlf_from_the_admin_textarea_is_stored_as_lf():
    lesson = Lesson.objects.create(slug="l", title="L", body="a\r\nb", starter_manifest="x\r\n")
    lesson.refresh_from_db()
    assert lesson.body == "a\nb"
    assert lesson.starter_manifest == "x\n"


def test_challenge_clean_checks_starter_manifest_solution_and_goals_separately():
    lesson = Lesson.objects.create(slug="l", title="L")
    challenge = Challenge(
        lesson=lesson, slug="c", title="C", prompt="Go",
        starter_manifest=POD,
        solution=POD + "      imagePullPolicy: Sometimes\n",
        goals="- allPodsRunning: true\n- just text\n",
    )
    with pytest.raises(ValidationError) as caught:
        challenge.full_clean()
    errors = caught.value.message_dict
    assert "starter_manifest" not in errors
    assert errors["solution"][0].startswith("Line 9, column ")
    assert errors["goals"] == [
        "Line 2, column 3: goal 2 is not a single `name: value` pair "
        "(e.g. `- noRegistryPulls: true`)"
    ]


def test_challenge_clean_rejects_a_goal_the_engine_does_not_know():
    lesson = Lesson.objects.create(slug="l", title="L")
    challenge = Challenge(lesson=lesson, slug="c", title="C", prompt="Go",
                          goals="- allPodsRunning: true\n- noPulls: true\n")
    with pytest.raises(ValidationError) as caught:
        challenge.full_clean()
    (message,) = caught.value.message_dict["goals"]
    assert message.startswith("Line 2, column 3: unknown goal 'noPulls'")


def test_goals_must_be_a_list():
    lesson = Lesson.objects.create(slug="l", title="L")
    challenge = Challenge(lesson=lesson, slug="c", title="C", prompt="Go", goals="noPulls: true")
    with pytest.raises(ValidationError) as caught:
        challenge.full_clean()
    assert caught.value.message_dict["goals"][0].startswith("Line 1, column 1: goals must be")


def test_body_html_links_sandbox_blocks_to_the_lessons_scenario():
    scenario = Scenario.objects.create(slug="two-nodes", title="Two nodes", source=SCENARIO)
    lesson = Lesson.objects.create(slug="l", title="L", scenario=scenario,
                                   body="```sandbox\nkind: Pod\n```\n")
    html = lesson.body_html()
    assert 'href="/sandbox/?scenario=two-nodes"' in html
    assert 'data-manifest="kind: Pod\n"' in html


def test_body_html_without_a_scenario_links_to_the_plain_sandbox():
    lesson = Lesson.objects.create(slug="l", title="L", body="```sandbox\nkind: Pod\n```\n")
    assert f'href="{reverse("sandbox:index")}"' in lesson.body_html()


def test_challenge_sandbox_url_falls_back_to_the_lessons_scenario():
    scenario = Scenario.objects.create(slug="two-nodes", title="Two nodes", source=SCENARIO)
    other = Scenario.objects.create(slug="private-registry", title="Private", source=SCENARIO)
    lesson = Lesson.objects.create(slug="pull-policies", title="L", scenario=scenario)
    inherited = Challenge.objects.create(lesson=lesson, slug="a", title="A", prompt="p")
    own = Challenge.objects.create(lesson=lesson, slug="b", title="B", prompt="p",
                                   scenario=other)
    assert inherited.sandbox_url() == "/sandbox/?scenario=two-nodes&challenge=pull-policies/a"
    assert own.sandbox_url() == "/sandbox/?scenario=private-registry&challenge=pull-policies/b"


def test_hints_are_one_per_paragraph_and_goals_are_plain_data():
    lesson = Lesson.objects.create(slug="l", title="L")
    challenge = Challenge.objects.create(
        lesson=lesson, slug="c", title="C", prompt="p",
        hints="First hint\nwraps here.\n\n\nSecond hint.\n",
        goals="- allPodsRunning: true\n- event: {reason: Pulled}\n",
    )
    assert challenge.hint_list() == ["First hint wraps here.", "Second hint."]
    assert challenge.goal_list() == [{"allPodsRunning": True}, {"event": {"reason": "Pulled"}}]


def test_admin_shows_the_positioned_error_and_saves_nothing(admin_client):
    lesson = Lesson.objects.create(slug="l", title="Before", body="x")
    url = reverse("admin:lessons_lesson_change", args=[lesson.pk])
    response = admin_client.post(url, {
        "title": "After", "slug": "l", "summary": "", "order": "0", "body": "x",
        "starter_manifest": POD + "      imagePullPolicy: Sometimes\n",
        "challenges-TOTAL_FORMS": "0", "challenges-INITIAL_FORMS": "0",
        "challenges-MIN_NUM_FORMS": "0", "challenges-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 200
    assert b"Line 9, column " in response.content
    lesson.refresh_from_db()
    assert lesson.title == "Before"
