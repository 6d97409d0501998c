"""Learners' own clusters in the database: load, run a console command, undo, reset.

The engine never runs in the database thread. Each action reads a `LearnerCluster` row as text
(state, undo list, `updated_at`), hands the text to a pure function of `sandbox.cluster_work`
through a `runner` (a worker thread by default; the server may pass a process pool's), and
writes the text that comes back with a compare-and-set: UPDATE … WHERE pk = … AND updated_at =
the value read. A write that finds the row changed meanwhile (another process, or the admin)
writes nothing, and the action starts again from the newer row, a few times with a small
back-off, before the learner is told `Busy`. Within one process, actions on one cluster take
turns (an asyncio lock per learner, scenario and challenge), so two tabs queue, not race. Every
write here moves `updated_at` past the value it read (`_next_stamp`); a writer elsewhere that
saves with `auto_now` is noticed unless its clock gives the very microsecond of the write before.
Reset replaces the row whatever it holds: that is what it is for.

So: a state is reported to the learner only after it has committed; a command that fails
writes nothing; and nothing saved is lost: a command always runs against the latest committed
state, so of two commands sent at once, from two tabs or two processes, both land. A stored
state that no longer loads (another version made it, or its scenario was edited since) is
replaced by a new cluster, as Reset would, and the command runs against that. The fingerprint
key that stands in for passwords is derived from SECRET_KEY, so the database alone cannot be
used to test a guessed password.
"""

from __future__ import annotations

import asyncio
import enum
import json
import random
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lessons.models import LearnerCluster, SharedCluster
from sandbox import cluster_work
from sandbox.cluster_work import Done, Stale
from sandbox.engine import Scenario
from sandbox.engine.console.compare import scrub_text

UNDO_DEPTH = 20  # states kept to take commands back
UNDO_BYTES = 4_000_000  # and at most this much of them
MAX_OUTPUT = cluster_work.MAX_OUTPUT  # characters of a command's output sent to the browser
MAX_SHARES = 50  # links one learner may make
MAX_SHARED_EDITOR = 256_000  # characters of editor text a link keeps
MAX_SETUP_COMMANDS = cluster_work.MAX_SETUP_COMMANDS  # of a challenge's setup
SHARE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud in a room
ATTEMPTS = 6  # reads (and engine runs) an action makes before it gives up as Busy
BACKOFF_SECONDS = 0.01  # times the attempt number, jittered, after a write that lost

T = TypeVar("T")


class Runner(Protocol):
    """`runner(fn, *args)`: an awaitable of `fn(*args)`, run somewhere off the event loop and
    the database thread. `fn` is a function of `sandbox.cluster_work`; arguments and result
    pickle, so a process pool's runner works as well as a thread's."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> Awaitable[T]: ...


def in_thread(fn: Callable[..., T], /, *args: Any) -> Awaitable[T]:
    """The default runner: a worker thread of its own (not the database thread)."""
    return sync_to_async(fn, thread_sensitive=False)(*args)


def in_executor(executor: Executor) -> Runner:
    """A runner handing the work to `executor` (a `ProcessPoolExecutor`, say)."""
    def run(fn: Callable[..., T], /, *args: Any) -> Awaitable[T]:
        return asyncio.get_running_loop().run_in_executor(executor, fn, *args)
    return run


class Busy(Exception):
    """The cluster kept changing under this action (ATTEMPTS times): nothing was written."""


def fingerprint_key() -> bytes:
    return salted_hmac("lunchbox.clusters.fingerprint", "passwords").digest()


@dataclass(frozen=True)
class ClusterView:
    """What the browser's console shows after an action, and for a challenge's command the goals
    checked on it and the board's summary (`workshop_board.store_run` takes it)."""

    frame: dict[str, Any]
    goals: list[dict[str, Any]] | None = None
    outcome: dict[str, Any] | None = None

    @classmethod
    def of(cls, done: Done) -> ClusterView:
        return cls(done.view, done.goals, done.outcome)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.frame)


@dataclass(frozen=True)
class Place:
    """Whose cluster, in which scenario and challenge, and what a new one starts with."""

    learner: str
    slug: str  # the scenario's slug, "" for the default cluster
    challenge: str  # lesson/challenge, "" for free play
    scenario: Scenario
    setup: str = ""  # the challenge's console commands, run when the cluster is made
    starter: str = ""  # what `-f -` reads in them
    goals: str | None = None  # the challenge's goals, checked after each command; None: none


# --- the database side: text in, text out, in the database thread --------------------------


@dataclass(frozen=True)
class Stored:
    """A row as read: what a compare-and-set expects to find still there."""

    pk: int
    state: str
    undo: list[str]
    seen: datetime  # updated_at


def _rows(place: Place) -> Any:
    return LearnerCluster.objects.filter(learner=place.learner, scenario=place.slug,
                                         challenge=place.challenge)


def _read(place: Place) -> Stored | None:
    row = _rows(place).values_list("pk", "state", "undo", "updated_at").first()
    return None if row is None else Stored(row[0], row[1], list(row[2] or []), row[3])


def _next_stamp(seen: datetime) -> datetime:
    """A new updated_at, later than the one read even if the clock stepped back."""
    return max(timezone.now(), seen + timedelta(microseconds=1))


def _swap(stored: Stored, state: str, undo: list[str], commands: int = 0) -> bool:
    """Write the row if it is still as read; False (nothing written) if another writer won."""
    return bool(LearnerCluster.objects.filter(pk=stored.pk, updated_at=stored.seen).update(
        state=state, undo=undo, commands=F("commands") + commands,
        updated_at=_next_stamp(stored.seen)))


def _create(place: Place, state: str) -> bool:
    """Store a new row; False if another writer made the place's row first."""
    try:
        with transaction.atomic():
            LearnerCluster.objects.create(learner=place.learner, scenario=place.slug,
                                          challenge=place.challenge, state=state, undo=[])
    except IntegrityError:
        return False
    return True


def _replace(place: Place, state: str) -> bool:
    """Reset: the row deleted and made again from `state`, in one transaction."""
    try:
        with transaction.atomic():
            _rows(place).delete()
            LearnerCluster.objects.create(learner=place.learner, scenario=place.slug,
                                          challenge=place.challenge, state=state, undo=[])
    except IntegrityError:
        return False
    return True


def pushed(undo: list[str], state: str) -> list[str]:
    """The undo list once `state` is taken back to no more: kept within its bounds."""
    kept = [*undo, state][-UNDO_DEPTH:]
    while len(kept) > 1 and sum(len(s) for s in kept) > UNDO_BYTES:
        kept.pop(0)
    return kept


# --- the actions: engine work by the runner, one turn per cluster in this process -----------


class _Again(enum.Enum):
    NOW = "now"  # a new cluster was stored: read it again at once
    LATER = "later"  # another writer won: read again after a back-off


Attempt = Callable[[], Awaitable[ClusterView | _Again]]
_turns: dict[tuple[str, str, str], tuple[asyncio.Lock, int]] = {}


@asynccontextmanager
async def _turn(place: Place) -> AsyncIterator[None]:
    """This process's actions on one cluster, one at a time (the lock is dropped once unused)."""
    key = (place.learner, place.slug, place.challenge)
    lock, users = _turns.get(key, (None, 0))
    lock = lock or asyncio.Lock()
    _turns[key] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = _turns[key]
        if users <= 1:
            del _turns[key]
        else:
            _turns[key] = (lock, users - 1)


async def _attempts(place: Place, attempt: Attempt) -> ClusterView:
    async with _turn(place):
        for number in range(1, ATTEMPTS + 1):
            outcome = await attempt()
            if isinstance(outcome, ClusterView):
                return outcome
            if outcome is _Again.LATER and number < ATTEMPTS:
                await asyncio.sleep(BACKOFF_SECONDS * number * random.uniform(0.5, 1.5))
    raise Busy("your cluster was being changed elsewhere (another tab?) and this was not "
               "done; try again")


async def _restart(place: Place, stored: Stored | None, runner: Runner) -> _Again:
    """A new cluster for a place without one, or whose state no longer loads."""
    done = await runner(cluster_work.fresh, place.scenario, place.setup, place.starter,
                        fingerprint_key())
    assert done.state is not None
    if stored is None:
        made = await database_sync_to_async(_create)(place, done.state)
    else:
        made = await database_sync_to_async(_swap)(stored, done.state, [])
    return _Again.NOW if made else _Again.LATER


Act = Callable[[Stored], Awaitable[ClusterView | _Again | Stale]]


async def _on_stored(place: Place, runner: Runner, act: Act) -> ClusterView:
    """`act` on the place's stored cluster, in turns and attempts (`_attempts`): a place
    without a cluster, or whose state no longer loads (`act` returns Stale), gets a new one
    first and is read again."""
    async def attempt() -> ClusterView | _Again:
        stored = await database_sync_to_async(_read)(place)
        if stored is None:
            return await _restart(place, None, runner)
        outcome = await act(stored)
        if isinstance(outcome, Stale):
            return await _restart(place, stored, runner)
        return outcome
    return await _attempts(place, attempt)


async def open_cluster(place: Place, *, runner: Runner = in_thread) -> ClusterView:
    """The learner's cluster as the console shows it (made, and committed, on first use)."""
    async def act(stored: Stored) -> ClusterView | Stale:
        done = await runner(cluster_work.show, place.scenario, stored.state, len(stored.undo))
        return done if isinstance(done, Stale) else ClusterView.of(done)
    return await _on_stored(place, runner, act)


async def command(place: Place, line: str, editor: str, *,
                  runner: Runner = in_thread) -> ClusterView:
    """Run one console line; a new state is committed before this returns."""
    key = fingerprint_key()

    async def act(stored: Stored) -> ClusterView | _Again | Stale:
        undo = pushed(stored.undo, stored.state)
        done = await runner(cluster_work.step, place.scenario, stored.state, line, editor, key,
                            place.goals, len(stored.undo), len(undo))
        if isinstance(done, Stale):
            return done
        if done.state is not None and not await database_sync_to_async(_swap)(
                stored, done.state, undo, 1):
            return _Again.LATER
        return ClusterView.of(done)
    return await _on_stored(place, runner, act)


async def undo(place: Place, count: int = 1, *, runner: Runner = in_thread) -> ClusterView:
    """Take back the last `count` commands (as many as are kept)."""
    async def act(stored: Stored) -> ClusterView | _Again | Stale:
        back = min(max(count, 0), len(stored.undo))
        target, rest = ((stored.undo[-back], stored.undo[:-back]) if back
                        else (stored.state, stored.undo))
        done = await runner(cluster_work.show, place.scenario, target, len(rest))
        if isinstance(done, Stale):
            return done
        if back and not await database_sync_to_async(_swap)(stored, target, rest):
            return _Again.LATER
        return ClusterView.of(done)
    return await _on_stored(place, runner, act)


async def compare_last(place: Place, *, runner: Runner = in_thread) -> ClusterView:
    """What the last command changed: the state before it against the state now."""
    async def act(stored: Stored) -> ClusterView | Stale:
        before = stored.undo[-1] if stored.undo else None
        done = await runner(cluster_work.compare, place.scenario, stored.state, before,
                            len(stored.undo))
        return done if isinstance(done, Stale) else ClusterView.of(done)
    return await _on_stored(place, runner, act)


async def reset(place: Place, *, runner: Runner = in_thread) -> ClusterView:
    """Back to the start: the scenario, and the challenge's setup."""
    made: list[Done] = []

    async def attempt() -> ClusterView | _Again:
        if not made:
            made.append(await runner(cluster_work.fresh, place.scenario, place.setup,
                                     place.starter, fingerprint_key()))
        done = made[0]
        assert done.state is not None
        if not await database_sync_to_async(_replace)(place, done.state):
            return _Again.LATER
        return ClusterView.of(done)
    return await _attempts(place, attempt)


async def share_cluster(place: Place, editor: str, *,
                        runner: Runner = in_thread) -> tuple[str, ClusterView]:
    """`share` of the cluster as `open_cluster` finds it (made or restarted first if need be,
    by the runner): the link's code, and the view."""
    view = await open_cluster(place, runner=runner)
    code: str = await database_sync_to_async(share)(place, editor)
    return code, view


# --- synchronous helpers (views, tests) -------------------------------------------------------


def share(place: Place, editor: str) -> str:
    """Store a snapshot under a new short code; the code, once committed. A place without a
    cluster yet gets a new one here, in this thread (`share_cluster` makes it by the runner)."""
    with transaction.atomic():
        if SharedCluster.objects.filter(learner=place.learner).count() >= MAX_SHARES:
            raise ValueError(f"you have made {MAX_SHARES} links already; that is the most")
        state = _rows(place).values_list("state", flat=True).first()
        if state is None:
            done = cluster_work.fresh(place.scenario, place.setup, place.starter,
                                      fingerprint_key())
            assert done.state is not None
            _create(place, done.state)
            state = _rows(place).values_list("state", flat=True).get()
        code = "".join(secrets.choice(SHARE_ALPHABET) for _ in range(10))
        SharedCluster.objects.create(code=code, learner=place.learner, scenario=place.slug,
                                     challenge=place.challenge, state=state,
                                     editor=scrub_text(editor[:MAX_SHARED_EDITOR]))
        return code


def copy_share(code: str, learner: str, scenario: Scenario) -> SharedCluster | None:
    """The visitor's own cluster becomes a copy of the shared one (their old state undoable).
    Text only, with the same compare-and-set as the console's writes."""
    shared = SharedCluster.objects.filter(code=code).first()
    if shared is None:
        return None
    place = Place(learner, shared.scenario, shared.challenge, scenario)
    for number in range(1, ATTEMPTS + 1):
        stored = _read(place)
        if stored is None:
            if _create(place, shared.state):
                return shared
        elif _swap(stored, shared.state, pushed(stored.undo, stored.state)):
            return shared
        time.sleep(BACKOFF_SECONDS * number)
    raise Busy("your cluster was being changed elsewhere; try the link again")


def stored_text(learner: str) -> str:
    """Everything stored for a learner's clusters, for tests that search it for secrets."""
    rows = LearnerCluster.objects.filter(learner=learner)
    return "\n".join(row.state + json.dumps(row.undo) for row in rows)
