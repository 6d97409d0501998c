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

Work that can start without awaiting (a request written to an idle worker process's pipe,
`workers.Pool.begin`) is started by the scheduler itself, inside the callback that frees the
slot (`start`): the worker that has just answered is sent the next client's request in the same
turn of the event loop. Handing the turn to the waiting coroutine instead took several more
turns (the waiter's future, its task, the task that calls the pool), each long when hundreds of
sockets are playing, and the worker waited idle meanwhile.
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

# Starts a piece of work at once, without awaiting, and returns the future of its outcome; it is
# handed `finished`, which the work calls (once, synchronously) as it ends in whatever way, to
# free its slot. `finished` is never to be called from inside the starter itself.
Starter = Callable[[Callable[[], None]], "asyncio.Future[Any]"]


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


async def outcome(future: asyncio.Future[T], gone: asyncio.Event | None) -> T:
    """`future`'s result; Gone if `gone` is set first. Either way, a future left behind (gone,
    or its waiter cancelled) is cancelled: for started work, the order to stop."""
    try:
        await _first(future, gone)
    except BaseException:
        future.cancel()
        raise
    if not future.done():
        future.cancel()
        raise Gone
    return future.result()


class FairScheduler:
    """At most `slots` pieces of work at once, shared between clients in turn."""

    def __init__(self, slots: int = SLOTS) -> None:
        self.slots = slots
        # A client's most at once: all but one slot, so that a newcomer never waits for a heavy
        # evaluation of someone else's to end (with one worker process, that one slot).
        self.per_client = max(1, slots - 1)
        self.in_flight: Counter[str] = Counter()
        # Clients waiting for a slot, in turn order (a served client moves to the back), each
        # waiter a future set when its turn comes, with its starter (`start`) or None (`run`).
        self.waiting: dict[str, deque[tuple[asyncio.Future[Any], Starter | None]]] = {}

    def busy(self) -> int:
        return sum(self.in_flight.values())

    def _grant(self) -> None:
        while self.busy() < self.slots and self.waiting:
            client = min(self.waiting, key=lambda c: self.in_flight[c])
            if self.in_flight[client] >= self.per_client:
                return  # every waiting client holds its share: the slot stays free
            queue = self.waiting.pop(client)
            turn, starter = queue.popleft()
            if queue:
                self.waiting[client] = queue
            if turn.done():  # its waiter was cancelled
                continue
            self.in_flight[client] += 1
            if starter is None:
                turn.set_result(None)
                continue
            try:
                turn.set_result(self._begin(client, starter))
            except Exception as err:  # the work could not start: its slot is free again
                turn.set_exception(err)

    def _release(self, client: str) -> None:
        self.in_flight[client] -= 1
        if self.in_flight[client] <= 0:
            del self.in_flight[client]
        self._grant()

    def _begin(self, client: str, starter: Starter) -> asyncio.Future[Any]:
        """Start work in the slot just taken for `client`; the slot is freed when the work says
        it has finished (once, however often it says so), or at once if it cannot start."""
        done = False

        def finished() -> None:
            nonlocal done
            if not done:
                done = True
                self._release(client)

        try:
            return starter(finished)
        except BaseException:
            finished()
            raise

    def _leave(self, client: str, turn: asyncio.Future[Any]) -> None:
        """Take a waiter out of the queue; if it was granted meanwhile, give its slot back (a
        started piece of work is cancelled: it frees its slot as it ends)."""
        if turn.done() and not turn.cancelled():
            if turn.exception() is not None:
                return  # granted, failed to start: its slot is free already
            outcome = turn.result()
            if outcome is None:
                self._release(client)
            else:
                outcome.cancel()
            return
        turn.cancel()
        queue = self.waiting.get(client)
        if queue is None:
            return
        for entry in queue:
            if entry[0] is turn:
                queue.remove(entry)
                break
        if not queue:
            del self.waiting[client]

    async def _wait_turn(self, client: str, gone: asyncio.Event | None,
                         starter: Starter | None = None) -> Any:
        """Return holding a slot for `client` (with a `starter`: its work started in it, and
        the work's future); raise Gone (holding none) if `gone` is set first."""
        if gone is not None and gone.is_set():
            raise Gone
        if (not self.waiting and self.busy() < self.slots
                and self.in_flight[client] < self.per_client):
            self.in_flight[client] += 1
            return None if starter is None else self._begin(client, starter)
        turn: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(client, deque()).append((turn, starter))
        self._grant()  # a slot left free by the others' share may be this client's at once
        try:
            await _first(turn, gone)
        except BaseException:
            self._leave(client, turn)
            raise
        if gone is not None and gone.is_set():
            self._leave(client, turn)
            raise Gone
        return turn.result()

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

    async def start(self, client: str, starter: Starter,
                    gone: asyncio.Event | None = None) -> Any:
        """The outcome of work that `starter` begins once it is `client`'s turn, inside the
        callback that gave the turn (see the module's docstring, and `Starter`).

        Raises Gone if `gone` is set before the turn (the work never starts) or while the work
        runs: then the work's future is cancelled, which the work takes as its order to stop
        (a worker process is killed) and to free its slot."""
        return await outcome(await self._wait_turn(client, gone, starter), gone)


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
