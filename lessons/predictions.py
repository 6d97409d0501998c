"""A predict-mode run's score in the learner's progress (sandbox.predictions counts it)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from lessons.models import Challenge, Progress
from lessons.progress import board_row, broadcast
from sandbox.engine.render.predict import PredictionScore


async def record_predictions(learner: str, challenge_key: str, score: PredictionScore,
                             goals: list[dict[str, Any]] | None) -> None:
    """Store the score on the learner's row for the challenge, with the goals checked again,
    and tell the instructor's board (the row may have just passed)."""
    progress = await database_sync_to_async(_record)(learner, challenge_key, score, goals)
    if progress is not None:
        await broadcast(board_row(learner, progress.display_name, progress.updated_at, progress))


def _record(learner: str, challenge_key: str, score: PredictionScore,
            goals: list[dict[str, Any]] | None) -> Progress | None:
    lesson, _, slug = challenge_key.partition("/")
    challenge = (Challenge.objects.filter(lesson__slug=lesson, slug=slug)
                 .select_related("lesson").first())
    if challenge is None:  # deleted meanwhile: nothing to record it on
        return None
    progress = Progress.record_predictions(learner, challenge, score.right, score.total, goals)
    progress.challenge = challenge  # keep the lesson loaded for the board row's `key`
    return progress
