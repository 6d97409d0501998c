"""Questions the engine writes, on the lesson pages: one per kind the lesson lists, with values
drawn for each learner, checked by the engine, and counted in their progress.

A learner's n-th question of a kind in a lesson comes from a seed the server derives from the
learner, the lesson, the kind and n under a key of its own; the form posts only n and the
choice, so an answer cannot be checked against a question the server did not ask, and a
reload shows the same question until it is answered.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lessons import recap
from sandbox.engine.questions import KINDS as ENGINE_KINDS
from sandbox.engine.questions import Question

if TYPE_CHECKING:
    from lessons.models import Lesson

MAX_PER_KIND = 1000  # answers a learner can give to one kind in one lesson

# The engine's kinds, whose answers a simulated run gives, and the recap of the course's pictures.
KINDS: dict[str, Callable[[int], Question]] = {**ENGINE_KINDS, "recap": recap.question}


@lru_cache(maxsize=4096)
def question(kind: str, seed: int) -> Question:
    """The question of `kind` for `seed`. Pure and frozen, so kept: the page shows a learner's
    current and last question on every view, and checking the answer asks for it again."""
    return KINDS[kind](seed)


class QuestionAnswer(models.Model):
    """One answer to one engine-written question."""

    learner = models.CharField(max_length=64, db_index=True)
    lesson = models.ForeignKey("lessons.Lesson", on_delete=models.CASCADE,
                               related_name="question_answers")
    kind = models.CharField(max_length=40)
    number = models.PositiveIntegerField(help_text="The learner's n-th question of this kind.")
    choice = models.CharField(max_length=40)
    correct = models.BooleanField()
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "lessons"
        constraints = [models.UniqueConstraint(fields=["learner", "lesson", "kind", "number"],
                                               name="one_answer_per_question")]
        ordering = ["answered_at"]

    def __str__(self) -> str:
        return f"{self.lesson_id}/{self.kind}#{self.number}: {'right' if self.correct else 'wrong'}"


def seed_for(learner: str, lesson: str, kind: str, number: int) -> int:
    key = hashlib.sha256(f"lunchbox-questions:{settings.SECRET_KEY}".encode()).digest()
    message = f"{learner}\0{lesson}\0{kind}\0{number}".encode()
    return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:4], "big")


def kinds_of(lesson: Lesson) -> list[str]:
    return [kind for kind in lesson.questions.split() if kind in KINDS]


_CODE = re.compile(r"`([^`]+)`")


def inline_html(text: str) -> SafeString:
    """Plain text with `code` spans, as HTML: everything escaped, backticks made <code>."""
    escaped = str(escape(text))
    return mark_safe(_CODE.sub(r"<code>\1</code>", escaped))  # noqa: S308 - escaped above


@dataclass(frozen=True)
class Asked:
    """A question on the page: the one to answer now, and the learner's last answer."""

    kind: str
    number: int
    question: Question
    last: QuestionAnswer | None
    last_question: Question | None
    right: int
    answered: int

    def view(self) -> dict[str, Any]:
        def choices(q: Question) -> list[dict[str, Any]]:
            return [{"id": c.id, "html": inline_html(c.label)} for c in q.choices]
        last = None
        if self.last is not None and self.last_question is not None:
            q = self.last_question
            last = {"correct": self.last.correct, "chosen": inline_html(q.label(self.last.choice)),
                    "answer": inline_html(q.label(q.answer)), "prompt": inline_html(q.prompt),
                    "explanation": inline_html(q.explanation)}
        return {"kind": self.kind, "number": self.number, "prompt": inline_html(
            self.question.prompt), "choices": choices(self.question), "last": last,
            "right": self.right, "answered": self.answered,
            "exhausted": self.number >= MAX_PER_KIND}


def asked(learner: str | None, lesson: Lesson) -> list[Asked]:
    """Each kind's current question for `learner` (a stranger gets a fixed first draw)."""
    answers: dict[str, list[QuestionAnswer]] = {}
    if learner:
        for answer in QuestionAnswer.objects.filter(learner=learner, lesson=lesson):
            answers.setdefault(answer.kind, []).append(answer)
    who = learner or "anonymous"
    found = []
    for kind in kinds_of(lesson):
        given = answers.get(kind, [])
        number = max((a.number for a in given), default=-1) + 1
        last = max(given, key=lambda a: a.number) if given else None
        found.append(Asked(
            kind, number, question(kind, seed_for(who, lesson.slug, kind, number)), last,
            question(kind, seed_for(who, lesson.slug, kind, last.number)) if last else None,
            sum(1 for a in given if a.correct), len(given)))
    return found


def answer(learner: str, lesson: Lesson, kind: str, number: int, choice: str) -> bool | None:
    """Check and store an answer; None when it is not one to the learner's current question."""
    if kind not in kinds_of(lesson) or not 0 <= number < MAX_PER_KIND:
        return None
    last = (QuestionAnswer.objects.filter(learner=learner, lesson=lesson, kind=kind)
            .aggregate(last=models.Max("number"))["last"])
    if number != (0 if last is None else last + 1):  # only the learner's current question
        return None
    q = question(kind, seed_for(learner, lesson.slug, kind, number))
    if choice not in {c.id for c in q.choices}:
        return None
    correct = choice == q.answer
    try:
        with transaction.atomic():
            QuestionAnswer.objects.create(learner=learner, lesson=lesson, kind=kind,
                                          number=number, choice=choice, correct=correct)
    except IntegrityError:
        return None  # answered twice at once: the first one counts
    return correct


def scores(learner: str | None, lesson_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Right and answered counts per lesson, for the lessons index."""
    found: dict[int, tuple[int, int]] = {pk: (0, 0) for pk in lesson_ids}
    if not learner:
        return found
    rows = (QuestionAnswer.objects.filter(learner=learner, lesson_id__in=lesson_ids)
            .values("lesson_id").annotate(right=models.Count("pk", filter=models.Q(correct=True)),
                                          answered=models.Count("pk")))
    for row in rows:
        found[row["lesson_id"]] = (row["right"], row["answered"])
    return found
