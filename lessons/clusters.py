"""Learners' own clusters in the database: load, run a console command, undo, reset.

Each call is one transaction on one `LearnerCluster` row (locked with SELECT … FOR UPDATE where
the database has it), so two sockets of one learner cannot interleave half-written states, and
a state is only reported to the learner after it has committed. A command that fails writes
nothing. The fingerprint key that stands in for passwords is derived from SECRET_KEY, so the
database alone cannot be used to test a guessed password.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.crypto import salted_hmac

from lessons.models import LearnerCluster
from sandbox.engine import Scenario
from sandbox.engine.console import ClusterState, CommandResult, new_cluster, run_command
from sandbox.engine.console.views import get_pods_table

UNDO_DEPTH = 20  # states kept to take commands back
UNDO_BYTES = 4_000_000  # and at most this much of them
MAX_OUTPUT = 200_000  # characters of a command's output sent to the browser


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

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"clock": self.clock, "history": self.history,
                                "pods": self.pods, "undo": self.undo}
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
    return ClusterView(state.clock, list(state.data["log"][-50:]),
                       get_pods_table(state, None, wide=True) if state.data["pods"] else "",
                       len(row.undo), result)


def _row(learner: str, slug: str, challenge: str, scenario: Scenario,
         lock: bool) -> tuple[LearnerCluster, ClusterState]:
    rows = LearnerCluster.objects.filter(learner=learner, scenario=slug, challenge=challenge)
    row = (rows.select_for_update() if lock else rows).first()
    if row is not None:
        try:
            return row, ClusterState.from_json(row.state, scenario)
        except (ValueError, KeyError):
            pass  # made by another version, or for a scenario since edited: start again
    state = new_cluster(scenario, key=fingerprint_key())
    if row is None:
        row = LearnerCluster(learner=learner, scenario=slug, challenge=challenge)
    row.state, row.undo = state.to_json(), []
    row.save()
    return row, state


def open_cluster(learner: str, slug: str, challenge: str, scenario: Scenario) -> ClusterView:
    with transaction.atomic():
        row, state = _row(learner, slug, challenge, scenario, lock=False)
        return _view(row, state)


def command(learner: str, slug: str, challenge: str, scenario: Scenario, line: str,
            editor: str) -> ClusterView:
    """Run one console line; the new state is committed before this returns."""
    with transaction.atomic():
        row, state = _row(learner, slug, challenge, scenario, lock=True)
        new, result = run_command(state, line, files={"-": editor}, key=fingerprint_key())
        if result.changed:
            undo = [*row.undo, row.state][-UNDO_DEPTH:]
            while len(undo) > 1 and sum(len(s) for s in undo) > UNDO_BYTES:
                undo.pop(0)
            row.state, row.undo = new.to_json(), undo
            row.commands += 1
            row.save()
        return _view(row, new, result)


def undo(learner: str, slug: str, challenge: str, scenario: Scenario) -> ClusterView:
    with transaction.atomic():
        row, state = _row(learner, slug, challenge, scenario, lock=True)
        if row.undo:
            row.state = row.undo.pop()
            row.save()
            state = ClusterState.from_json(row.state, scenario)
        return _view(row, state)


def reset(learner: str, slug: str, challenge: str, scenario: Scenario) -> ClusterView:
    with transaction.atomic():
        LearnerCluster.objects.filter(learner=learner, scenario=slug,
                                      challenge=challenge).delete()
        row, state = _row(learner, slug, challenge, scenario, lock=True)
        return _view(row, state)


def stored_text(learner: str) -> str:
    """Everything stored for a learner's clusters, for tests that search it for secrets."""
    rows = LearnerCluster.objects.filter(learner=learner)
    return "\n".join(row.state + json.dumps(row.undo) for row in rows)
