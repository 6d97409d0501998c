"""The admin's preview view renders the posted, unsaved lesson with the real lesson template."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lessons.models import Lesson

pytestmark = pytest.mark.django_db
URL = "admin:lessons_lesson_preview"


def form(**values: str) -> dict[str, str]:
    return {"title": "Draft", "slug": "draft", "summary": "", "body": "Hello.",
            "challenges-TOTAL_FORMS": "1", "challenges-0-title": "First challenge",
            "challenges-0-slug": "first", "challenges-0-prompt": "Run **it**.",
            "challenges-0-hints": "One.\n\nTwo.", **values}


def test_the_posted_lesson_renders_as_its_page_and_nothing_is_saved(admin_client):
    response = admin_client.post(reverse(URL), form(body="## Fresh\n\nText."))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="fresh">Fresh</h2>' in page or ">Fresh</h2>" in page
    assert "First challenge" in page and "<strong>it</strong>" in page
    assert "Hint 2 of 2" in page
    assert not Lesson.objects.exists()
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_markup_in_the_draft_is_sanitised(admin_client):
    response = admin_client.post(reverse(URL), form(
        title="<img src=x onerror=alert(1)>",
        body="<script>alert(1)</script>\n\n<a href='javascript:alert(1)'>x</a>"))
    page = response.content.decode()
    assert "<script>alert(1)" not in page and "<img src=x onerror" not in page
    assert "javascript:alert" not in page


def test_a_deleted_or_hostile_inline_count_is_harmless(admin_client):
    response = admin_client.post(reverse(URL), form(**{
        "challenges-TOTAL_FORMS": "99999999", "challenges-0-DELETE": "on"}))
    assert response.status_code == 200
    assert "First challenge" not in response.content.decode()
    response = admin_client.post(reverse(URL), form(**{"challenges-TOTAL_FORMS": "many",
                                                       "scenario": "not-a-number"}))
    assert response.status_code == 200


def test_only_staff_may_post_and_only_post(client, admin_client):
    assert admin_client.get(reverse(URL)).status_code == 405
    response = client.post(reverse(URL), form())
    assert response.status_code == 302 and "/login/" in response["Location"]
