"""The shipped course is right: solutions pass their goals in the simulator, starters do not."""

from __future__ import annotations

import re

import pytest

from lessons.loader import load_content
from lessons.models import Challenge, Lesson
from sandbox.engine import apply_settings, check_goals, load_manifests, simulate
from sandbox.engine.render.predict import prediction_points, score

pytestmark = pytest.mark.django_db


def run(challenge: Challenge, manifest: str, settings: dict | None = None) -> dict[str, bool]:
    """Each goal met or not; a `predictions` goal as for a learner who predicts every question
    of the run rightly."""
    scenario = challenge.effective_scenario()
    assert scenario is not None
    world = scenario.load()
    if settings:  # the cluster settings the learner picks (`solution_settings`)
        world = apply_settings(scenario.source, world, list(settings.items()))
    trace = simulate(load_manifests(manifest), world)
    points = prediction_points(trace)
    perfect = score(points, {p.id: p.answer for p in points})
    return {result.goal: result.passed
            for result in check_goals(trace, challenge.goals, perfect)}


@pytest.fixture
def challenges() -> list[Challenge]:
    load_content()
    found = list(Challenge.objects.select_related("lesson__scenario", "scenario"))
    assert found
    return found


def test_every_shipped_solution_meets_all_its_goals(challenges):
    for challenge in challenges:
        results = run(challenge, challenge.solution, challenge.solution_settings)
        assert all(results.values()), (challenge.key, results)


def test_no_shipped_starter_manifest_already_meets_its_goals(challenges):
    for challenge in challenges:
        results = run(challenge, challenge.starter_manifest)
        assert not all(results.values()), challenge.key


def test_sandbox_blocks_in_shipped_lessons_are_valid_manifests():
    load_content()
    for lesson in Lesson.objects.all():
        for block in re.findall(r"```sandbox\n(.*?)```", lesson.body, re.DOTALL):
            assert load_manifests(block), lesson.slug


def test_pull_policies_lesson_quotes_the_events_the_simulator_emits():
    load_content()
    lesson = Lesson.objects.get(slug="pull-policies")
    manifest = lesson.starter_manifest
    assert lesson.scenario is not None
    trace = simulate(load_manifests(manifest), lesson.scenario.load())
    pulled = [e.message for e in trace.events if e.reason == "Pulled"]
    assert pulled == [
        'Container image "nginx:1.25" already present on machine and can be accessed by the pod'
    ]
    assert pulled[0] in lesson.body
    never = simulate(load_manifests(manifest.replace("nginx:1.25", "nginx:1.27")
                                    .replace("IfNotPresent", "Never")), lesson.scenario.load())
    messages = {e.reason: e.message for e in never.events}
    assert messages["ErrImageNeverPull"] == (
        'Container image "nginx:1.27" is not present with pull policy of Never'
    )
    assert 'is not present with pull policy of Never' in lesson.body
