"""The admin's live preview: the lesson page as the author's unsaved form would render it.

The lesson change form posts itself (every field and inline challenge, with its CSRF token) to
this view, targeting an iframe under the form; the answer is the real lesson template with the
real renderer, so diagrams, live sandboxes and hints behave as learners will see them. Nothing
is saved. Only staff who may change lessons reach it (the admin site wraps it).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import ModelAdmin
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.views.decorators.clickjacking import xframe_options_sameorigin

from lessons.models import Challenge, Lesson, Scenario, normalize_newlines
from sandbox.middleware import CONTENT_SECURITY_POLICY

MAX_PREVIEW_CHARS = 200_000  # a lesson body is a few KB; beyond this the preview says so
MAX_CHALLENGES = 50


def _text(data: Any, key: str) -> str:
    return normalize_newlines(str(data.get(key, "")))[:MAX_PREVIEW_CHARS]


def _scenario(value: str) -> Scenario | None:
    return Scenario.objects.filter(pk=int(value)).first() if value.isdigit() else None


def _challenges(data: Any, lesson: Lesson) -> list[dict[str, Any]]:
    """The inline challenges as posted, in their order; deleted and blank ones left out."""
    try:
        total = min(int(data.get("challenges-TOTAL_FORMS", 0)), MAX_CHALLENGES)
    except ValueError:
        total = 0
    rows = []
    for index in range(total):
        prefix = f"challenges-{index}-"
        if data.get(prefix + "DELETE") or not str(data.get(prefix + "title", "")).strip():
            continue
        challenge = Challenge(
            lesson=lesson, slug=str(data.get(prefix + "slug", "")) or f"challenge-{index + 1}",
            title=_text(data, prefix + "title"), prompt=_text(data, prefix + "prompt"),
            hints=_text(data, prefix + "hints"), solution=_text(data, prefix + "solution"),
            scenario=_scenario(str(data.get(prefix + "scenario", ""))),
        )
        try:
            order = int(data.get(prefix + "order") or 0)
        except ValueError:
            order = 0
        rows.append((order, index, challenge))
    return [{
        "challenge": challenge, "prompt_html": challenge.prompt_html(),
        "hints_html": challenge.hints_html(), "progress": None, "attempts": 0,
        # The author sees the solution the learners will unlock.
        "solution": challenge.solution, "solution_unlocks_after": 0,
    } for _, _, challenge in sorted(rows, key=lambda row: row[:2])]


@xframe_options_sameorigin
def preview(admin: ModelAdmin[Lesson], request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not admin.has_change_permission(request) and not admin.has_add_permission(request):
        return HttpResponse(status=403)
    data = request.POST
    lesson = Lesson(
        slug=str(data.get("slug", "")) or "preview", title=_text(data, "title") or "Untitled",
        summary=" ".join(_text(data, "summary").split()), body=_text(data, "body"),
        starter_manifest=_text(data, "starter_manifest"),
        scenario=_scenario(str(data.get("scenario", ""))), published=False,
    )
    response = TemplateResponse(request, "lessons/detail.html", {
        "lesson": lesson, "body_html": lesson.body_html(),
        "challenges": _challenges(data, lesson), "preview": True, "live_preview": True,
    })
    # The lesson page's own policy, except that the admin page may frame it.
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", "frame-ancestors 'self'")
    response.headers["Cache-Control"] = "no-store"
    return response
