"""The sandbox page: free play, and challenge mode with `?challenge=<lesson>/<challenge>`."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from lessons.models import Challenge, Lesson, Scenario
from sandbox.views import STARTER_MANIFEST

pytestmark = pytest.mark.django_db

SOLUTION_MARKER = "image: nginx:1.25-solution-only"


def make_challenge(published: bool = True, **fields: object) -> Challenge:
    scenario = Scenario.objects.create(slug="two-nodes", title="Two nodes", source="name: x\n")
    Scenario.objects.create(slug="a-first", title="A first", source="name: y\n", order=-1)
    lesson = Lesson.objects.create(slug="pull-policies", title="Pull policies",
                                   published=published, scenario=scenario)
    fields = {
        "slug": "start-without-pulling",
        "title": "Start the pod without pulling",
        "prompt": "Run it **without pulling** `nginx`.",
        "starter_manifest": "kind: Pod\nmetadata:\n  name: starter-pod\n",
        "goals": "- allPodsRunning: true\n- noRegistryPulls: true\n",
        "hints": "First, look at the `tag`.\n\nSecond hint.",
        "solution": f"kind: Pod\nspec:\n  containers:\n    - {SOLUTION_MARKER}\n",
        **fields,
    }
    return Challenge.objects.create(lesson=lesson, **fields)


def page(client: Client, query: str) -> tuple[int, str]:
    response = client.get(f"/sandbox/{query}")
    return response.status_code, response.content.decode()


def test_free_play_page_has_the_starter_manifest_and_no_challenge(client: Client) -> None:
    status, content = page(client, "")
    assert status == 200
    assert html.escape(STARTER_MANIFEST) in content
    assert 'id="challenge"' not in content
    assert "data-challenge" not in content


def test_challenge_page_shows_title_prompt_goals_and_starter(client: Client) -> None:
    make_challenge()
    status, content = page(client, "?challenge=pull-policies/start-without-pulling")
    assert status == 200
    assert 'data-challenge="pull-policies/start-without-pulling"' in content
    assert "Start the pod without pulling</h1>" in content
    assert "Run it <strong>without pulling</strong> <code>nginx</code>." in content
    assert '<span class="goal-text">every pod is Running</span>' in content
    assert '<span class="goal-text">no image is pulled from a registry</span>' in content
    assert "name: starter-pod" in content
    assert 'href="/lessons/pull-policies/#challenge-start-without-pulling"' in content


def test_challenge_hints_are_rendered_hidden_in_order(client: Client) -> None:
    make_challenge()
    _, content = page(client, "?challenge=pull-policies/start-without-pulling")
    first = content.index("<p>First, look at the <code>tag</code>.</p>")
    second = content.index("<p>Second hint.</p>")
    assert first < second
    assert content.count('class="challenge-hint" tabindex="-1" hidden') == 2
    assert ">Show a hint</button>" in content


def test_challenge_preselects_its_lessons_scenario(client: Client) -> None:
    make_challenge()
    _, content = page(client, "?challenge=pull-policies/start-without-pulling")
    assert '<option value="two-nodes" data-description="" selected>' in content
    assert '<option value="a-first" data-description="">' in content


def test_scenario_in_the_query_wins_over_the_challenges(client: Client) -> None:
    make_challenge()
    _, content = page(client, "?scenario=a-first&challenge=pull-policies/start-without-pulling")
    assert '<option value="a-first" data-description="" selected>' in content
    assert '<option value="two-nodes" data-description="">' in content


def test_challenge_solution_is_never_sent_to_the_page(client: Client) -> None:
    make_challenge()
    _, content = page(client, "?challenge=pull-policies/start-without-pulling")
    assert SOLUTION_MARKER not in content
    assert "1.25-solution-only" not in content


@pytest.mark.parametrize(
    "key",
    [
        "pull-policies/no-such-challenge",
        "no-such-lesson/start-without-pulling",
        "pull-policies",
        "pull-policies/",
        "/start-without-pulling",
        "pull-policies/start-without-pulling/extra",
        "",
    ],
)
def test_unknown_challenge_is_404(client: Client, key: str) -> None:
    make_challenge()
    status, _ = page(client, f"?challenge={key}")
    assert status == 404


def test_challenge_of_an_unpublished_lesson_is_404_for_visitors(client: Client) -> None:
    make_challenge(published=False)
    status, _ = page(client, "?challenge=pull-policies/start-without-pulling")
    assert status == 404


def test_staff_may_open_a_challenge_of_an_unpublished_lesson(admin_client: Client) -> None:
    make_challenge(published=False)
    status, _ = page(admin_client, "?challenge=pull-policies/start-without-pulling")
    assert status == 200


def test_challenge_with_broken_goals_still_opens_and_says_so(client: Client) -> None:
    make_challenge(goals="- noSuchGoal: true\n")
    status, content = page(client, "?challenge=pull-policies/start-without-pulling")
    assert status == 200
    assert "goals could not be read" in content


def test_challenge_without_starter_opens_with_the_lessons(client: Client) -> None:
    challenge = make_challenge(starter_manifest="")
    Lesson.objects.filter(pk=challenge.lesson_id).update(
        starter_manifest="kind: Pod\nmetadata:\n  name: lesson-pod\n"
    )
    _, content = page(client, "?challenge=pull-policies/start-without-pulling")
    assert "name: lesson-pod" in content


def test_server_text_in_a_challenge_is_escaped(client: Client) -> None:
    make_challenge(title="<script>alert(1)</script>", prompt="<img src=x onerror=alert(2)>")
    _, content = page(client, "?challenge=pull-policies/start-without-pulling")
    assert "<script>alert(1)" not in content
    assert "onerror" not in content


def test_unknown_page_uses_the_lunchbox_404_page(client, settings) -> None:
    settings.DEBUG = False
    response = client.get("/lessons/no-such-lesson/")
    assert response.status_code == 404
    assert b"Open the sandbox" in response.content


def test_pages_carry_a_content_security_policy_without_inline_scripts(client) -> None:
    response = client.get("/sandbox/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split(";")[1]
    assert "<script>" not in response.content.decode()
