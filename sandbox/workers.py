"""Engine work in worker processes, so that it never holds the event loop's GIL.

An evaluation is pure Python: in the server's own process a 500-pod run held the GIL for 0.3 s
and every other learner's frames waited behind it. Here each piece of work (a module-level
function of `sandbox`, and its arguments, pickled) goes to an idle worker process over a pipe;
the event loop watches the pipe with `add_reader` and unpickles the answer, which is made of
texts (`sandbox.prepare`) and so costs little. Which socket's work runs next is decided before
this, by `sandbox.fairness` (one slot per worker process).

Workers are forked from a forkserver that has imported the engine once
(`sandbox.worker_preload`), so a new one starts in milliseconds, and the server's own threads
and sockets never reach it. A worker whose socket went away, or that runs past
`HARD_LIMIT_SECONDS`, is killed, not waited for, and the next call starts a fresh one. A worker
that dies (killed by the kernel for memory, say) is reported as `WorkerDied`.

LUNCHBOX_EVAL_PROCESSES sets how many run at once (0: run the work in a thread of the server's
process instead, as before).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import multiprocessing
import os
import pickle
import resource
import signal
import threading
import traceback
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

log = logging.getLogger(__name__)

HARD_LIMIT_SECONDS = 10.0  # no evaluation of a capped paste comes near; a runaway is killed
# A worker's address space: the engine's caps keep a 500-pod run under 70 MB, so this only stops
# a paste that finds a way around them before it takes the machine's memory.
MEMORY_LIMIT_BYTES = 1 << 30
TOO_MUCH_MEMORY = ("the simulation of this paste needed more memory than the server allows "
                   "and was stopped; paste fewer pods, containers or layers")
PRELOAD = ["sandbox.worker_preload"]


class WorkerError(Exception):
    """The work did not come back."""


class WorkerDied(WorkerError):
    """The worker process ended while working (killed for memory, say)."""


class TooLong(WorkerError):
    """The work ran past its limit (HARD_LIMIT_SECONDS) and its worker was killed."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"the work ran past {limit:g} s")
        self.limit = limit


class Refused(Exception):
    """The work refused its input: a `BadMessage`'s code, text and problems, raised again as a
    BadMessage on the server's side (exceptions with their own `__init__` do not pickle whole)."""

    def __init__(self, code: str, text: str, problems: list[dict[str, Any]] | None) -> None:
        super().__init__(text)
        self.code, self.text, self.problems = code, text, problems


class Shipped:
    """An argument sent to the workers as its pickle, made once per object, and unpickled once
    per worker (kept by its digest): a scenario is the same object for every run in it, 47 KB
    pickled, and pickling it for each run was a twentieth of the event loop's time per run.
    A worker known to hold it already is sent the digest alone (`Worker.holds`)."""

    _made: dict[int, tuple[weakref.ref[Any], bytes, bytes]] = {}
    _lock = threading.RLock()  # a weakref callback may run while it is held

    def __init__(self, value: Any) -> None:
        with self._lock:
            key = id(value)
            made = self._made.get(key)
            if made is None or made[0]() is not value:
                blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                made = (weakref.ref(value, self._forgetter(key)),
                        hashlib.blake2b(blob, digest_size=16).digest(), blob)
                self._made[key] = made
        _, self.digest, self.blob = made

    @classmethod
    def _forgetter(cls, key: int) -> Callable[[Any], None]:
        def forget(_: Any) -> None:
            with cls._lock:
                cls._made.pop(key, None)
        return forget

    def __reduce__(self) -> tuple[Any, tuple[bytes, bytes]]:
        return _unship, (self.digest, self.blob)


_KEPT: OrderedDict[bytes, Any] = OrderedDict()  # in a worker: shipped values by digest
KEPT_SHIPPED = 32


def _keep(kept: OrderedDict[bytes, Any], digest: bytes, value: Any) -> None:
    """Put `digest` last in `kept` (most recently used), and forget the oldest past
    KEPT_SHIPPED: the workers' store and the pool's picture of it (`Worker.holds`) both use
    this, so the picture stays true."""
    kept[digest] = value
    kept.move_to_end(digest)
    while len(kept) > KEPT_SHIPPED:
        kept.popitem(last=False)


def _unship(digest: bytes, blob: bytes) -> Any:
    """In a worker: the value a `Shipped` carries, unpickled the first time its digest is seen."""
    value = _KEPT.get(digest)
    if value is None:
        value = pickle.loads(blob)
    _keep(_KEPT, digest, value)
    return value


class Forgotten(Exception):
    """In a worker: a digest sent alone that this worker does not hold (the pool's picture of
    it was wrong); the pool sends the work again with every blob."""


def _unship_kept(digest: bytes) -> Any:
    """In a worker: the value of a digest sent alone, which this worker holds already."""
    if digest not in _KEPT:
        raise Forgotten(digest.hex())
    value = _KEPT[digest]
    _keep(_KEPT, digest, value)
    return value


class _Request(ForkingPickler):
    """Pickles one piece of work for one worker: a `Shipped` that worker holds goes as its
    digest alone, and `shipped` lists the digests the request carries."""

    def __init__(self, file: Any, holds: OrderedDict[bytes, None] | None) -> None:
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.holds = holds
        self.shipped: list[bytes] = []

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, Shipped):
            return NotImplemented
        self.shipped.append(obj.digest)
        if self.holds is not None and obj.digest in self.holds:
            return _unship_kept, (obj.digest,)
        return _unship, (obj.digest, obj.blob)


def _request(work: tuple[Any, ...], holds: OrderedDict[bytes, None] | None
             ) -> tuple[bytes, list[bytes]]:
    buffer = io.BytesIO()
    pickler = _Request(buffer, holds)
    pickler.dump(work)
    return buffer.getvalue(), pickler.shipped


def default_processes() -> int:
    """One worker per core this process may use, less one for the event loop, from two to four:
    with two, one client's heavy runs hold one and a newcomer gets the other at once
    (`fairness`). A container's CPU quota is not read: set LUNCHBOX_EVAL_PROCESSES there."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(2, min(4, cores - 1))


def _serve(conn: Connection) -> None:
    """A worker's loop: read (function, arguments); answer ("ok", value), a refusal, a failure."""
    from sandbox.engine import ManifestError
    from sandbox.protocol import BadMessage, refused

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when its workers end
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ValueError, OSError):  # a lower hard limit is already set: keep it
        pass
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):  # the server is gone
            return
        except Forgotten:
            conn.send(("forgotten",))
            continue
        try:
            reply: tuple[Any, ...] = ("ok", function(*args))
        except ManifestError as err:
            bad = refused(err)
            reply = ("refused", bad.code, str(bad), bad.problems)
        except BadMessage as err:
            reply = ("refused", err.code, str(err), err.problems)
        except MemoryError:
            reply = ("refused", "too_large", TOO_MUCH_MEMORY, None)
        except Exception:
            reply = ("failed", traceback.format_exc())
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


class Worker:
    """One worker process and our end of its pipe."""

    def __init__(self, context: Any) -> None:
        ours, theirs = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(theirs,), daemon=True,
                                       name="lunchbox-worker")
        self.process.start()
        theirs.close()
        self.conn: Connection = ours
        # The digests of the `Shipped` values the worker holds, kept as its `_KEPT` is.
        self.holds: OrderedDict[bytes, None] = OrderedDict()

    def sent(self, shipped: list[bytes]) -> None:
        """The worker unpickled a request carrying `shipped` (so it holds each, newest last)."""
        for digest in shipped:
            _keep(self.holds, digest, None)

    def kill(self) -> None:
        try:
            self.process.kill()
        except (OSError, ValueError):
            pass
        self.conn.close()
        # Reap it in a thread so that no zombie is left and the loop is not held.
        threading.Thread(target=self.process.join, daemon=True).start()


class Pool:
    """Idle worker processes, shared by every event loop of this process."""

    def __init__(self) -> None:
        self.idle: list[Worker] = []
        self.lock = threading.Lock()
        self.context: Any = None
        self.answered: Counter[str] = Counter()  # function names, for tests and benchmarks

    def _context(self) -> Any:
        with self.lock:
            if self.context is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
                self.context = context
            return self.context

    def _take(self) -> Worker | None:
        with self.lock:
            while self.idle:
                worker = self.idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.kill()
        return None

    def _give_back(self, worker: Worker) -> None:
        with self.lock:
            self.idle.append(worker)

    async def _start(self) -> Worker:
        """A new worker, started in a thread; one whose caller was cancelled meanwhile is kept
        as idle, not left running for nobody."""
        starting = asyncio.ensure_future(asyncio.to_thread(Worker, self._context()))
        try:
            return await asyncio.shield(starting)
        except BaseException:
            starting.add_done_callback(self._keep_started)
            raise

    def _keep_started(self, starting: asyncio.Future[Worker]) -> None:
        if not starting.cancelled() and starting.exception() is None:
            self._give_back(starting.result())

    def warm(self, count: int) -> threading.Thread:
        """Start `count` workers in a thread, now (the first one starts the forkserver, which
        imports the engine: about a second), so that the first learner's run need not wait."""
        def start() -> None:
            for _ in range(count):
                try:
                    self._give_back(Worker(self._context()))
                except OSError:
                    log.exception("could not start an evaluation worker process")
                    return

        thread = threading.Thread(target=start, name="lunchbox-workers", daemon=True)
        thread.start()
        return thread

    async def call(self, function: Callable[..., Any], *args: Any,
                   gone: asyncio.Event | None = None,
                   limit: float | None = None) -> Any:
        """`function(*args)` in a worker process. Raises Refused for refused input, TooLong,
        WorkerDied, WorkerError for a bug in the work (its traceback logged here), and
        `fairness.Gone` when `gone` is set first (the worker is killed)."""
        limit = HARD_LIMIT_SECONDS if limit is None else limit
        worker = self._take()
        if worker is None:
            worker = await self._start()
        holds: OrderedDict[bytes, None] | None = worker.holds
        while True:
            try:
                request, shipped = _request((function, args), holds)
            except Exception as err:  # nothing was sent: a bug of the caller's
                self._give_back(worker)
                raise WorkerError(f"the work could not be sent to a worker ({err!r})") from None
            reply = await self._exchange(worker, request, gone, limit)
            if reply[0] != "forgotten":
                worker.sent(shipped)
                break
            worker.holds.clear()  # its picture was wrong: send every blob, once
            holds = None
        self._give_back(worker)
        self.answered[getattr(function, "__name__", "?")] += 1
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "refused":
            raise Refused(reply[1], reply[2], reply[3])
        log.error("work in a worker process failed:\n%s", reply[1])
        raise WorkerError("the work failed in its worker process")

    async def _exchange(self, worker: Worker, request: bytes, gone: asyncio.Event | None,
                        limit: float) -> Any:
        """Send `request` to `worker` and wait for its reply (see `call` for what it raises; the
        worker is killed on every failure)."""
        from sandbox.fairness import Gone

        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        fd = worker.conn.fileno()

        def readable() -> None:
            loop.remove_reader(fd)
            if answer.done():
                return
            try:
                answer.set_result(worker.conn.recv())
            except Exception as err:  # ended mid-answer, or an answer that does not unpickle
                answer.set_exception(WorkerDied(f"the worker process ended ({err!r})"))

        try:
            worker.conn.send_bytes(request)
        except (OSError, ValueError):
            worker.kill()
            raise WorkerDied("the worker process could not be reached") from None
        loop.add_reader(fd, readable)
        watcher = asyncio.ensure_future(gone.wait()) if gone is not None else None
        try:
            done, _ = await asyncio.wait({answer, *([watcher] if watcher else [])},
                                         timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # cancelled: the work is nobody's now
            loop.remove_reader(fd)
            worker.kill()
            raise
        finally:
            if watcher is not None:
                watcher.cancel()
        if answer not in done:
            loop.remove_reader(fd)
            worker.kill()
            if watcher is not None and watcher in done:
                raise Gone
            raise TooLong(limit)
        try:
            return answer.result()
        except WorkerDied:
            worker.kill()
            raise

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.kill()


POOL = Pool()
