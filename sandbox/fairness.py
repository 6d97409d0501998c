"""Sharing the few evaluation slots of a process fairly between clients, and dropping the work
of sockets that went away.

Evaluations run in worker processes (`sandbox.workers`), one slot per process, or, with
LUNCHBOX_EVAL_PROCESSES=0, in worker threads that share the GIL with the event loop serving every
socket, so a process runs only a couple at once (`SLOTS`). Whoever waits for a slot is served by
client (the address a socket comes from), not first come first served: a free slot goes to the
waiting client with the fewest evaluations in flight, and among equals to the one served least
recently; and no client holds every slot (with two or more, one is always left for whoever comes
next). So one client that floods the queue gets at most all slots but one, and a client that
sends a single run starts at once, or after one piece of work of another client. A waiter whose
socket is gone (its `gone` event set) leaves the queue without running; work whose socket goes
away while it runs is abandoned: the caller stops waiting and the result is dropped; a worker
process is killed at once (its slot is free again), a thread (which cannot be killed) keeps its
slot until it ends.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

T = TypeVar("T")
SLOTS = 2


class Gone(Exception):
    """The socket that asked for the work went away before the work was done."""


def _forget_outcome(task: asyncio.Future[Any]) -> None:
    """Fetch an abandoned task's outcome so that asyncio does not log it as never retrieved."""
    if not task.cancelled():
        task.exception()


async def _first(future: asyncio.Future[Any], gone: asyncio.Event | None) -> None:
    """Wait until `future` is done or `gone` is set, whichever comes first; cancels neither."""
    if gone is None:
        await asyncio.wait({future})
        return
    if gone.is_set():
        return
    watcher = asyncio.ensure_future(gone.wait())
    try:
        await asyncio.wait({future, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()


class FairScheduler:
    """At most `slots` pieces of work at once, shared between clients in turn."""

    def __init__(self, slots: int = SLOTS) -> None:
        self.slots = slots
        # A client's most at once: all but one slot, so that a newcomer never waits for a heavy
        # evaluation of someone else's to end (with one worker process, that one slot).
        self.per_client = max(1, slots - 1)
        self.in_flight: Counter[str] = Counter()
        # Clients waiting for a slot, in turn order (a served client moves to the back).
        self.waiting: dict[str, deque[asyncio.Future[None]]] = {}

    def busy(self) -> int:
        return sum(self.in_flight.values())

    def _grant(self) -> None:
        while self.busy() < self.slots and self.waiting:
            client = min(self.waiting, key=lambda c: self.in_flight[c])
            if self.in_flight[client] >= self.per_client:
                return  # every waiting client holds its share: the slot stays free
            queue = self.waiting.pop(client)
            turn = queue.popleft()
            if queue:
                self.waiting[client] = queue
            if turn.done():  # its waiter was cancelled
                continue
            self.in_flight[client] += 1
            turn.set_result(None)

    def _release(self, client: str) -> None:
        self.in_flight[client] -= 1
        if self.in_flight[client] <= 0:
            del self.in_flight[client]
        self._grant()

    def _leave(self, client: str, turn: asyncio.Future[None]) -> None:
        """Take a waiter out of the queue; if it was granted meanwhile, give its slot back."""
        if turn.done() and not turn.cancelled():
            self._release(client)
            return
        turn.cancel()
        queue = self.waiting.get(client)
        if queue is not None and turn in queue:
            queue.remove(turn)
            if not queue:
                del self.waiting[client]

    async def _wait_turn(self, client: str, gone: asyncio.Event | None) -> None:
        """Return holding a slot for `client`; raise Gone (holding none) if `gone` is set first."""
        if gone is not None and gone.is_set():
            raise Gone
        if (not self.waiting and self.busy() < self.slots
                and self.in_flight[client] < self.per_client):
            self.in_flight[client] += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(client, deque()).append(turn)
        self._grant()  # a slot left free by the others' share may be this client's at once
        try:
            await _first(turn, gone)
        except BaseException:
            self._leave(client, turn)
            raise
        if gone is not None and gone.is_set():
            self._leave(client, turn)
            raise Gone

    @asynccontextmanager
    async def turn(self, client: str, gone: asyncio.Event | None = None) -> AsyncIterator[None]:
        """Hold a slot for the body of the `async with`, once it is `client`'s turn."""
        await self._wait_turn(client, gone)
        try:
            yield
        finally:
            self._release(client)

    async def run(self, client: str, work: Callable[[], Awaitable[T]],
                  gone: asyncio.Event | None = None) -> T:
        """`work()`'s result, started once it is `client`'s turn.

        Raises Gone if `gone` is set before the turn (the work never starts) or while the work
        runs: then the work is left to finish on its own (a thread cannot be stopped), keeping
        its slot until it does, and what it returns is dropped."""
        await self._wait_turn(client, gone)
        task = asyncio.ensure_future(work())
        task.add_done_callback(lambda _: self._release(client))
        try:
            await _first(task, gone)
        except BaseException:
            task.add_done_callback(_forget_outcome)
            raise
        if not task.done():
            task.add_done_callback(_forget_outcome)
            raise Gone
        return task.result()


_SCHEDULERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FairScheduler] = (
    weakref.WeakKeyDictionary())


def scheduler(slots: int = SLOTS) -> FairScheduler:
    """This process's scheduler (one per event loop: the futures it holds belong to a loop),
    made with `slots` the first time: one per worker process (`sandbox.workers`)."""
    loop = asyncio.get_running_loop()
    found = _SCHEDULERS.get(loop)
    if found is None:
        found = _SCHEDULERS[loop] = FairScheduler(slots)
    return found
