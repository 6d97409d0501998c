"""Workshops: a room an instructor opens with a join code, and the learners who joined it.

A learner joins with the code and a display name (`/join`); from then on their progress rows
belong to that workshop and its board shows them, and only them. The code is short and read
aloud in a room: six characters from an alphabet without 0/O, 1/I/L, typed in any case, with
spaces or dashes. An instructor's own runs never count: staff cannot join (views say why).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import connection, models

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 6  # 31**6, about 887 million codes
MAX_EDITOR = 64_000  # characters of a learner's last manifest the board can open


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(value: object) -> str | None:
    """`value` as a stored code (upper case, no spaces or dashes), or None if it cannot be one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    code = "".join(value.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


class Workshop(models.Model):
    """One session of a course with its own join code and board."""

    name = models.CharField(max_length=120)
    code = models.CharField(max_length=CODE_LENGTH, unique=True, editable=False,
                            help_text="What learners type at /join; made when the workshop is.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="workshops")
    created_at = models.DateTimeField(auto_now_add=True)
    is_open = models.BooleanField(default=True, help_text="Learners can join while it is open.")

    class Meta:
        app_label = "lessons"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.spaced_code})"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.code:
            self.code = new_code()
            while Workshop.objects.filter(code=self.code).exists():
                self.code = new_code()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def spaced_code(self) -> str:
        """`ABC DEF`: easier to read out."""
        half = CODE_LENGTH // 2
        return f"{self.code[:half]} {self.code[half:]}"


class WorkshopMember(models.Model):
    """A learner (their anonymous session key) in one workshop, under a display name."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="members")
    learner = models.CharField(max_length=64, db_index=True,
                               help_text="Anonymous id kept in the learner's session.")
    display_name = models.CharField(max_length=80)
    hand_raised_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    last_editor = models.TextField(blank=True, help_text="Their last run's manifest, passwords "
                                   "hidden.")

    class Meta:
        app_label = "lessons"
        ordering = ["joined_at"]
        constraints = [models.UniqueConstraint(fields=["workshop", "learner"],
                                               name="one_membership_per_workshop")]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.workshop.name}"


def current_member(learner: str | None) -> WorkshopMember | None:
    """The learner's latest membership of an open workshop, if any.

    Every run asks, and most learners are in no open workshop: a plain SQL existence check
    answers them (about 20 µs, where building and running the ORM's query takes 400), and only
    a member is read through the ORM."""
    if learner is None or not _in_open_workshop(learner):
        return None
    return (WorkshopMember.objects.filter(learner=learner, workshop__is_open=True)
            .select_related("workshop").order_by("-joined_at").first())


def _in_open_workshop(learner: str) -> bool:
    quote = connection.ops.quote_name
    member, workshop = WorkshopMember._meta, Workshop._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(member.db_table)} m JOIN {quote(workshop.db_table)} w"
            f" ON m.{quote(member.get_field('workshop').column)} = w.{quote(workshop.pk.column)}"
            f" WHERE m.{quote(member.get_field('learner').column)} = %s"
            f" AND w.{quote(workshop.get_field('is_open').column)} = %s LIMIT 1", [learner, True])
        return cursor.fetchone() is not None
