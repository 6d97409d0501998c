"""Predict mode on the sandbox socket (docs/protocol.md, "Predict mode"): a learner's answer to
the question playback stopped at, and the score once the run has played, with the challenge's
`predictions` goals checked again on it (`goals.rescore`: the trace stayed in the worker)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lessons.predictions import record_predictions
from sandbox.engine import rescore
from sandbox.playback import Playback
from sandbox.protocol import BadMessage

if TYPE_CHECKING:
    from sandbox.consumers import SandboxConsumer

log = logging.getLogger(__name__)


async def answer(socket: SandboxConsumer, message: dict[str, Any]) -> None:
    """An answer to a question of the run being played: kept, revealed, playback goes on."""
    if socket.questions is None:
        raise BadMessage("bad_message", "no run in predict mode is asking questions")
    await socket.send_json(socket.questions.answer(message))
    if socket.playback is not None and socket.playback.run == socket.questions.run:
        socket.playback.answered()

async def score(socket: SandboxConsumer, playback: Playback) -> None:
    """Once a predict-mode run has played: count its answers, check its challenge's goals
    again with that score, record both, and send the `score` frame."""
    questions = playback.questions
    if questions is None:
        return
    questions.closed = True
    counted = questions.score()
    key, goals, checked = socket.run_goals
    results = None
    if key is not None and checked is not None:
        results = rescore(goals, checked, counted)
        try:
            assert socket.learner is not None
            await record_predictions(socket.learner, key, counted, results)
        except Exception:
            log.exception("could not record the prediction score")
    await socket.send_json(questions.score_frame(results))
