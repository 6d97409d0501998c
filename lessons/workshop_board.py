"""A workshop's board: one tile per learner who joined, live over the channel layer.

After each run of a learner who joined a workshop (`store_run`, called by the sandbox socket), their
progress rows are put in the workshop, the run's manifest is kept (passwords hidden) for the
instructor to open, and a fresh tile goes to the group of the workshop's boards (batched per
process, lessons/board_feed.py, once the learner's result frame is out). A raised or
lowered hand sends one too. Tiles carry a one-way id, never the learner key, and no manifest.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from lessons import board_feed
from lessons.board import FORBIDDEN, PROTOCOL_VERSION, is_staff
from lessons.models import Challenge, Progress
from lessons.progress import FREE_PLAY, passed, public_id, record_attempt, run_row
from lessons.workshops import MAX_EDITOR, Workshop, WorkshopMember, current_member
from sandbox.engine.console.compare import scrub_text

log = logging.getLogger(__name__)


def group_name(workshop: Workshop) -> str:
    return f"workshop.{workshop.pk}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def total_challenges() -> int:
    return Challenge.objects.filter(lesson__published=True).count()


def member_rows(member: WorkshopMember) -> list[Progress]:
    return list(Progress.objects.filter(learner=member.learner, workshop=member.workshop)
                .select_related("challenge__lesson").order_by("-updated_at"))


def tile(member: WorkshopMember, total: int | None = None) -> dict[str, Any]:
    """One learner's tile (docs/authoring.md, "Workshops"): JSON-safe, no secret, no key."""
    rows = member_rows(member)
    current = rows[0] if rows else None
    passes = [p.updated_at for p in rows if p.is_passed]
    if current is None:
        status = "idle"
    elif current.is_passed:
        status = "solved"
    elif current.is_stuck:
        status = "stuck"
    else:
        status = "working"
    challenge = current.challenge if current is not None else None
    return {
        "id": public_id(member.learner),
        "name": member.display_name,
        "lesson": challenge.lesson.title if challenge is not None else "",
        "challenge": challenge.key if challenge is not None else None,
        "title": challenge.title if challenge is not None else FREE_PLAY,
        "attempts": current.attempts if current is not None else 0,
        "solved": len(passes),
        "total": total if total is not None else total_challenges(),
        "status": status,
        "hand": _iso(member.hand_raised_at),
        "since": _iso(max(passes, default=member.joined_at)),  # last progress, or joining
        "updated": _iso(current.updated_at if current is not None else member.joined_at),
    }


def tiles(workshop: Workshop) -> list[dict[str, Any]]:
    total = total_challenges()
    return [tile(m, total) for m in workshop.members.all()]


def find_member(workshop: Workshop, member_id: str) -> WorkshopMember | None:
    """The member whose tile id is `member_id` (a workshop holds a room, not thousands)."""
    for member in workshop.members.all():
        if public_id(member.learner) == member_id:
            return member
    return None


def _note_run(learner: str, challenge_key: str | None, editor: str) -> dict[str, Any] | None:
    member = current_member(learner)
    if member is None:
        return None
    if challenge_key:
        lesson, _, slug = challenge_key.partition("/")
        (Progress.objects.filter(learner=learner, challenge__lesson__slug=lesson,
                                 challenge__slug=slug).update(workshop=member.workshop))
    if editor:
        member.last_editor = scrub_text(editor[:MAX_EDITOR])
        member.save(update_fields=["last_editor"])
    return {"group": group_name(member.workshop), "tile": tile(member)}


async def store_run(learner: str, display_name: str, challenge_key: str | None,
                    run: dict[str, Any], goals: list[dict[str, Any]] | None,
                    editor: str = "") -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Record a run in one trip to the database thread: its Progress (a challenge run's attempt)
    and, if the learner joined a workshop, its place there (`_note_run`). Returns the run's
    board row and workshop tile (or None), both committed and not yet announced: the socket
    tells the boards (`tell`, `progress.announce`) once the learner's result frame is out."""
    def store() -> tuple[Progress | None, dict[str, Any] | None]:
        progress = record_attempt(learner, challenge_key, passed(goals), display_name, goals,
                                  run)
        return progress, _note_run(learner, challenge_key, editor)

    progress, noted = await database_sync_to_async(store)()
    return run_row(learner, display_name, progress, run, goals), noted


def tell(noted: dict[str, Any] | None) -> None:
    """Queue a tile `store_run` made for its workshop's boards (lessons/board_feed.py)."""
    if noted is not None:
        board_feed.publish(noted["group"], "workshop.tiles", "tiles", noted["tile"]["id"],
                           noted["tile"])


def set_hand(member: WorkshopMember, raised: bool) -> None:
    member.hand_raised_at = timezone.now() if raised else None
    member.save(update_fields=["hand_raised_at"])


async def send_tile(member: WorkshopMember) -> None:
    """Tell the workshop's boards about `member` (after a hand, a join or a reset)."""
    data = await database_sync_to_async(tile)(member)
    # Sent at once, not batched: a view calls this through async_to_sync, whose loop may end.
    await board_feed.send_now(group_name(member.workshop), "workshop.tiles", "tiles", [data])


class WorkshopBoardConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    """`/ws/board/<code>/`: staff only; a snapshot of the workshop's tiles, then each change."""

    group: str | None = None
    workshop: Workshop | None = None
    gaps: board_feed.Gaps

    async def connect(self) -> None:
        await self.accept()
        if not is_staff(self.scope.get("user")):
            await self.send_frame("error", code="forbidden",
                                  message="the board is for instructors: log in to the admin "
                                          "with a staff account, then reload")
            await self.close(code=FORBIDDEN)
            return
        code = str(self.scope["url_route"]["kwargs"].get("code", ""))
        workshop = await Workshop.objects.filter(code=code).afirst()
        if workshop is None:
            await self.send_frame("error", code="unknown_workshop",
                                  message="there is no workshop with that code")
            await self.close(code=FORBIDDEN)
            return
        self.group, self.workshop, self.gaps = group_name(workshop), workshop, board_feed.Gaps()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_frame("snapshot", tiles=await database_sync_to_async(tiles)(workshop))

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.group is None:
            return
        try:
            message = json.loads(text_data) if text_data is not None else None
        except (ValueError, RecursionError):
            message = None
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send_frame("pong")
        else:
            await self.send_frame("error", code="bad_message",
                                  message='the board only answers {"version": 1, "type": "ping"}')

    async def workshop_tiles(self, event: dict[str, Any]) -> None:
        """A batch of tiles from the channel layer: a `tile` frame each, and a fresh snapshot
        when a batch before it was lost (lessons/board_feed.py)."""
        batch = event.get("tiles")
        for data in batch if isinstance(batch, list) else ():
            await self.send_frame("tile", tile=data)
        if self.gaps.missed(event) and self.workshop is not None:
            await self.send_frame("snapshot",
                                  tiles=await database_sync_to_async(tiles)(self.workshop))

    async def send_frame(self, type_: str, **payload: Any) -> None:
        await self.send(text_data=json.dumps({"version": PROTOCOL_VERSION, "type": type_,
                                              **payload}))

