"""Lesson pages: the course list, one lesson with its challenges, the instructor's board."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from lessons import questions
from lessons.models import Lesson, Progress
from lessons.progress import (
    challenge_progress,
    continue_challenge,
    ensure_learner,
    lesson_marks,
    session_learner,
)
from lessons.versions import scenario_versions


def lesson_index(request: HttpRequest) -> HttpResponse:
    """Published lessons in course order (staff also see drafts, marked as such), each with the
    learner's mark, and a link to the challenge to continue with."""
    visible = Lesson.objects.visible_to(request.user)
    lessons = list(visible.select_related("scenario"))
    learner = session_learner(request.session)
    marks = lesson_marks(learner, [lesson.pk for lesson in lessons])
    scores = questions.scores(learner, [lesson.pk for lesson in lessons])
    return render(request, "lessons/index.html", {
        "lessons": [{"lesson": lesson, "mark": marks[lesson.pk], "score": scores[lesson.pk]}
                    for lesson in lessons],
        "continue_with": continue_challenge(learner, visible),
    })


def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One lesson; unpublished ones are a 404 except for staff, who get a preview."""
    lesson = get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related("scenario"), slug=slug
    )
    challenges = list(lesson.challenges.select_related("scenario", "lesson__scenario"))
    # A lesson that asks questions gives its reader a learner key now, so the question on the
    # page is the one their answer is checked against.
    learner = (ensure_learner(request.session) if questions.kinds_of(lesson)
               else session_learner(request.session))
    standing = challenge_progress(learner, challenges)
    items = []
    for challenge in challenges:
        progress = standing.get(challenge.pk)
        attempts = progress.attempts if progress is not None else 0
        items.append({
            "challenge": challenge,
            "prompt_html": challenge.prompt_html(),
            "hints_html": challenge.hints_html(),
            "progress": progress,
            "attempts": attempts,
            "solution": challenge.solution_for(attempts),
            "solution_settings": challenge.solution_settings_for(attempts),
            "solution_unlocks_after": challenge.solution_unlocks_after(),
            "versions": scenario_versions(challenge.effective_scenario()),
        })
    return render(
        request,
        "lessons/detail.html",
        {
            "lesson": lesson,
            "body_html": lesson.body_html(),
            "challenges": items,
            "preview": not lesson.published,
            "questions": [q.view() for q in questions.asked(learner, lesson)],
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
