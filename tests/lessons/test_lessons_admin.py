"""The admin pages render for a superuser, and preview links point at the right pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lessons.models import Challenge, Lesson, Progress, Scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    scenario = Scenario.objects.create(slug="two-nodes", title="Two nodes", source="name: x\n")
    lesson = Lesson.objects.create(slug="pull-policies", title="Pull policies", body="Hi",
                                   scenario=scenario, published=False)
    challenge = Challenge.objects.create(lesson=lesson, slug="no-pull", title="No pull",
                                         prompt="Go.")
    progress = Progress.objects.create(learner="a" * 32, challenge=challenge, attempts=2)
    return {"scenario": scenario, "lesson": lesson, "challenge": challenge, "progress": progress}


@pytest.mark.parametrize("model", ["scenario", "lesson", "challenge", "progress"])
def test_changelist_renders(admin_client, course, model):
    response = admin_client.get(reverse(f"admin:lessons_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["scenario", "lesson", "challenge", "progress"])
def test_change_page_renders(admin_client, course, model):
    response = admin_client.get(reverse(f"admin:lessons_{model}_change", args=[course[model].pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["scenario", "lesson", "challenge", "progress"])
def test_add_page_renders(admin_client, model):
    assert admin_client.get(reverse(f"admin:lessons_{model}_add")).status_code == 200


def test_changelist_search_and_filter_work(admin_client, course):
    url = reverse("admin:lessons_lesson_changelist")
    assert admin_client.get(url, {"q": "pull"}).status_code == 200
    assert admin_client.get(url, {"published__exact": "0"}).status_code == 200


def test_lesson_preview_link_opens_the_lesson_page(admin_client, course):
    response = admin_client.get(reverse("admin:lessons_lesson_changelist"))
    assert b'href="/lessons/pull-policies/"' in response.content
    assert b"Preview (unpublished)" in response.content


def test_challenge_preview_link_opens_the_sandbox_with_the_challenge(admin_client, course):
    response = admin_client.get(reverse("admin:lessons_challenge_changelist"))
    assert b"/sandbox/?scenario=two-nodes&amp;challenge=pull-policies/no-pull" in response.content


def test_lesson_change_page_shows_challenges_inline(admin_client, course):
    response = admin_client.get(
        reverse("admin:lessons_lesson_change", args=[course["lesson"].pk])
    )
    assert b"challenges-0-title" in response.content
