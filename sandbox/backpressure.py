"""How far behind a browser is in reading what we sent it, so that playback can wait for it.

Daphne's `websocket.send` returns as soon as the frame is handed to Twisted, which buffers
whatever the client does not read, without limit and without telling the application. So the
client says what it has read: every step frame carries a random `ack` token, and the client
sends `{"type": "ack", "ack": <token>}` back (docs/protocol.md). TCP delivers in order, so
the client can only echo a token once every byte sent before it has left our buffers, and a
token cannot be guessed. Playback sends a step or result frame only while the bytes sent after
the last acknowledged frame are under `WINDOW_BYTES`.

A client that has never sent an ack (the page before acks) is assumed to read
`LEGACY_READ_BYTES_PER_SECOND`, up to `LEGACY_WINDOW_BYTES` behind: generous enough for any
single run of today's page, yet a socket that never reads holds a few MiB, not all it asked for.
"""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict

WINDOW_BYTES = 512 * 1024
LEGACY_WINDOW_BYTES = 2 * 1024 * 1024
LEGACY_READ_BYTES_PER_SECOND = 128 * 1024
KEPT_TOKENS = 512  # an ack naming an older frame than these is ignored


_POOL = bytearray()


def _random_hex(size: int) -> str:
    """`secrets.token_hex(size)`, drawn from the operating system's random bytes read a few KB
    at a time: one `os.urandom` call per step frame was a measurable share of a run's server
    time (bench/server.py). Each byte is used once, so tokens stay as unguessable."""
    global _POOL
    if len(_POOL) < size:
        _POOL = bytearray(os.urandom(4096))
    chunk = _POOL[-size:]
    del _POOL[-size:]
    return chunk.hex()


class SendWindow:
    """The bytes sent to one socket that its client has not yet acknowledged reading."""

    def __init__(self) -> None:
        self.sent_bytes = 0
        self.acked_bytes = 0  # `sent_bytes` when the last acknowledged frame had gone out
        self.acking = False  # the client has sent an ack: from now on only acks open the window
        self.tokens: OrderedDict[str, int] = OrderedDict()
        self.legacy_level = 0.0  # the estimated unread bytes of a client that does not ack
        self.legacy_updated: float | None = None
        self.changed = asyncio.Event()

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _drain_legacy(self) -> None:
        now = self._now()
        if self.legacy_updated is not None:
            read = (now - self.legacy_updated) * LEGACY_READ_BYTES_PER_SECOND
            self.legacy_level = max(0.0, self.legacy_level - read)
        self.legacy_updated = now

    def token(self) -> str:
        """A fresh token for the next frame; `sent` records it once the frame is out."""
        return _random_hex(6)

    def sent(self, size: int, token: str | None = None) -> None:
        """Record a frame of `size` bytes that went out (with the `ack` token it carried)."""
        self._drain_legacy()
        self.sent_bytes += size
        self.legacy_level += size
        if token is not None:
            self.tokens[token] = self.sent_bytes
            while len(self.tokens) > KEPT_TOKENS:
                self.tokens.popitem(last=False)

    def ack(self, token: str) -> bool:
        """The client read the frame carrying `token`; False for a token we no longer hold."""
        position = self.tokens.get(token)
        if position is None:
            return False
        self.acking = True
        self.acked_bytes = max(self.acked_bytes, position)
        while self.tokens and next(iter(self.tokens.values())) <= position:
            self.tokens.popitem(last=False)
        self.changed.set()
        return True

    def unread(self) -> int:
        """The bytes we count as not read yet."""
        if self.acking:
            return self.sent_bytes - self.acked_bytes
        self._drain_legacy()
        return int(self.legacy_level)

    def is_open(self) -> bool:
        return self.unread() < (WINDOW_BYTES if self.acking else LEGACY_WINDOW_BYTES)

    async def wait_open(self) -> None:
        """Return once the client is less than a window behind."""
        while not self.is_open():
            self.changed.clear()
            if self.acking:
                await self.changed.wait()
                continue
            behind = self.unread() - LEGACY_WINDOW_BYTES + 1
            try:  # until the assumed reading catches up, or the first ack
                await asyncio.wait_for(self.changed.wait(),
                                       timeout=behind / LEGACY_READ_BYTES_PER_SECOND)
            except TimeoutError:
                pass
