"""Workshop pages: learners join with a code and raise a hand; instructors open, watch, reset.

`/join` is for learners (staff are told their runs stay off the board and are not joined).
Wrong codes are counted per address in the cache: after JOIN_FAILURES within JOIN_WINDOW the
address is refused for the rest of the window, so a code cannot be found by guessing. Everything
under `/lessons/board/w/` is staff-only.
"""

from __future__ import annotations

import csv
import json

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from lessons.board import is_staff
from lessons.models import LearnerCluster, Progress
from lessons.progress import ensure_learner, offer_session_cookie, session_learner
from lessons.workshop_board import find_member, send_tile, set_hand, tile
from lessons.workshops import MAX_EDITOR, Workshop, WorkshopMember, current_member, normalize_code
from sandbox.engine.console.compare import scrub_text
from sandbox.protocol import BadMessage, display_name

JOIN_FAILURES = 10  # wrong codes an address may type …
JOIN_WINDOW = 600  # … in this many seconds
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _member_of(request: HttpRequest) -> WorkshopMember | None:
    """The visitor's workshop membership. A session cookie without a stored session (the
    sandbox page's promise, docs in lessons/progress.py) is not loaded: SessionMiddleware would
    delete a cookie whose session loads empty, and the websocket needs that promise."""
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not cookie or not request.session.exists(cookie):
        return None
    return current_member(session_learner(request.session))


def _failures_key(request: HttpRequest) -> str:
    return f"lunchbox.join-failures:{request.META.get('REMOTE_ADDR', '')}"


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """A learner joins a workshop with its code and the name the board will show.

    Like the sandbox page, the answer keeps (or offers) the session cookie the sandbox's
    websocket stores a learner under, so a look at this page does not lose it."""
    response = _join(request)
    offer_session_cookie(request, response)
    return response


def _join(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"code": "", "name": "", "error": "",
                                  "staff": is_staff(request.user),
                                  "member": _member_of(request)}
    if request.method == "GET":
        return render(request, "lessons/join.html", context)
    raw_code, raw_name = request.POST.get("code", ""), request.POST.get("name", "")
    context.update(code=raw_code[:40], name=raw_name[:80])
    if context["staff"]:
        context["error"] = ("You are signed in as staff: an instructor's runs stay off the "
                            "board, so you cannot join. Use a private window to try it.")
        return render(request, "lessons/join.html", context, status=403)
    key = _failures_key(request)
    if cache.get(key, 0) >= JOIN_FAILURES:
        context["error"] = "Too many wrong codes from here. Wait ten minutes, then try again."
        return render(request, "lessons/join.html", context, status=429)
    try:
        name = display_name(raw_name)
    except BadMessage as err:
        context["error"] = str(err).replace("display_name", "Your name")
        return render(request, "lessons/join.html", context, status=400)
    if not name:
        context["error"] = "Give a name for the instructor's board."
        return render(request, "lessons/join.html", context, status=400)
    code = normalize_code(raw_code)
    workshop = Workshop.objects.filter(code=code, is_open=True).first() if code else None
    if workshop is None:
        cache.add(key, 0, JOIN_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.set(key, 1, JOIN_WINDOW)
        context["error"] = "No open workshop has that code. Check it with your instructor."
        return render(request, "lessons/join.html", context, status=400)
    learner = ensure_learner(request.session)
    member, _ = WorkshopMember.objects.update_or_create(
        workshop=workshop, learner=learner, defaults={"display_name": name})
    Progress.objects.filter(learner=learner).update(display_name=name)
    async_to_sync(send_tile)(member)
    context.update(member=member, joined=True)
    return render(request, "lessons/join.html", context)


@require_http_methods(["GET", "POST"])
def hand(request: HttpRequest) -> JsonResponse:
    """GET: whether the learner is in a workshop and their hand is up; POST raised=1|0."""
    member = _member_of(request)
    if member is None:
        return JsonResponse({"member": False, "raised": False})
    if request.method == "POST":
        set_hand(member, request.POST.get("raised") == "1")
        async_to_sync(send_tile)(member)
    return JsonResponse({"member": True, "raised": member.hand_raised_at is not None,
                         "workshop": member.workshop.name})


@staff_member_required
@require_http_methods(["GET", "POST"])
def workshops(request: HttpRequest) -> HttpResponse:
    """The instructor's workshops, and a form to open a new one."""
    if request.method == "POST":
        name = " ".join(request.POST.get("name", "").split())[:120]
        if name:
            user = request.user if request.user.is_authenticated else None
            workshop = Workshop.objects.create(name=name, created_by=user)
            return redirect("lessons:workshop-board", code=workshop.code)
    return render(request, "lessons/workshops.html", {"workshops": Workshop.objects.all()})


def _workshop(code: str) -> Workshop:
    return get_object_or_404(Workshop, code=code)


@staff_member_required
def workshop_board(request: HttpRequest, code: str) -> HttpResponse:
    workshop = _workshop(code)
    return render(request, "lessons/workshop_board.html", {
        "workshop": workshop, "ws_path": f"/ws/board/{workshop.code}/",
        "stuck_after": Progress.STUCK_AFTER})


def _member(workshop: Workshop, member_id: str) -> WorkshopMember:
    member = find_member(workshop, member_id)
    if member is None:
        raise Http404("no such learner in this workshop")
    return member


def _console_history(learner: str) -> list[dict[str, str]]:
    """Each console cluster's commands as stored (secret values already replaced)."""
    out = []
    for row in LearnerCluster.objects.filter(learner=learner).order_by("-updated_at"):
        try:
            log = json.loads(row.state).get("log", [])
        except (ValueError, AttributeError):
            continue
        lines = [scrub_text(str(e.get("command", ""))) for e in log[-50:] if isinstance(e, dict)]
        out.append({"where": row.challenge or row.scenario or "default cluster",
                    "lines": "\n".join(lines)})
    return out


@staff_member_required
def learner_state(request: HttpRequest, code: str, member_id: str) -> HttpResponse:
    """A learner's current state, read-only: editor text, console history, last run."""
    workshop = _workshop(code)
    member = _member(workshop, member_id)
    rows = list(Progress.objects.filter(learner=member.learner, workshop=workshop)
                .select_related("challenge__lesson").order_by("-updated_at"))
    return render(request, "lessons/learner_state.html", {
        "workshop": workshop, "member": member, "tile": tile(member),
        "editor": scrub_text(member.last_editor[:MAX_EDITOR]),
        "consoles": _console_history(member.learner),
        "last": rows[0] if rows else None,
        "goals": rows[0].last_goal_results() if rows else None, "rows": rows})


@staff_member_required
@require_http_methods(["GET", "POST"])
def reset_cluster(request: HttpRequest, code: str, member_id: str) -> HttpResponse:
    """GET asks to confirm; POST deletes the learner's console clusters (progress stays)."""
    workshop = _workshop(code)
    member = _member(workshop, member_id)
    if request.method == "POST":
        with transaction.atomic():
            LearnerCluster.objects.filter(learner=member.learner).delete()
        async_to_sync(send_tile)(member)
        return redirect("lessons:learner-state", code=code, member_id=member_id)
    return render(request, "lessons/reset_cluster.html", {"workshop": workshop,
                                                          "member": member})


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@staff_member_required
def results_csv(request: HttpRequest, code: str) -> HttpResponse:
    """One row per learner and challenge they ran in the workshop; the instructor's runs are
    not in it (staff cannot join)."""
    workshop = _workshop(code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="workshop-{workshop.code}.csv"'
    writer = csv.writer(response)
    writer.writerow(["learner", "lesson", "challenge", "status", "attempts", "last run",
                     "hand raised"])
    for member in workshop.members.all():
        rows = (Progress.objects.filter(learner=member.learner, workshop=workshop)
                .select_related("challenge__lesson").order_by("challenge__lesson__order",
                                                              "challenge__order"))
        hand_up = member.hand_raised_at.isoformat() if member.hand_raised_at else ""
        for p in rows:
            writer.writerow([safe_cell(v) for v in (
                member.display_name, p.challenge.lesson.title, p.challenge.title, p.status,
                p.attempts, p.last_run_at.isoformat() if p.last_run_at else "", hand_up)])
        if not rows:
            writer.writerow([safe_cell(member.display_name), "", "", "not started", 0, "",
                             hand_up])
    return response
