"""Engine work in worker processes, so that it never holds the event loop's GIL.

An evaluation is pure Python: in the server's own process a 500-pod run held the GIL for 0.3 s
and every other learner's frames waited behind it. Here each piece of work (a module-level
function of `sandbox`, and its arguments, pickled) goes to an idle worker process over a pipe;
the event loop watches the pipe with `add_reader`, reads the answer as it arrives without ever
waiting in a read (`_Reply`), and unpickles it: it is made of texts (`sandbox.prepare`) and so
costs little. Which socket's work runs next is decided by `sandbox.fairness` (one slot per
worker process); `Pool.begin` starts work without awaiting, so the scheduler sends the next
request to the worker that has just answered in the callback that read its reply.

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
import socket
import struct
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
# A reply's frame on the pipe: its length, as multiprocessing's `Connection` writes it for
# anything under 2 GiB (a worker's memory limit keeps replies far below).
LENGTH = struct.Struct("!i")


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
            _send_reply(conn, reply)
        except (EOFError, OSError):
            return


def _send_reply(conn: Connection, reply: tuple[Any, ...]) -> None:
    """In a worker: `reply` pickled and written with its length in one write, in the framing
    of `Connection.send`. `Connection` writes a large message's length and body apart, and an
    event loop woken by the length alone reads on into the gap, sleeping in the read until the
    body comes (on a small virtual machine that sleep and wake-up cost the loop more CPU than
    the rest of the exchange)."""
    blob = ForkingPickler.dumps(reply, pickle.HIGHEST_PROTOCOL)
    if len(blob) > 0x7FFFFFFF:
        conn.send_bytes(blob)  # Connection's own framing for the huge (never, under the limit)
        return
    fd, length = conn.fileno(), LENGTH.pack(len(blob))
    sent = os.writev(fd, [length, blob])  # one write, and no copy of the body
    rest = memoryview(length + blob if sent < len(length) else blob)
    rest = rest[sent if sent < len(length) else sent - len(length):]
    while rest:
        rest = rest[os.write(fd, rest):]


class _Reply:
    """A worker's reply read off its pipe as it arrives, never waiting in a read: the event
    loop calls `read` whenever the pipe is readable, and it returns True once the whole reply
    is in `value`. Raises EOFError when the worker's end closed first."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.length = bytearray()
        self.body: bytearray | None = None
        self.got = 0
        self.value: Any = None

    def read(self) -> bool:
        sock = self.sock
        while True:
            try:
                if self.body is None:
                    chunk = sock.recv(LENGTH.size - len(self.length), socket.MSG_DONTWAIT)
                    if not chunk:
                        raise EOFError("the worker's end of the pipe closed")
                    self.length += chunk
                    if len(self.length) == LENGTH.size:
                        (size,) = LENGTH.unpack(self.length)
                        if size < 0:
                            raise EOFError("a reply larger than a worker may send")
                        self.body = bytearray(size)
                    continue
                if self.got < len(self.body):
                    count = sock.recv_into(memoryview(self.body)[self.got:],
                                           len(self.body) - self.got, socket.MSG_DONTWAIT)
                    if not count:
                        raise EOFError("the worker's end of the pipe closed mid-reply")
                    self.got += count
                    continue
            except (BlockingIOError, InterruptedError):
                return False
            self.value = pickle.loads(self.body)
            return True


class Worker:
    """One worker process and our end of its pipe."""

    def __init__(self, context: Any) -> None:
        ours, theirs = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(theirs,), daemon=True,
                                       name="lunchbox-worker")
        self.process.start()
        theirs.close()
        self.conn: Connection = ours
        # Our end again, as a socket (the pipe is a socket pair), to read replies with
        # MSG_DONTWAIT: the loop never sleeps in a read (`_Reply`).
        self.sock = socket.socket(fileno=os.dup(ours.fileno()))
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
        self.sock.close()
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

    def begin(self, finished: Callable[[], None], function: Callable[..., Any], *args: Any,
              limit: float | None = None) -> asyncio.Future[Any]:
        """Start `function(*args)` in a worker process now, without awaiting (an idle worker is
        sent the request at once; with none idle, one is started first), and return the future
        of its outcome: the value, or Refused for refused input, TooLong, WorkerDied, WorkerError
        for a bug in the work (its traceback logged here). `finished` is called once as the work
        ends, in the callback that read the reply, after the worker is idle again, so a
        scheduler can send it the next request there (`fairness.FairScheduler.start`).
        Cancelling the future abandons the work: its worker is killed."""
        job = _Job(self, finished, (function, args),
                   HARD_LIMIT_SECONDS if limit is None else limit)
        worker = self._take()
        if worker is not None:
            job.send(worker)
        else:
            job.start_worker()
        return job.answer

    async def call(self, function: Callable[..., Any], *args: Any,
                   gone: asyncio.Event | None = None,
                   limit: float | None = None) -> Any:
        """`function(*args)` in a worker process (what `begin` raises), and `fairness.Gone` when
        `gone` is set first (the worker is killed)."""
        from sandbox.fairness import outcome

        return await outcome(self.begin(lambda: None, function, *args, limit=limit), gone)

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.kill()


class _Job:
    """One piece of work in a worker: its request sent, its reply read as it arrives (`_Reply`),
    its time limit, and what ends it (the reply, the limit, the worker's death, the caller
    cancelling `answer`), each of which ends it once: the worker idle or killed, `answer` set,
    `finished` called."""

    def __init__(self, pool: Pool, finished: Callable[[], None], work: tuple[Any, ...],
                 limit: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.pool, self.finished, self.work, self.limit = pool, finished, work, limit
        self.answer: asyncio.Future[Any] = self.loop.create_future()
        self.answer.add_done_callback(self._abandoned)
        self.worker: Worker | None = None
        self.reply: _Reply | None = None
        self.shipped: list[bytes] = []
        self.timer: asyncio.TimerHandle | None = None
        self.ended = False

    def start_worker(self) -> None:
        """No worker is idle: start one (in a thread), then send; one that comes too late for
        a cancelled job is kept as idle."""
        starting = asyncio.ensure_future(asyncio.to_thread(Worker, self.pool._context()))

        def started(done: asyncio.Future[Worker]) -> None:
            if done.cancelled() or done.exception() is not None:
                self._end(WorkerError(f"no worker process could start ({done!r})"))
            elif self.ended:
                self.pool._give_back(done.result())
            else:
                self.send(done.result())

        starting.add_done_callback(started)

    def send(self, worker: Worker, again: bool = False) -> None:
        """Send the request to `worker` (`again`: with every blob, its picture was wrong)."""
        self.worker = worker
        try:
            request, self.shipped = _request(self.work, None if again else worker.holds)
        except Exception as err:  # nothing was sent: a bug of the caller's
            self.worker = None
            self.pool._give_back(worker)
            self._end_soon(WorkerError(f"the work could not be sent to a worker ({err!r})"))
            return
        try:
            worker.conn.send_bytes(request)
        except (OSError, ValueError):
            self.worker = None
            worker.kill()
            self._end_soon(WorkerDied("the worker process could not be reached"))
            return
        self.reply = _Reply(worker.sock)
        self.loop.add_reader(worker.conn.fileno(), self._readable)
        if self.timer is None:
            self.timer = self.loop.call_later(self.limit, self._too_long)

    def _readable(self) -> None:
        worker, reply = self.worker, self.reply
        assert worker is not None and reply is not None
        try:
            if not reply.read():
                return  # the rest is still on its way
        except Exception as err:  # ended mid-answer, or an answer that does not unpickle
            self._kill()
            self._end(WorkerDied(f"the worker process ended ({err!r})"))
            return
        self.loop.remove_reader(worker.conn.fileno())
        answer = reply.value
        if answer[0] == "forgotten":  # its picture was wrong: send every blob, once
            worker.holds.clear()
            self.send(worker, again=True)
            return
        worker.sent(self.shipped)
        self.worker = None
        self.pool._give_back(worker)  # idle before `finished`: the next request may take it
        self.pool.answered[getattr(self.work[0], "__name__", "?")] += 1
        if answer[0] == "ok":
            self._end(None, answer[1])
        elif answer[0] == "refused":
            self._end(Refused(answer[1], answer[2], answer[3]))
        else:
            log.error("work in a worker process failed:\n%s", answer[1])
            self._end(WorkerError("the work failed in its worker process"))

    def _too_long(self) -> None:
        self.timer = None
        self._kill()
        self._end(TooLong(self.limit))

    def _abandoned(self, answer: asyncio.Future[Any]) -> None:
        if answer.cancelled() and not self.ended:
            self._kill()
            self._end(None)

    def _kill(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            self.loop.remove_reader(worker.conn.fileno())
            worker.kill()

    def _end(self, error: BaseException | None, value: Any = None) -> None:
        if self.ended:
            return
        self.ended = True
        if self.timer is not None:
            self.timer.cancel()
        if not self.answer.done():
            if error is None:
                self.answer.set_result(value)
            else:
                self.answer.set_exception(error)
        self.finished()

    def _end_soon(self, error: BaseException) -> None:
        """End with `error` on the loop's next turn: never inside `begin`, whose caller may be
        the scheduler granting this very slot (see `fairness.Starter`)."""
        self.loop.call_soon(self._end, error)


POOL = Pool()
