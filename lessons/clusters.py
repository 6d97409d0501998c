"""Learners' own clusters in the database: load, run a console command, undo, reset.

Each call is one transaction on one `LearnerCluster` row (locked with SELECT … FOR UPDATE where
the database has it), so two sockets of one learner cannot interleave half-written states, and
a state is only reported to the learner after it has committed. A command that fails writes
nothing. The fingerprint key that stands in for passwords is derived from SECRET_KEY, so the
database alone cannot be used to test a guessed password.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.crypto import salted_hmac

from lessons.models import LearnerCluster, SharedCluster
from sandbox.engine import Scenario
from sandbox.engine.console import ClusterState, CommandResult, new_cluster, run_command
from sandbox.engine.console.compare import compare_table, scrub_text
from sandbox.engine.console.summary import cluster_summary
from sandbox.engine.console.views import get_pods_table

UNDO_DEPTH = 20  # states kept to take commands back
UNDO_BYTES = 4_000_000  # and at most this much of them
MAX_OUTPUT = 200_000  # characters of a command's output sent to the browser
MAX_SHARES = 50  # links one learner may make
MAX_SHARED_EDITOR = 256_000  # characters of editor text a link keeps
MAX_SETUP_COMMANDS = 50  # of a challenge's setup
SHARE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud in a room


def fingerprint_key() -> bytes:
    return salted_hmac("lunchbox.clusters.fingerprint", "passwords").digest()


@dataclass
class ClusterView:
    """What the browser's console shows of a cluster after a command (or on opening it)."""

    clock: float
    history: list[dict[str, Any]]
    pods: str
    undo: int
    result: CommandResult | None = None
    cluster: dict[str, Any] | None = None  # what the Cluster view draws (console/summary.py)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"clock": self.clock, "history": self.history,
                                "pods": self.pods, "undo": self.undo, "cluster": self.cluster}
        if self.result is not None:
            r = self.result
            data.update(command=r.command, output=_capped(r.output), error=_capped(r.error),
                        exit_code=r.exit_code, column=r.column)
        return data


def _capped(text: str) -> str:
    """A console frame stays well under the server's 1 MiB frame limit."""
    if len(text) <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + f"\n… output cut at {MAX_OUTPUT} characters\n"


def _view(row: LearnerCluster, state: ClusterState,
          result: CommandResult | None = None) -> ClusterView:
    log = state.data["log"]
    start = max(len(log) - 50, 0)
    # Each entry says how many undos lead back to the state right after it (None: too old).
    history = [{**entry, "back": (len(log) - 1 - i) if len(log) - 1 - i <= len(row.undo)
                else None} for i, entry in enumerate(log[start:], start)]
    return ClusterView(state.clock, history,
                       get_pods_table(state, None, wide=True) if state.data["pods"] else "",
                       len(row.undo), result,
                       cluster_summary(state, result.trace if result is not None else None))


@dataclass(frozen=True)
class Place:
    """Whose cluster, in which scenario and challenge, and what a new one starts with."""

    learner: str
    slug: str  # the scenario's slug, "" for the default cluster
    challenge: str  # lesson/challenge, "" for free play
    scenario: Scenario
    setup: str = ""  # the challenge's console commands, run when the cluster is made
    starter: str = ""  # what `-f -` reads in them


def prepared(place: Place) -> ClusterState:
    """The cluster a place starts from: the scenario's, then the challenge's setup commands."""
    key = fingerprint_key()
    state = new_cluster(place.scenario, key=key)
    for line in place.setup.splitlines()[:MAX_SETUP_COMMANDS]:
        if line.strip() and not line.lstrip().startswith("#"):
            state, _ = run_command(state, line, files={"-": place.starter}, key=key)
    return state


def _row(place: Place, lock: bool) -> tuple[LearnerCluster, ClusterState]:
    rows = LearnerCluster.objects.filter(learner=place.learner, scenario=place.slug,
                                         challenge=place.challenge)
    row = (rows.select_for_update() if lock else rows).first()
    if row is not None:
        try:
            return row, ClusterState.from_json(row.state, place.scenario)
        except (ValueError, KeyError):
            pass  # made by another version, or for a scenario since edited: start again
    state = prepared(place)
    if row is None:
        row = LearnerCluster(learner=place.learner, scenario=place.slug,
                             challenge=place.challenge)
    row.state, row.undo = state.to_json(), []
    row.save()
    return row, state


def open_cluster(place: Place) -> ClusterView:
    with transaction.atomic():
        row, state = _row(place, lock=False)
        return _view(row, state)


def command(place: Place, line: str, editor: str) -> ClusterView:
    """Run one console line; the new state is committed before this returns."""
    with transaction.atomic():
        row, state = _row(place, lock=True)
        new, result = run_command(state, line, files={"-": editor}, key=fingerprint_key())
        if result.changed:
            undo = [*row.undo, row.state][-UNDO_DEPTH:]
            while len(undo) > 1 and sum(len(s) for s in undo) > UNDO_BYTES:
                undo.pop(0)
            row.state, row.undo = new.to_json(), undo
            row.commands += 1
            row.save()
        return _view(row, new, result)


def undo(place: Place, count: int = 1) -> ClusterView:
    """Take back the last `count` commands (as many as are kept)."""
    with transaction.atomic():
        row, state = _row(place, lock=True)
        count = min(max(count, 0), len(row.undo))
        if count:
            row.state = row.undo[-count]
            row.undo = row.undo[:-count]
            row.save()
            state = ClusterState.from_json(row.state, place.scenario)
        return _view(row, state)


def compare_last(place: Place) -> ClusterView:
    """What the last command changed: the state before it against the state now."""
    with transaction.atomic():
        row, state = _row(place, lock=False)
        view = _view(row, state)
        if not row.undo:
            text = "Nothing to compare yet: run a command that changes the cluster first.\n"
        else:
            before = ClusterState.from_json(row.undo[-1], place.scenario)
            text = compare_table(before, state)
        view.result = CommandResult("compare with the state before the last command", text)
        return view


def share(place: Place, editor: str) -> str:
    """Store a snapshot under a new short code; the code, once committed."""
    with transaction.atomic():
        if SharedCluster.objects.filter(learner=place.learner).count() >= MAX_SHARES:
            raise ValueError(f"you have made {MAX_SHARES} links already; that is the most")
        row, _ = _row(place, lock=False)
        code = "".join(secrets.choice(SHARE_ALPHABET) for _ in range(10))
        SharedCluster.objects.create(code=code, learner=place.learner, scenario=place.slug,
                                     challenge=place.challenge, state=row.state,
                                     editor=scrub_text(editor[:MAX_SHARED_EDITOR]))
        return code


def copy_share(code: str, learner: str, scenario: Scenario) -> SharedCluster | None:
    """The visitor's own cluster becomes a copy of the shared one (their old state undoable)."""
    with transaction.atomic():
        shared = SharedCluster.objects.filter(code=code).first()
        if shared is None:
            return None
        row, _ = _row(Place(learner, shared.scenario, shared.challenge, scenario), lock=True)
        row.undo = [*row.undo, row.state][-UNDO_DEPTH:]
        row.state = shared.state
        row.save()
        return shared


def reset(place: Place) -> ClusterView:
    """Back to the start: the scenario, and the challenge's setup."""
    with transaction.atomic():
        LearnerCluster.objects.filter(learner=place.learner, scenario=place.slug,
                                      challenge=place.challenge).delete()
        row, state = _row(place, lock=True)
        return _view(row, state)


def stored_text(learner: str) -> str:
    """Everything stored for a learner's clusters, for tests that search it for secrets."""
    rows = LearnerCluster.objects.filter(learner=learner)
    return "\n".join(row.state + json.dumps(row.undo) for row in rows)
