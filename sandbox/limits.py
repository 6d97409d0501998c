"""How often one socket, and one client address, may ask for work: token buckets.

A bucket holds up to `burst` tokens and gains one every `seconds_per_token`; a message that
costs work takes one or is refused (`busy`, docs/protocol.md). Nothing here knows about sockets
or messages: `consumers` decides what costs a token and gives it back when a run is refused
before it is evaluated. Time is the event loop's clock, passed in, so tests need not sleep.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field

# One run costs a token; a socket holds RUN_BURST and gains one per RUN_SECONDS (2 runs/s).
RUN_BURST, RUN_SECONDS = 4, 0.5
# Console commands and live lints are cheaper and come in bursts while a learner types.
CONSOLE_BURST, CONSOLE_SECONDS = 30, 0.1  # a pasted script of commands, then 10/s
LINT_BURST, LINT_SECONDS = 5, 0.2
# Addresses whose bucket is full (idle) are forgotten once this many are held.
MAX_ADDRESSES = 1024


@dataclass
class TokenBucket:
    """Up to `burst` tokens, one more every `seconds_per_token`."""

    burst: int
    seconds_per_token: float
    tokens: float = field(init=False)
    updated: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def _refill(self, now: float) -> None:
        if self.updated is not None:
            gained = (now - self.updated) / self.seconds_per_token
            self.tokens = min(float(self.burst), self.tokens + max(gained, 0.0))
        self.updated = now

    def take(self, now: float) -> bool:
        """Take a token if there is one; False (and nothing taken) when the bucket is empty."""
        self._refill(now)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def give_back(self, now: float) -> None:
        """Return a token taken for work that was refused before it was done."""
        self._refill(now)
        self.tokens = min(float(self.burst), self.tokens + 1.0)

    def is_full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.burst


class AddressBuckets:
    """One run bucket per client address, shared by every socket from it in this process."""

    def __init__(self, burst: int, seconds_per_token: float) -> None:
        self.burst = burst
        self.seconds_per_token = seconds_per_token
        self.buckets: dict[str, TokenBucket] = {}

    def __getitem__(self, address: str) -> TokenBucket:
        bucket = self.buckets.get(address)
        if bucket is None:
            if len(self.buckets) >= MAX_ADDRESSES:
                self.forget_idle(asyncio.get_running_loop().time())
            bucket = self.buckets[address] = TokenBucket(self.burst, self.seconds_per_token)
        return bucket

    def forget_idle(self, now: float) -> None:
        """Drop the buckets that are full again: they hold nothing a new one would not."""
        for address in [a for a, b in self.buckets.items() if b.is_full(now)]:
            del self.buckets[address]


_ADDRESS_BUCKETS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AddressBuckets] = (
    weakref.WeakKeyDictionary())


def address_buckets(runs_per_minute: int) -> AddressBuckets | None:
    """This process's per-address run buckets; None when `runs_per_minute` is 0 (no limit).

    The burst is 5 seconds' worth (at least 2). One registry per event loop, as the times it
    holds are that loop's."""
    if runs_per_minute <= 0:
        return None
    loop = asyncio.get_running_loop()
    buckets = _ADDRESS_BUCKETS.get(loop)
    if buckets is None:
        buckets = _ADDRESS_BUCKETS[loop] = AddressBuckets(
            max(2, runs_per_minute // 12), 60.0 / runs_per_minute)
    return buckets
