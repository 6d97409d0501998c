"""Predict mode on the socket (docs/protocol.md, "Predict mode"): the run's questions kept per
socket, the learner's answers checked as hostile input, and the frames that ask, reveal and score.

The questions and their answers come from the engine (`render.predict`) for the run this socket
plays; a client only names a question of that run and one of its choices, once. The score is
counted here from those answers, never taken from the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.engine.render.predict import Prediction, PredictionScore, score
from sandbox.protocol import BadMessage, frame

MAX_ID = 16  # q1 … q10, with room to spare; longer is refused unread


def wanted(value: Any) -> bool:
    """The run message's optional `predict`: true asks the questions, absent or false does not."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadMessage("bad_message", "predict must be true or false")
    return value


@dataclass
class Questions:
    """One run's questions and the answers given so far: the server's record of predict mode."""

    run: int
    points: tuple[Prediction, ...]
    answers: dict[str, str] = field(default_factory=dict)
    closed: bool = False  # the run has played and its score is counted: no more answers

    def by_step(self) -> dict[int, Prediction]:
        return {point.step: point for point in self.points}

    def ask(self, point: Prediction) -> dict[str, Any]:
        """The `question` frame: the question and its choices, not the answer."""
        number = self.points.index(point) + 1
        return frame("question", run=self.run,
                     question=point.question_dict(number, len(self.points)))

    def answer(self, message: dict[str, Any]) -> dict[str, Any]:
        """Check a `predict` message against this run's questions, keep its answer and return
        the `reveal` frame; a message about anything else is refused with a BadMessage."""
        run, ident, choice = message.get("run"), message.get("id"), message.get("choice")
        if isinstance(run, bool) or not isinstance(run, int) or run != self.run:
            raise BadMessage("bad_message", "run must be the number of the run being played")
        if self.closed:
            raise BadMessage("bad_message", "that run is over and its score is counted")
        if not isinstance(ident, str) or len(ident) > MAX_ID:
            raise BadMessage("bad_message", "id must be the id of a question of this run")
        point = next((p for p in self.points if p.id == ident), None)
        if point is None:
            raise BadMessage("bad_message", "this run asked no question with that id")
        if ident in self.answers:
            raise BadMessage("bad_message", "that question is answered already")
        if not isinstance(choice, str) or choice not in {c.id for c in point.choices}:
            raise BadMessage("bad_message", "choice must be the id of one of the question's "
                                            "choices")
        self.answers[ident] = choice
        return frame("reveal", run=self.run, id=ident, choice=choice, answer=point.answer,
                     answer_label=point.label_of(point.answer), right=choice == point.answer,
                     explanation=point.explanation, score=self.score_dict())

    def score(self) -> PredictionScore:
        return score(self.points, self.answers)

    def score_dict(self) -> dict[str, int]:
        counted = self.score()
        return {"right": counted.right, "answered": counted.answered, "total": counted.total}

    def score_frame(self, goals: list[dict[str, Any]] | None) -> dict[str, Any]:
        """The `score` frame once the run has played: the final count, and the challenge's goals
        checked again with it (None in free play)."""
        return frame("score", run=self.run, score=self.score_dict(), goals=goals)
