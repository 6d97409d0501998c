"""Who a learner is, what their runs did, and the summary the instructor's board receives.

A learner is anonymous: a random key kept in their Django session (so it survives a reload and a
server restart). The session is stored only once they run something: the sandbox page hands out
a session cookie without writing a row (`offer_session_cookie`), and the websocket creates the
row under that key on the first run (`learner_for_socket`). Only a key this server made and
signed (a "promise") is ever stored, never one a client chose, and the next page view moves the
session to a fresh key, so a key planted in a learner's browser does not share their progress.
The board never sees that key, only a one-way `public_id` of it, and never sees a manifest: a
run is summarised as pod statuses, goal counts and one waiting reason.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, SessionBase
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from django.utils.translation import gettext, ngettext

from lessons import board_feed
from lessons.models import Challenge, GoalResult, Lesson, Progress
from sandbox.engine import Trace
from sandbox.run_summary import outcome

log = logging.getLogger(__name__)

LEARNER_SESSION_KEY = "lunchbox_learner"
ROOM_GROUP = "room"  # the channel-layer group every board socket joins
FREE_PLAY = "free play"
_LEARNER_KEY_LENGTH = 32  # hex characters
_SESSION_KEY_LENGTH = 32  # as Django's session backends make them
# A promised key is 20 random characters (about 103 bits) and 12 of their HMAC, so the server
# can tell the keys it handed out from keys a client made up.
_PROMISE_NONCE_LENGTH = 20
_PROMISE_SALT = "lunchbox.progress.session-promise"
_FROM_PROMISE = "lunchbox_from_promise"  # in a session stored under a promised key


def _valid_learner(value: object) -> bool:
    return (isinstance(value, str) and len(value) == _LEARNER_KEY_LENGTH
            and all(c in "0123456789abcdef" for c in value))


def new_learner() -> str:
    return secrets.token_hex(_LEARNER_KEY_LENGTH // 2)


def ensure_learner(session: SessionBase) -> str:
    """The learner key stored in `session`, put there (not saved) on first use."""
    key = session.get(LEARNER_SESSION_KEY)
    if not _valid_learner(key):
        key = new_learner()
        session[LEARNER_SESSION_KEY] = key
    assert isinstance(key, str)
    return key


def session_learner(session: SessionBase) -> str | None:
    """The learner key stored in `session`, or None: unlike `ensure_learner`, never makes one,
    so a page that only shows progress stores no session."""
    key = session.get(LEARNER_SESSION_KEY)
    return key if _valid_learner(key) else None


def _valid_session_key(value: object) -> bool:
    """A key of the shape Django gives sessions (32 lowercase letters and digits)."""
    return (isinstance(value, str) and len(value) == _SESSION_KEY_LENGTH
            and all(c in VALID_KEY_CHARS for c in value))


def _promise_mac(nonce: str) -> str:
    digest = salted_hmac(_PROMISE_SALT, nonce, algorithm="sha256").digest()
    width = _SESSION_KEY_LENGTH - _PROMISE_NONCE_LENGTH
    return "".join(VALID_KEY_CHARS[byte % len(VALID_KEY_CHARS)] for byte in digest[:width])


def new_session_promise() -> str:
    """A session key for a session not stored yet, signed so only this server can make one."""
    nonce = get_random_string(_PROMISE_NONCE_LENGTH, VALID_KEY_CHARS)
    return nonce + _promise_mac(nonce)


def is_session_promise(value: object) -> bool:
    """True for a key `new_session_promise` made (with this SECRET_KEY), false for any other."""
    if not _valid_session_key(value):
        return False
    assert isinstance(value, str)
    nonce, mac = value[:_PROMISE_NONCE_LENGTH], value[_PROMISE_NONCE_LENGTH:]
    return constant_time_compare(mac, _promise_mac(nonce))


def offer_session_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """Give a visitor without a stored session a session cookie, without writing anything.

    The key is only a promise: the session row is created under it when the learner first runs
    something on the websocket (`learner_for_socket`), so crawlers and one-off visits leave no
    row. A cookie holding a promise without a row is handed out again, so a reload before the
    first run keeps it; any other key the client sent is replaced, never adopted. A session
    stored under a promise moves to a fresh key on the next page view (its data kept), so whoever
    else knew the promise loses it.
    """
    name = settings.SESSION_COOKIE_NAME
    cookie = request.COOKIES.get(name)
    session = request.session
    if session.get(_FROM_PROMISE):  # loads the session: a cookie without a row loads empty
        del session[_FROM_PROMISE]
        session.cycle_key()  # SessionMiddleware stores it and sets the new cookie
        return
    if session.modified or (_valid_session_key(cookie) and session.exists(str(cookie))):
        return
    key = cookie if is_session_promise(cookie) else new_session_promise()
    # SessionMiddleware would delete a cookie whose session loaded empty: keep the key on the
    # session so it neither deletes the cookie nor saves the (unmodified) session.
    session._session_key = key
    if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        max_age: int | None = None
    else:
        max_age = settings.SESSION_COOKIE_AGE
    response.set_cookie(name, str(key), max_age=max_age, path=settings.SESSION_COOKIE_PATH,
                        domain=settings.SESSION_COOKIE_DOMAIN,
                        secure=settings.SESSION_COOKIE_SECURE,
                        httponly=settings.SESSION_COOKIE_HTTPONLY,
                        samesite=settings.SESSION_COOKIE_SAMESITE)
    patch_vary_headers(response, ("Cookie",))


async def learner_for_socket(scope: dict[str, Any]) -> str:
    """The learner key of a websocket's session, created on the learner's first run.

    A socket whose session holds a key gets it. A socket whose cookie is a promise of the sandbox
    page's (`new_session_promise`) stores the session now, under that key. A socket without a
    session cookie, or with a key this server did not make, gets a key for this connection only,
    since a websocket cannot set a cookie.
    """
    cookie = (scope.get("cookies") or {}).get(settings.SESSION_COOKIE_NAME)
    key: str = await database_sync_to_async(_learner_for_session)(scope.get("session"), cookie)
    return key


def _learner_for_session(session: SessionBase | None, cookie: str | None) -> str:
    if session is None:
        return new_learner()
    stored = session.get(LEARNER_SESSION_KEY)  # loads the session: a missing row drops the key
    if _valid_learner(stored):
        assert isinstance(stored, str)
        return stored
    if session.session_key is not None:  # a stored session (logged in) without a learner yet
        key = ensure_learner(session)
        session.save()
        return key
    if not is_session_promise(cookie):
        return new_learner()
    key = ensure_learner(session)
    session[_FROM_PROMISE] = True  # the next page view moves it to a fresh key
    session._session_key = cookie  # the key the sandbox page promised in the cookie
    try:
        session.save(must_create=True)
    except CreateError:  # another socket of the same browser stored it first: use theirs
        other = session.__class__(cookie).get(LEARNER_SESSION_KEY)
        return str(other) if _valid_learner(other) else key
    return key


def public_id(learner: str) -> str:
    """A stable, one-way id for the board: the learner key itself stays in the session."""
    return hashlib.sha256(f"lunchbox-board:{learner}".encode()).hexdigest()[:12]


def anonymous_label(learner: str) -> str:
    return f"learner {public_id(learner)[:6]}"


def board_row(
    learner: str,
    name: str,
    updated: datetime,
    progress: Progress | None = None,
    run: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One row of the board (docs/protocol.md, "The board socket"): JSON-safe."""
    challenge = progress.challenge if progress is not None else None
    return {
        "learner": public_id(learner),
        "name": name or anonymous_label(learner),
        "challenge": challenge.key if challenge is not None else None,
        "title": challenge.title if challenge is not None else FREE_PLAY,
        "attempts": progress.attempts if progress is not None else None,
        "status": progress.status if progress is not None else None,
        "stuck": progress.is_stuck if progress is not None else False,
        "outcome": run,
        "updated": updated.isoformat(),
    }


def record_attempt(learner: str, challenge_key: str | None, passed: bool,
                display_name: str, goals: list[dict[str, Any]] | None = None,
                outcome: dict[str, Any] | None = None) -> Progress | None:
    """Count a challenge run in Progress; None for free play or a challenge deleted meanwhile."""
    if not challenge_key:
        return None
    lesson, _, slug = challenge_key.partition("/")
    challenge = (Challenge.objects.filter(lesson__slug=lesson, slug=slug)
                 .select_related("lesson").first())
    if challenge is None:
        return None
    with transaction.atomic():  # one commit, done when this returns: then the run is shown
        progress = Progress.record_attempt(learner, challenge, passed, display_name, goals,
                                           outcome)
    progress.challenge = challenge  # keep the lesson loaded for `key`
    return progress


def passed(goals: list[dict[str, Any]] | None) -> bool:
    return goals is not None and all(g.get("passed") for g in goals)


def run_row(learner: str, display_name: str, progress: Progress | None,
            trace: Trace | dict[str, Any], goals: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The board row of a run just recorded (`workshop_board.store_run`); `trace` is the run's
    trace, or what `outcome(trace, goals)` made of it already, where the run was evaluated."""
    name = display_name or (progress.display_name if progress is not None else "")
    run = outcome(trace, goals) if isinstance(trace, Trace) else dict(trace)
    return board_row(learner, name, timezone.now(), progress, run)


async def broadcast(row: dict[str, Any]) -> None:
    """Send a board row to the room (`announce`)."""
    announce(row)


def announce(row: dict[str, Any]) -> None:
    """Send a board row to the room, in the next batch of this process (lessons/board_feed.py:
    one channel-layer message per 50 ms carries every row, so a board's channel never fills)."""
    board_feed.publish(ROOM_GROUP, "board.rows", "rows",
                       f"{row['learner']}|{row['challenge'] or ''}", row)


async def snapshot_rows(limit: int = 500) -> list[dict[str, Any]]:
    """The board's opening state: the most recently active learners on each challenge."""
    rows: list[dict[str, Any]] = await database_sync_to_async(_snapshot_rows)(limit)
    return rows


def _snapshot_rows(limit: int) -> list[dict[str, Any]]:
    rows = (Progress.objects.select_related("challenge__lesson")
            .order_by("-updated_at")[:limit])
    return [board_row(p.learner, p.display_name, p.updated_at, p, p.last_outcome) for p in rows]


# Read helpers for the pages: what a learner sees of their own progress.


@dataclass(frozen=True)
class LessonMark:
    """How far a learner is through one lesson's challenges, as the lessons index says it."""

    total: int
    passed: int
    started: int  # challenges with a row of theirs, passed or not

    @property
    def state(self) -> str:
        """`not-started`, `in-progress` or `done`; `none` for a lesson without challenges."""
        if not self.total:
            return "none"
        if self.passed >= self.total:
            return "done"
        return "in-progress" if self.started else "not-started"

    @property
    def label(self) -> str:
        """The mark in words (never colour alone): `In progress: 1 of 3 challenges`."""
        counts = {"passed": self.passed, "total": self.total}
        return {
            "none": "",
            "not-started": gettext("Not started"),
            "in-progress": ngettext("In progress: %(passed)d of %(total)d challenge",
                                    "In progress: %(passed)d of %(total)d challenges",
                                    self.total) % counts,
            "done": ngettext("Done: %(passed)d of %(total)d challenge",
                             "Done: %(passed)d of %(total)d challenges", self.total) % counts,
        }[self.state]


@dataclass(frozen=True)
class ChallengeProgress:
    """One learner's standing on one challenge, as a page shows it (no learner key in it)."""

    passed: bool
    attempts: int
    last_run_at: datetime | None
    last_goals: tuple[GoalResult, ...] | None  # None: no checked run yet
    predictions: tuple[int, int] | None = None  # (right, total) of the last predict-mode run

    @classmethod
    def of(cls, progress: Progress | None) -> ChallengeProgress | None:
        if progress is None:
            return None
        right, total = progress.prediction_right, progress.prediction_total
        return cls(passed=progress.is_passed, attempts=progress.attempts,
                   last_run_at=progress.last_run_at, last_goals=progress.last_goal_results(),
                   predictions=None if right is None or total is None else (right, total))

    @property
    def goals_met(self) -> int:
        return sum(1 for goal in self.last_goals or () if goal.passed)


def lesson_marks(learner: str | None, lesson_ids: Iterable[int]) -> dict[int, LessonMark]:
    """Each lesson's mark for `learner` (None: a visitor who has run nothing), by lesson id."""
    ids = list(lesson_ids)
    totals = Counter(Challenge.objects.filter(lesson_id__in=ids)
                     .values_list("lesson_id", flat=True))
    passed: Counter[int] = Counter()
    started: Counter[int] = Counter()
    if learner is not None:
        rows = (Progress.objects.filter(learner=learner, challenge__lesson_id__in=ids)
                .values_list("challenge__lesson_id", "status"))
        for lesson_id, status in rows:
            started[lesson_id] += 1
            passed[lesson_id] += status == Progress.Status.PASSED
    return {i: LessonMark(total=totals[i], passed=passed[i], started=started[i]) for i in ids}


def challenge_progress(learner: str | None,
                       challenges: Iterable[Challenge]) -> dict[int, ChallengeProgress]:
    """The learner's standing on each of `challenges` they have run, by challenge id."""
    if learner is None:
        return {}
    rows = Progress.objects.filter(learner=learner, challenge__in=list(challenges))
    return {row.challenge_id: progress for row in rows
            if (progress := ChallengeProgress.of(row)) is not None}


def continue_challenge(learner: str | None, lessons: QuerySet[Lesson]) -> Challenge | None:
    """Where "continue where you left off" leads, among the challenges of `lessons`.

    The challenge the learner last ran without passing it, else the first one in course order
    they have not started; None for a learner who has run nothing, or has nothing left.
    """
    if learner is None:
        return None
    challenges = (Challenge.objects.filter(lesson__in=lessons)
                  .select_related("lesson__scenario", "scenario"))
    theirs = Progress.objects.filter(learner=learner, challenge__in=challenges)
    if not theirs.exists():
        return None
    unfinished = (theirs.exclude(status=Progress.Status.PASSED).order_by("-updated_at")
                  .values_list("challenge_id", flat=True).first())
    if unfinished is not None:
        return challenges.filter(pk=unfinished).first()
    return (challenges.exclude(progress__learner=learner)
            .order_by("lesson__order", "lesson__title", "order", "slug").first())


def last_display_name(learner: str | None) -> str:
    """The name the learner last gave for the board on a challenge run; "" if none.

    `Progress.record_attempt` puts a new name on all their rows, so any row would do.
    """
    if learner is None:
        return ""
    name = (Progress.objects.filter(learner=learner).exclude(display_name="")
            .order_by("-updated_at").values_list("display_name", flat=True).first())
    return name or ""
