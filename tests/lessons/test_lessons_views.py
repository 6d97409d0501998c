"""Lesson pages: published lessons for everyone, drafts only for staff."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from lessons.models import Challenge, Lesson, Scenario

pytestmark = pytest.mark.django_db


def make_lesson(slug: str = "pull-policies", published: bool = True, **fields) -> Lesson:
    fields.setdefault("title", slug.replace("-", " ").title())
    fields.setdefault("body", "Body of **" + slug + "**.")
    return Lesson.objects.create(slug=slug, published=published, **fields)


def test_index_lists_published_lessons_only(client):
    make_lesson("visible", title="Visible lesson")
    make_lesson("draft", published=False, title="Draft lesson")
    response = client.get(reverse("lessons:index"))
    assert response.status_code == 200
    assert b"Visible lesson" in response.content
    assert b"Draft lesson" not in response.content


def test_index_shows_drafts_to_staff_marked_as_drafts(admin_client):
    make_lesson("draft", published=False, title="Draft lesson")
    response = admin_client.get(reverse("lessons:index"))
    assert b"Draft lesson" in response.content
    assert b"Draft</span>" in response.content


def test_detail_renders_the_body_and_each_challenge_with_its_sandbox_link(client):
    scenario = Scenario.objects.create(slug="two-nodes", title="Two nodes", source="name: x\n")
    lesson = make_lesson(body="# Heading\n\nSome *text*.", scenario=scenario)
    Challenge.objects.create(lesson=lesson, slug="no-pull", title="Start without pulling",
                             prompt="Make it **run**.", hints="First hint.\n\nSecond hint.")
    response = client.get(reverse("lessons:detail", kwargs={"slug": lesson.slug}))
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Heading</h1>" in content
    assert "Make it <strong>run</strong>." in content
    assert 'href="/sandbox/?scenario=two-nodes&amp;challenge=pull-policies/no-pull"' in content
    assert '<div class="hint-body"><p>Second hint.</p></div>' in content


def test_detail_escapes_script_in_the_body(client):
    make_lesson(body="<script>alert(1)</script>Hi")
    response = client.get(reverse("lessons:detail", kwargs={"slug": "pull-policies"}))
    assert b"alert(1)" not in response.content


def test_unknown_lesson_is_404(client):
    assert client.get(reverse("lessons:detail", kwargs={"slug": "nope"})).status_code == 404


def test_unpublished_lesson_is_404_for_anonymous_visitors(client):
    make_lesson(published=False)
    assert client.get("/lessons/pull-policies/").status_code == 404


def test_unpublished_lesson_is_404_for_a_logged_in_non_staff_user(client):
    make_lesson(published=False)
    client.force_login(User.objects.create_user("learner", password="x"))
    assert client.get("/lessons/pull-policies/").status_code == 404


def test_staff_preview_unpublished_lessons_with_a_banner(client):
    make_lesson(published=False)
    client.force_login(User.objects.create_user("teacher", password="x", is_staff=True))
    response = client.get("/lessons/pull-policies/")
    assert response.status_code == 200
    assert b"Preview: this lesson is not published" in response.content


def test_published_lesson_has_no_preview_banner(admin_client):
    make_lesson()
    response = admin_client.get("/lessons/pull-policies/")
    assert b"Preview:" not in response.content
