"""Saving a challenge runs its solution and its starter through the engine (issue 11, authoring):
an unsolvable challenge, or one whose starter already passes, is refused with the goal that
failed, in the model's validation and so in the admin and in `load_content`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lessons.models import Challenge, Lesson

pytestmark = pytest.mark.django_db


def pod(image: str, policy: str = "IfNotPresent") -> str:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
        f"    - name: web\n      image: {image}\n      imagePullPolicy: {policy}\n"
    )


RUNS = pod("nginx:1.25")
FAILS = pod("nginx:no-such-tag")
GOALS = "- allPodsRunning: true\n"


def challenge(**fields: str) -> Challenge:
    lesson = Lesson.objects.create(slug="l", title="L")
    values = {"starter_manifest": FAILS, "solution": RUNS, "goals": GOALS, **fields}
    return Challenge(lesson=lesson, slug="c", title="C", prompt="Go", **values)


def errors_of(item: Challenge) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    return caught.value.message_dict


def test_a_solvable_challenge_with_a_failing_starter_saves():
    challenge(starter_manifest=FAILS, solution=RUNS).full_clean()


def test_a_solution_that_misses_a_goal_is_refused_naming_the_goal():
    errors = errors_of(challenge(solution=FAILS))
    (message,) = errors["solution"]
    assert message.startswith("the solution does not meet the goal “every pod is Running”")
    assert "ErrImagePull" in message or "ImagePullBackOff" in message
    assert "starter_manifest" not in errors


def test_a_starter_that_already_passes_is_refused():
    errors = errors_of(challenge(starter_manifest=RUNS))
    assert errors["starter_manifest"][0].startswith("the starter already meets every goal")
    assert "solution" not in errors


def test_goals_without_a_solution_are_refused():
    errors = errors_of(challenge(solution=""))
    assert errors["solution"][0].startswith("a challenge with goals needs a solution")


def test_a_challenge_without_goals_needs_no_solution():
    challenge(goals="", solution="").full_clean()


def test_the_admin_shows_the_goal_that_failed_and_saves_nothing(admin_client):
    lesson = Lesson.objects.create(slug="l", title="L")
    form = {
        "lesson": lesson.pk, "slug": "c", "title": "C", "order": "0", "prompt": "Go",
        "starter_manifest": FAILS, "goals": GOALS, "hints": "", "solution": FAILS,
        "solution_after_attempts": "0", "setup": "",
    }
    response = admin_client.post(reverse("admin:lessons_challenge_add"), form)
    assert response.status_code == 200
    assert "the solution does not meet the goal" in response.content.decode()
    assert not Challenge.objects.exists()
    form["solution"] = RUNS
    response = admin_client.post(reverse("admin:lessons_challenge_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Challenge.objects.get().solution.strip() == RUNS.strip()
