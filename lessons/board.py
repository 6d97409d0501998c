"""The instructor's board websocket: a snapshot of Progress, then every learner's runs, live.

Every board socket joins the channel-layer group "room", which learners' sandbox sockets send
a summary to after each run (lessons/progress.py), batched per server process every 50 ms
(lessons/board_feed.py). With the Redis layer this works across server processes. A batch
that never arrived (a full channel, a layer that was down) shows as a gap in its sender's
sequence, and the board is sent a fresh snapshot. Only staff may listen: a refused socket is
accepted, told why, then closed, because a websocket rejected during the handshake cannot carry
a reason.
"""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from lessons.board_feed import Gaps
from lessons.progress import ROOM_GROUP, snapshot_rows

PROTOCOL_VERSION = 1
FORBIDDEN = 4403  # close code for a socket that is not staff's (4000-4999: application codes)


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


class BoardConsumer(AsyncWebsocketConsumer):
    """`/ws/board/`: staff only."""

    joined = False
    gaps: Gaps

    async def connect(self) -> None:
        await self.accept()
        if not is_staff(self.scope.get("user")):
            await self.send_frame("error", code="forbidden",
                                  message="the board is for instructors: log in to the admin "
                                          "with a staff account, then reload")
            await self.close(code=FORBIDDEN)
            return
        self.gaps = Gaps()  # before joining: whatever is sent after this is ours to hear
        await self.channel_layer.group_add(ROOM_GROUP, self.channel_name)
        self.joined = True
        await self.send_frame("snapshot", rows=await snapshot_rows())

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(ROOM_GROUP, self.channel_name)
            self.joined = False

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.joined:
            return
        try:
            message = json.loads(text_data) if text_data is not None else None
        except (ValueError, RecursionError):
            message = None
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send_frame("pong")
        else:
            await self.send_frame("error", code="bad_message",
                                  message="the board only answers "
                                          '{"version": 1, "type": "ping"}')

    async def board_rows(self, event: dict[str, Any]) -> None:
        """A batch of learners' runs, from the channel layer: an `update` frame per row, and a
        fresh snapshot when a batch before it was lost."""
        rows = event.get("rows")
        for row in rows if isinstance(rows, list) else ():
            await self.send_frame("update", row=row)
        if self.gaps.missed(event):
            await self.send_frame("snapshot", rows=await snapshot_rows())

    async def send_frame(self, type_: str, **payload: Any) -> None:
        await self.send(text_data=json.dumps({"version": PROTOCOL_VERSION, "type": type_,
                                              **payload}))
