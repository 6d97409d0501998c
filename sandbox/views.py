"""Sandbox pages: render the editor; the evaluation itself happens over the websocket."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lessons import rendering
from lessons.models import Challenge, Lesson, Scenario
from lessons.progress import offer_session_cookie
from sandbox.engine import ManifestError, load_goals

STARTER_MANIFEST = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
"""


@dataclass(frozen=True)
class ChallengePage:
    """What the sandbox page shows of a challenge. The solution is deliberately not here."""

    key: str  # <lesson slug>/<challenge slug>
    title: str
    prompt_html: str  # sanitized by lessons.rendering
    goals: tuple[str, ...]  # each goal in plain words; empty if the goals are broken
    goals_broken: bool
    hints_html: tuple[str, ...]  # sanitized, one per hint, in reading order
    lesson_title: str
    lesson_url: str
    scenario: str  # slug of the scenario the challenge runs in, or ""
    starter_manifest: str


def goal_words(goals: str) -> tuple[str, ...]:
    """Each goal as the engine words it in `result.goals`, so the list before a run matches."""
    return tuple(goal.wording for goal in load_goals(goals))


def challenge_page(request: HttpRequest, key: str) -> ChallengePage:
    """The challenge `<lesson>/<challenge>`; 404 if unknown or its lesson is hidden from them."""
    lesson_slug, _, slug = key.partition("/")
    lessons = Lesson.objects.visible_to(request.user)
    challenge = (
        Challenge.objects.filter(lesson__in=lessons, lesson__slug=lesson_slug, slug=slug)
        .select_related("lesson__scenario", "scenario")
        .first()
    )
    if challenge is None:
        raise Http404("There is no such challenge.")
    try:
        goals, broken = goal_words(challenge.goals), False
    except ManifestError:
        goals, broken = (), True
    scenario = challenge.effective_scenario()
    return ChallengePage(
        key=challenge.key,
        title=challenge.title,
        prompt_html=challenge.prompt_html(),
        goals=goals,
        goals_broken=broken,
        hints_html=tuple(rendering.render_markdown(hint) for hint in challenge.hint_list()),
        lesson_title=challenge.lesson.title,
        lesson_url=f"{challenge.lesson.get_absolute_url()}#challenge-{challenge.slug}",
        scenario=scenario.slug if scenario else "",
        starter_manifest=(
            challenge.starter_manifest or challenge.lesson.starter_manifest or STARTER_MANIFEST
        ),
    )


def sandbox_page(request: HttpRequest) -> HttpResponse:
    """The sandbox: a manifest editor, a scenario picker and the live decision flow.

    With `?challenge=<lesson>/<challenge>` it also shows that challenge: prompt, goals, hints,
    its scenario preselected and its starter manifest in the editor.
    """
    scenarios = list(
        Scenario.objects.order_by("order", "title").values("slug", "title", "description")
    )
    key = request.GET.get("challenge")
    challenge = challenge_page(request, key) if key is not None else None
    selected = (
        request.GET.get("scenario")
        or (challenge.scenario if challenge else "")
        or (scenarios[0]["slug"] if scenarios else "")
    )
    response = render(
        request,
        "sandbox/sandbox.html",
        {
            "scenarios": scenarios,
            "selected_scenario": selected,
            "starter_manifest": challenge.starter_manifest if challenge else STARTER_MANIFEST,
            "challenge": challenge,
        },
    )
    offer_session_cookie(request, response)  # the cookie the websocket identifies them by
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the host: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
