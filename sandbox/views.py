"""Sandbox pages: render the editor; the evaluation itself happens over the websocket."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lessons import clusters, lookups
from lessons.models import Challenge, Lesson, Scenario, SharedCluster
from lessons.progress import (
    ChallengeProgress,
    challenge_progress,
    ensure_learner,
    last_display_name,
    offer_session_cookie,
    session_learner,
)
from lessons.versions import scenario_versions
from sandbox.engine import ManifestError, default_scenario, load_goals
from sandbox.engine import Scenario as EngineScenario
from sandbox.engine.console import ClusterState
from sandbox.engine.console.views import get_pods_table

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
    """What the sandbox page shows of a challenge to one learner.

    The solution is here only once it is unlocked for them (`Challenge.solution_unlocked`), so
    the page never carries it before.
    """

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
    progress: ChallengeProgress | None = None  # theirs: solved, runs, the last run's goals
    solution: str = ""  # empty while it is locked for them
    solution_settings: tuple[str, ...] = ()  # the Cluster settings it needs, `setting: value`
    solution_unlocks_after: int = 0  # runs that unlock it; 0: none do


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
    progress = challenge_progress(session_learner(request.session), [challenge]).get(challenge.pk)
    attempts = progress.attempts if progress is not None else 0
    return ChallengePage(
        key=challenge.key,
        title=challenge.title,
        prompt_html=challenge.prompt_html(),
        goals=goals,
        goals_broken=broken,
        hints_html=tuple(challenge.hints_html()),
        lesson_title=challenge.lesson.title,
        lesson_url=f"{challenge.lesson.get_absolute_url()}#challenge-{challenge.slug}",
        scenario=scenario.slug if scenario else "",
        starter_manifest=(
            challenge.starter_manifest or challenge.lesson.starter_manifest or STARTER_MANIFEST
        ),
        progress=progress,
        solution=challenge.solution_for(attempts),
        solution_settings=tuple(challenge.solution_settings_for(attempts)),
        solution_unlocks_after=challenge.solution_unlocks_after(),
    )


def learner_settings(sources: dict[str, str]) -> dict[str, list[dict[str, object]]]:
    """For each scenario that lets learners change settings (`learnerSettings:`), what the page's
    Cluster settings group offers: each setting, its values and the scenario's own value."""
    offered: dict[str, list[dict[str, object]]] = {}
    for slug, source in sources.items():
        try:
            settings = lookups.parsed_scenario(source).learner_settings
        except ManifestError:  # a broken scenario says so when it is run
            continue
        if settings:
            offered[slug] = [{"path": s.path, "values": list(s.values), "value": s.written,
                              "in_force": s.in_force} for s in settings]
    return offered


def sandbox_page(request: HttpRequest) -> HttpResponse:
    """The sandbox: a manifest editor, a scenario picker and the live decision flow.

    With `?challenge=<lesson>/<challenge>` it also shows that challenge: prompt, goals, hints,
    its scenario preselected and its starter manifest in the editor.
    """
    scenarios = [
        {"slug": slug, "title": title, "description": description,
         "versions": scenario_versions(source)}
        for slug, title, description, source in Scenario.objects.order_by(
            "order", "title").values_list("slug", "title", "description", "source")
    ]
    key = request.GET.get("challenge")
    challenge = challenge_page(request, key) if key is not None else None
    selected = (
        request.GET.get("scenario")
        or (challenge.scenario if challenge else "")
        or (scenarios[0]["slug"] if scenarios else "")
    )
    starter = challenge.starter_manifest if challenge else STARTER_MANIFEST
    shared = SharedCluster.objects.filter(code=str(request.GET.get("shared", ""))[:16]).first()
    if shared is not None and shared.editor:
        starter = shared.editor  # a copy of a shared cluster opens with its editor text
    response = render(
        request,
        "sandbox/sandbox.html",
        {
            "scenarios": scenarios,
            "selected_scenario": selected,
            # What each scenario's Cluster settings group offers (static/sandbox/settings.js).
            "cluster_settings": learner_settings(
                dict(Scenario.objects.values_list("slug", "source"))),
            "starter_manifest": starter,
            "challenge": challenge,
            # The name they last gave for the board, for the display-name field.
            "display_name": last_display_name(session_learner(request.session)),
            # What each scenario models ("": the default cluster); the line shows the selected
            # one's, and static/sandbox/versions.js follows the picker.
            "scenario_versions": {"": scenario_versions(None)}
            | {s["slug"]: s["versions"] for s in scenarios},
            "modelled_versions": next(
                (s["versions"] for s in scenarios if s["slug"] == selected),
                scenario_versions(None)),
        },
    )
    offer_session_cookie(request, response)  # the cookie the websocket identifies them by
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the host: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _share_scenario(shared: SharedCluster) -> EngineScenario:
    source = lookups.scenario_source(shared.scenario) if shared.scenario else None
    if shared.scenario and source is None:
        raise Http404("the scenario of this link is gone")
    return lookups.parsed_scenario(source) if source is not None else default_scenario()


def share_page(request: HttpRequest, code: str) -> HttpResponse:
    """A shared cluster, read-only: its history, its pods, the editor text it was shared with."""
    shared = SharedCluster.objects.filter(code=code).first()
    if shared is None:
        raise Http404("there is no shared cluster with this link")
    try:
        state = ClusterState.from_json(shared.state, _share_scenario(shared))
    except ValueError:
        raise Http404("this link was made by another version of Lunchbox") from None
    response = render(request, "sandbox/share.html", {
        "shared": shared,
        "history": state.data["log"],
        "pods": get_pods_table(state, None, wide=True) if state.data["pods"] else "",
        "clock": round(state.clock),
        "scenario_title": state.scenario.name,
    })
    offer_session_cookie(request, response)
    return response


@require_POST
def share_copy(request: HttpRequest, code: str) -> HttpResponse:
    """Make the visitor's own cluster a copy of the shared one, then open it in the sandbox."""
    shared = SharedCluster.objects.filter(code=code).first()
    if shared is None:
        raise Http404("there is no shared cluster with this link")
    learner = ensure_learner(request.session)
    clusters.copy_share(code, learner, _share_scenario(shared))
    query = {"shared": code}
    if shared.scenario:
        query["scenario"] = shared.scenario
    if shared.challenge:
        query["challenge"] = shared.challenge
    return redirect(f"{reverse('sandbox:index')}?{urlencode(query)}")
