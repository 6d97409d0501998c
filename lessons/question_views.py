"""The answer form of a lesson's engine-written questions (works without JavaScript)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from lessons import questions
from lessons.models import Lesson
from lessons.progress import ensure_learner


@require_POST
def answer(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """Check the posted choice against the learner's current question of `kind`, store it, and
    go back to the question, which now shows the verdict and the next one. A stale or forged
    form (another number, an unknown choice) stores nothing and shows the current question."""
    lesson = get_object_or_404(Lesson.objects.visible_to(request.user), slug=slug)
    number = request.POST.get("number", "")
    choice = str(request.POST.get("choice", ""))[:40]
    learner = ensure_learner(request.session)
    if number.isdigit() and len(number) < 6:
        questions.answer(learner, lesson, kind, int(number), choice)
    return HttpResponseRedirect(f"{lesson.get_absolute_url()}#question-{kind}")
