"""A predict-mode run's score in the learner's progress (sandbox.predictions counts it)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from lessons.models import Challenge, Progress
from sandbox.engine.render.predict import PredictionScore


async def record_predictions(learner: str, challenge_key: str, score: PredictionScore,
                             goals: list[dict[str, Any]] | None) -> None:
    """Store the score on the learner's row for the challenge, with the goals checked again."""
    await database_sync_to_async(_record)(learner, challenge_key, score, goals)


def _record(learner: str, challenge_key: str, score: PredictionScore,
            goals: list[dict[str, Any]] | None) -> None:
    lesson, _, slug = challenge_key.partition("/")
    challenge = Challenge.objects.filter(lesson__slug=lesson, slug=slug).first()
    if challenge is not None:  # deleted meanwhile: nothing to record it on
        Progress.record_predictions(learner, challenge, score.right, score.total, goals)
