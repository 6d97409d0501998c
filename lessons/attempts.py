"""Learners' progress on challenges: `Progress`, one row per learner and challenge, and the
goal results a run stores on it. A model of the lessons app (imported by `lessons.models`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone

from lessons.models import Challenge


@dataclass(frozen=True)
class GoalResult:
    """One goal's result in a learner's run, as `Progress.last_goals` keeps it."""

    goal: str
    passed: bool
    expected: str
    seen: str


def _short(value: object, limit: int) -> str:
    text = value if isinstance(value, str) else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Progress(models.Model):
    """Where one (anonymous) learner stands on one challenge."""

    STUCK_AFTER = 3  # failed attempts after which the instructor's board flags a learner
    # Bounds on what a run stores: goals come from the challenge, their texts from the engine.
    STORED_GOALS = 50
    STORED_GOAL_TEXT = 300

    class Status(models.TextChoices):
        STARTED = "started", "Started"
        PASSED = "passed", "Passed"

    learner = models.CharField(
        max_length=64, db_index=True, help_text="Anonymous id derived from the session."
    )
    display_name = models.CharField(max_length=80, blank=True)
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    attempts = models.PositiveIntegerField(default=0)
    last_goals = models.JSONField(
        null=True, blank=True,
        help_text="Each goal's result in the learner's last run (goal, passed, expected, seen); "
        "empty when that run was not checked.",
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.JSONField(
        null=True, blank=True,
        help_text="What the learner's last run did, as the instructor's board shows it: its "
        "scenario, its pods' states, goals passed, what a pod waits on.",
    )
    # Predict mode: the score of the learner's last run with predictions, as the server counted
    # it on its own questions (sandbox.predictions); null until they predict on this challenge.
    prediction_right = models.PositiveIntegerField(null=True, blank=True)
    prediction_total = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    workshop = models.ForeignKey(  # the workshop the learner had joined (lessons/workshops.py)
        "lessons.Workshop", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="progress")

    class Meta:
        ordering = ["-updated_at"]
        verbose_name_plural = "progress"
        constraints = [
            models.UniqueConstraint(fields=["learner", "challenge"], name="progress_per_learner")
        ]

    def __str__(self) -> str:
        who = self.display_name or self.learner[:8]
        return f"{who}: {self.challenge} ({self.status})"

    @property
    def is_stuck(self) -> bool:
        """Not passed after STUCK_AFTER attempts: the board highlights the learner."""
        return self.status != self.Status.PASSED and self.attempts >= self.STUCK_AFTER

    @property
    def is_passed(self) -> bool:
        return self.status == self.Status.PASSED

    @classmethod
    def stored_goals(cls, goals: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
        """The goal results of a run (`GoalResult.to_dict()` of the engine) as `last_goals`
        keeps them: the four keys only, bounded in count and length."""
        if goals is None:
            return None
        limit = cls.STORED_GOAL_TEXT
        return [{"goal": _short(g.get("goal"), limit), "passed": bool(g.get("passed")),
                 "expected": _short(g.get("expected"), limit), "seen": _short(g.get("seen"), limit)}
                for g in list(goals)[: cls.STORED_GOALS]]

    @classmethod
    def stored_outcome(cls, outcome: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """A run's board outcome (`sandbox.run_summary.outcome`) as `last_outcome` keeps it:
        its five keys, texts bounded."""
        if not isinstance(outcome, Mapping):
            return None
        limit = cls.STORED_GOAL_TEXT

        def count(value: object) -> int | None:
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        return {"scenario": _short(outcome.get("scenario"), limit),
                "pods": _short(outcome.get("pods"), limit),
                "goals_passed": count(outcome.get("goals_passed")),
                "goals_total": count(outcome.get("goals_total")),
                "waiting": _short(outcome.get("waiting"), limit) or None}

    def last_goal_results(self) -> tuple[GoalResult, ...] | None:
        """The goals of the last run, in the challenge's order; None if it was not checked."""
        if not isinstance(self.last_goals, list):
            return None
        return tuple(
            GoalResult(goal=str(g.get("goal", "")), passed=bool(g.get("passed")),
                       expected=str(g.get("expected", "")), seen=str(g.get("seen", "")))
            for g in self.last_goals if isinstance(g, dict)
        )

    @classmethod
    def record_attempt(
        cls, learner: str, challenge: Challenge, passed: bool, display_name: str = "",
        goals: Sequence[Mapping[str, Any]] | None = None,
        outcome: Mapping[str, Any] | None = None,
    ) -> Progress:
        """Count one run of `challenge` by `learner` and return the row as it now stands.

        The counter is incremented in the database (F expression), so runs arriving at the same
        time on different server processes all count. A pass is never downgraded: a later
        failing run only adds an attempt. `goals` (the run's goal results) replace the last
        run's, so the challenge page can show them after a reload, and so does `outcome` (the
        board's summary of the run), so a board opened later shows it. A name given becomes the
        learner's name on all their rows, so the board and the sandbox page agree on it.
        """
        progress, _ = cls.objects.get_or_create(learner=learner, challenge=challenge)
        now = timezone.now()
        changes: dict[str, Any] = {"attempts": F("attempts") + 1, "updated_at": now,
                                   "last_run_at": now, "last_goals": cls.stored_goals(goals),
                                   "last_outcome": cls.stored_outcome(outcome)}
        if passed:
            changes["status"] = cls.Status.PASSED
        if display_name:
            changes["display_name"] = display_name
            (cls.objects.filter(learner=learner).exclude(pk=progress.pk)
             .exclude(display_name=display_name).update(display_name=display_name))
        cls.objects.filter(pk=progress.pk).update(**changes)
        progress.refresh_from_db()
        return progress


    @classmethod
    def record_predictions(
        cls, learner: str, challenge: Challenge, right: int, total: int,
        goals: Sequence[Mapping[str, Any]] | None,
    ) -> Progress:
        """Store a run's prediction score and its goals checked again with that score; not a new
        attempt (the run already counted one). A pass is never downgraded."""
        progress, _ = cls.objects.get_or_create(learner=learner, challenge=challenge)
        changes: dict[str, Any] = {"prediction_right": right, "prediction_total": total,
                                   "updated_at": timezone.now()}
        if goals is not None:
            changes["last_goals"] = cls.stored_goals(goals)
            if all(g.get("passed") for g in goals):
                changes["status"] = cls.Status.PASSED
            if isinstance(progress.last_outcome, dict):  # the board's goal count, rescored too
                changes["last_outcome"] = cls.stored_outcome(
                    {**progress.last_outcome, "goals_total": len(goals),
                     "goals_passed": sum(1 for g in goals if g.get("passed"))})
        cls.objects.filter(pk=progress.pk).update(**changes)
        progress.refresh_from_db()
        return progress
