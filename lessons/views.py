"""Lesson pages: the course list, one lesson with its challenges, the instructor's board."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from lessons.models import Lesson, Progress


def lesson_index(request: HttpRequest) -> HttpResponse:
    """Published lessons in course order (staff also see drafts, marked as such)."""
    lessons = Lesson.objects.visible_to(request.user).select_related("scenario")
    return render(request, "lessons/index.html", {"lessons": lessons})


def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One lesson; unpublished ones are a 404 except for staff, who get a preview."""
    lesson = get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related("scenario"), slug=slug
    )
    challenges = lesson.challenges.select_related("scenario", "lesson__scenario")
    return render(
        request,
        "lessons/detail.html",
        {
            "lesson": lesson,
            "body_html": lesson.body_html(),
            "challenges": [
                {"challenge": c, "prompt_html": c.prompt_html(), "hints": c.hint_list()}
                for c in challenges
            ],
            "preview": not lesson.published,
        },
    )


@staff_member_required
def board(request: HttpRequest) -> HttpResponse:
    """The live board of the room (staff only; others go to the admin login).

    The page is an empty table: the websocket (`/ws/board/`) fills it with a snapshot, then
    with every learner's runs as they happen.
    """
    return render(request, "lessons/board.html",
                  {"ws_path": "/ws/board/", "stuck_after": Progress.STUCK_AFTER})
