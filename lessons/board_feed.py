"""Board updates through the channel layer in batches, and how a board notices one it lost.

A run used to make one `group_send` per board row. A board socket has one channel, and a
channel holds at most `capacity` messages (sandbox/settings.py, CHANNEL_LAYERS); past that the
layer drops a group message without a word. 500 learners finishing within 5 s, on two server
processes, sent the board's channel more than the board drained, and it lost most of them.

Here each server process sends a row at once if it sent nothing to the group in the last 50 ms,
and otherwise collects the rows (or workshop tiles) until 50 ms have passed and sends them in one
message per group: at most 20 messages a second per process into a board's channel, whatever the
room does. Within a window a later row for the same learner and challenge replaces
the earlier one.

Every message carries the process's `sender` id (random, per process), a `seq` that counts that
sender's messages to the group, and `previous`, the wall-clock time its message before this one
was sent. A board (`Gaps`) that sees a sender's `seq` jump, or a first message from a sender
whose previous message was sent after the board joined, has lost one, and sends a fresh snapshot
(docs/protocol.md, "The board socket"). A message that the layer could not take at all counts
as lost too, so a board recovers from a Redis hiccup the same way.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import threading
import time
import weakref
from typing import Any

from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

WINDOW_SECONDS = 0.05  # how long a process collects rows before one group_send carries them
MAX_BATCH = 100  # items per message: a message and the frames it makes stay small
CLOCK_MARGIN_SECONDS = 1.0  # server processes' clocks may differ by this much

SENDER = secrets.token_hex(6)  # this process
_counters: dict[str, itertools.count[int]] = {}
_previous: dict[str, float] = {}
_lock = threading.Lock()


def _stamp(group: str) -> dict[str, Any]:
    """The next `sender`/`seq`/`previous` of this process's messages to `group`."""
    with _lock:
        counter = _counters.setdefault(group, itertools.count(1))
        now = time.time()
        stamp = {"sender": SENDER, "seq": next(counter), "previous": _previous.get(group)}
        _previous[group] = now
    return stamp


async def send_now(group: str, type_: str, field: str, items: list[Any]) -> None:
    """One message to `group` carrying `items` under `field`; a channel layer that is down
    must not break a run (the lost message shows as a gap to the boards)."""
    event = {"type": type_, field: items, **_stamp(group)}
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group, event)
    except Exception:
        log.warning("could not send a board update to the channel layer", exc_info=True)


class _Feed:
    """The rows waiting for this event loop's next window, by (group, type, field)."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.flusher: asyncio.Task[None] | None = None
        self.flushed = 0.0  # loop time of the last send

    def add(self, target: tuple[str, str, str], key: str, item: Any) -> None:
        batch = self.pending.setdefault(target, {})
        batch.pop(key, None)  # the newest goes last
        batch[key] = item
        if self.flusher is None or self.flusher.done():
            loop = asyncio.get_running_loop()
            # At once after a quiet spell; else when a window has passed since the last send.
            delay = max(0.0, self.flushed + WINDOW_SECONDS - loop.time())
            self.flusher = loop.create_task(self.flush_later(delay))

    async def flush_later(self, delay: float) -> None:
        """Send what is pending after `delay`, then again each window while more came in
        during the sends (this task is still running then, so `add` started no other)."""
        loop = asyncio.get_running_loop()
        while self.pending:
            if delay > 0:
                await asyncio.sleep(delay)
            self.flushed = loop.time()
            pending, self.pending = self.pending, {}
            for (group, type_, field), batch in pending.items():
                items = list(batch.values())
                for start in range(0, len(items), MAX_BATCH):
                    await send_now(group, type_, field, items[start:start + MAX_BATCH])
            delay = self.flushed + WINDOW_SECONDS - loop.time()


_feeds: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Feed] = (
    weakref.WeakKeyDictionary())


def publish(group: str, type_: str, field: str, key: str, item: Any) -> None:
    """Queue `item` for `group`'s next message (within WINDOW_SECONDS); `key` names what it
    is about, so a newer item about the same thing replaces one still waiting."""
    loop = asyncio.get_running_loop()
    feed = _feeds.get(loop)
    if feed is None:
        feed = _feeds[loop] = _Feed()
    feed.add((group, type_, field), key, item)


class Gaps:
    """What one board socket has heard from each sender; `missed` tells a lost message."""

    def __init__(self) -> None:
        self.joined = time.time()
        self.last: dict[str, int] = {}

    def missed(self, event: dict[str, Any]) -> bool:
        sender, seq, previous = event.get("sender"), event.get("seq"), event.get("previous")
        if not isinstance(sender, str) or not isinstance(seq, int) or isinstance(seq, bool):
            return False
        last = self.last.get(sender)
        if last is not None:
            if seq <= last:  # a late one (sent outside a window): nothing new is missing
                return False
            self.last[sender] = seq
            return seq != last + 1
        self.last[sender] = seq
        # A sender first heard of: was its message before this one sent after we joined?
        return (seq > 1 and isinstance(previous, (int, float))
                and previous >= self.joined - CLOCK_MARGIN_SECONDS)


def forget() -> None:
    """Start this process's sequences afresh, as a new server process would (for tests)."""
    with _lock:
        _counters.clear()
        _previous.clear()
