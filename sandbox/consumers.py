"""The sandbox websocket: check a message, have it evaluated, pace its frames to the browser.

The consumer only translates (docs/protocol.md): `protocol` parses messages and builds frames,
`workers` runs the engine in a worker process, where `prepare` builds a run's frames,
`playback` paces them, `lessons.lookups` finds challenges and scenarios, `workshop_board` and
`lessons.progress` record the run; `socket_console` and `socket_predict` handle the console and
predict mode. Bad input of any kind is answered with an `error` frame; the socket stays open.
What a socket may ask for is bounded here: `limits` (how often), `fairness` (whose turn it is for
an evaluation slot, and dropping the work of sockets that went away) and `backpressure` (playback
waits for a browser that has not read what it was sent).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from lessons import lookups, workshop_board
from lessons.board import is_staff
from lessons.lookups import ChallengeRun
from lessons.progress import announce, learner_for_socket
from sandbox import (
    fairness,
    limits,
    predictions,
    prepare,
    protocol,
    run_cache,
    run_settings,
    socket_console,
    socket_predict,
    workers,
)
from sandbox.backpressure import SendWindow
from sandbox.engine import (
    BuildRequest,
    ManifestError,
    Scenario,
)
from sandbox.playback import Playback
from sandbox.prepare import PreparedRun, PreparedStep
from sandbox.protocol import BadMessage
from sandbox.socket_console import NOT_SAVED

log = logging.getLogger(__name__)

# A run that comes within RUN_INTERVAL_SECONDS of the previous run's `accepted` frame, while that
# run still plays, is a double click: refused as `busy` (see `SandboxConsumer.refuse_if_busy`).
RUN_INTERVAL_SECONDS = 0.5
TOO_LONG = ("the simulation of this paste ran past {limit:g} seconds and was stopped; paste "
            "fewer pods, containers or layers")
# Step frames carry an `ack` token every ACK_EVERY frames, and sooner once ACK_BYTES have gone
# out since the last one (the last step and the result frame always carry one): acks are
# cumulative, so the send window still knows how far the browser has read, for a sixteenth of
# the acks to receive (each cost about 50 µs of the server's time).
ACK_EVERY, ACK_BYTES = 16, 64 * 1024


def client_address(scope: dict[str, Any]) -> str | None:
    """The address the socket comes from, as daphne puts it in the scope (behind a proxy, started
    with `--proxy-headers`, the first `X-Forwarded-For` hop); None when it does not say."""
    client = scope.get("client")
    return str(client[0]) if client else None


class SandboxConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/sandbox/`: one learner's sandbox."""

    # A sandbox socket joins no group (the board's updates go out with `get_channel_layer()`):
    # an alias that is not configured gives it no channel and no receive loop on the layer.
    channel_layer_alias = "sandbox-sockets-need-no-layer"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Read the socket in a task of its own, so that a disconnect is seen (`self.gone`) even
        while a message is being handled; messages are still handled one after the other."""
        self.gone = asyncio.Event()
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def read() -> None:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    self.gone.set()
                await inbox.put(message)
                if self.gone.is_set():
                    return

        reader = asyncio.ensure_future(read())
        try:
            await super().__call__(scope, inbox.get, send)
        finally:
            reader.cancel()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its `aclose_old_connections()`, a hop to the one database
        thread for every message (each `ack` of each step frame). Every database call here goes
        through `database_sync_to_async`, which closes old connections around itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.runs = 0
        self.playback: Playback | None = None
        self.task: asyncio.Task[None] | None = None
        self.recording: asyncio.Future[None] | None = None  # the last run's progress write
        # Board rows and workshop tiles of stored runs, told once the learner has seen the run.
        self.news: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        self.learner: str | None = None  # looked up (and stored) on the first accepted run
        self.last_accepted: float | None = None  # loop time of the last `accepted` frame
        self.display_name = ""  # the last one a run gave, kept for this connection
        self.address = client_address(self.scope)
        # Without an address each socket is its own client for fairness, and only the
        # per-socket limits apply.
        self.client = self.address or f"socket-{id(self):x}"
        self.run_tokens = limits.TokenBucket(limits.RUN_BURST, limits.RUN_SECONDS)
        self.console_tokens = limits.TokenBucket(limits.CONSOLE_BURST, limits.CONSOLE_SECONDS)
        self.lint_tokens = limits.TokenBucket(limits.LINT_BURST, limits.LINT_SECONDS)
        self.window = SendWindow()
        # Predict mode: the last run's questions, and its challenge and goals to score them on.
        self.questions: predictions.Questions | None = None
        self.run_goals: tuple[str | None, str | None, list[dict[str, Any]] | None] = (
            None, None, None)
        self.unacked_frames = self.unacked_bytes = 0  # step frames sent since the last ack token
        await self.accept()

    async def disconnect(self, code: int) -> None:
        self.gone.set()
        if self.task is not None:
            self.task.cancel()
        if self.recording is not None and not self.recording.done():  # a stored run is told
            self.recording.add_done_callback(lambda _: self.tell_board())
        self.tell_board()

    def tell_board(self) -> None:
        """Tell the boards about the runs stored and shown since the last time."""
        news, self.news = self.news, []
        for row, tile in news:
            announce(row)
            workshop_board.tell(tile)

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None,
                   close: bool | int = False) -> None:
        """Every frame goes out here, so the send window counts all of them."""
        if text_data is not None:
            self.window.sent(protocol.utf8_size(text_data))
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    @classmethod
    async def decode_json(cls, text_data: str | None) -> dict[str, Any]:
        return protocol.decode(text_data, settings.LUNCHBOX_MAX_MESSAGE_BYTES)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None,
                      **kwargs: Any) -> None:
        """Every message, text or binary, gets an answer: a binary one an `error` frame."""
        if self.gone.is_set():  # the socket is closed: nobody would read the answer
            return
        try:
            await self.receive_json(await self.decode_json(text_data))
        except fairness.Gone:
            return
        except BadMessage as err:
            await self.send_json(protocol.error_frame(err.code, str(err), err.problems))
        except Exception:  # a bug of ours: say so, keep the socket
            log.exception("sandbox message failed")
            await self.send_json(protocol.error_frame(
                "internal", "the simulator hit an internal error; "
                            "this is a bug in Lunchbox, not in your manifest"))

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if content["type"] == "ping":
            await self.send_json(protocol.frame("pong"))
        elif content["type"] == "ack":
            self.window.ack(protocol.ack_token(content.get("ack")))
        elif content["type"] == "control":
            self.control(content)
        elif content["type"] == "console":
            self.spend(self.console_tokens, "too many console commands at once; wait a moment")
            await self.console(content)
        elif content["type"] == "lint":
            self.spend(self.lint_tokens, "too many lint requests at once; wait a moment")
            await self.lint(content)
        elif content["type"] == "predict":
            await self.predict(content)
        else:
            await self.start_run(content)

    def spend(self, bucket: limits.TokenBucket, refusal: str) -> None:
        if not bucket.take(asyncio.get_running_loop().time()):
            raise BadMessage("busy", refusal)

    async def start_run(self, message: dict[str, Any]) -> None:
        manifest = protocol.manifest(message.get("manifest"))
        speed = protocol.speed(message.get("speed"))
        build = protocol.build_request(message.get("build"))
        self.display_name = protocol.display_name(message.get("display_name")) or self.display_name
        self.refuse_if_busy()
        address = limits.address_buckets(settings.LUNCHBOX_ADDRESS_RUNS_PER_MINUTE)
        shared = address[self.address] if address is not None and self.address else None
        now = asyncio.get_running_loop().time()
        if not self.run_tokens.take(now):
            raise BadMessage("busy", "wait for the current run, or slow down")
        if shared is not None and not shared.take(now):
            self.run_tokens.give_back(now)
            raise BadMessage("busy", "too many runs from this address at once; wait a moment")
        accepted = self.runs
        try:
            await self.take_run(manifest, speed, build, message)
        finally:
            if self.runs == accepted:  # refused (or gone) before it was accepted: free
                now = asyncio.get_running_loop().time()
                self.run_tokens.give_back(now)
                if shared is not None:
                    shared.give_back(now)

    def refuse_if_busy(self) -> None:
        """A run within RUN_INTERVAL_SECONDS of the previous run's `accepted` frame, while that
        run still plays, is refused (a double click). Beyond that, an accepted run costs a token
        of this socket's bucket and of its address's (`limits`): no control message refills
        them. Messages of one socket are handled one after the other, so runs sent during an
        evaluation wait for it, then meet these checks."""
        playing = self.task is not None and not self.task.done()
        if (playing and self.last_accepted is not None
                and asyncio.get_running_loop().time() - self.last_accepted
                < RUN_INTERVAL_SECONDS):
            raise BadMessage("busy", "wait for the current run, or slow down")

    async def take_run(self, manifest: str, speed: float, build: BuildRequest | None,
                       message: dict[str, Any]) -> None:
        challenge: ChallengeRun | None = None
        key = protocol.challenge_key(message.get("challenge"))
        if key is not None:
            challenge = await database_sync_to_async(lookups.challenge_for_run)(
                key, self.scope.get("user"))
            if challenge is None:
                raise BadMessage("unknown_challenge", f"there is no challenge {key!r}")
        slug = protocol.scenario_slug(message.get("scenario"))
        if challenge is not None:
            slug = slug or challenge.scenario  # a challenge runs in its own scenario by default
        scenario = await run_settings.scenario_for(slug)
        scenario = await run_settings.apply(slug, scenario, message.get("settings"))
        goals = None if challenge is None else challenge.goals
        predict = predictions.wanted(message.get("predict"))
        prepared = await self.prepared_run(manifest, scenario, build, goals, predict)
        if self.gone.is_set():  # evaluated as the socket went: nobody sees it, nothing is recorded
            raise fairness.Gone
        if self.task is not None:
            self.task.cancel()
        self.runs += 1
        self.playback = Playback(self.runs, prepared, speed)
        self.questions = prepared.questions
        if self.questions is not None:
            self.playback.questions, self.playback.ask = self.questions, self.send_json
        self.run_goals = (key if challenge is not None else None, goals, prepared.goals)
        self.last_accepted = asyncio.get_running_loop().time()
        await self.send(text_data=prepared.accepted)
        # The progress write commits while the steps play (waiting for it before the first
        # step made every frame late under load); the result frame, the one that shows a passed
        # challenge, waits for the commit, so it is never ahead of what the database holds, and
        # a challenge run whose attempt cannot be stored ends with `not_saved` instead.
        await self.recorded(settled=True)
        self.tell_board()  # a run replaced before its result still reached the boards
        self.recording = asyncio.ensure_future(
            self.report(key if challenge is not None else None, prepared, manifest))
        # Its failure is read by the result frame's waiter; a run replaced before then drops it.
        self.recording.add_done_callback(lambda done: done.cancelled() or done.exception())
        self.task = asyncio.create_task(self.play(self.playback))

    async def prepared_run(self, manifest: str, scenario: Scenario, build: BuildRequest | None,
                           goals: str | None, predict: bool) -> PreparedRun:
        """The next run's frames: those of the last identical run when one is kept (no worker,
        no wait), else evaluated in this client's turn (`work`)."""
        cache = run_cache.CACHE
        cache.max_bytes = settings.LUNCHBOX_RUN_CACHE_BYTES
        key = cache.key(manifest, run_cache.scenario_digest(scenario), build, goals,
                        predict) if cache.max_bytes else None
        prepared = cache.get(key, self.runs + 1)
        if prepared is None:
            prepared = await self.work(prepare.prepare_run, manifest, scenario, build, goals,
                                       self.runs + 1, predict)
            cache.put(key, prepared)
        return prepared

    async def recorded(self, *, settled: bool = False) -> None:
        """Wait for the last run's progress write (shielded: a new run or a disconnect that
        cancels the waiter never cancels the write). Raises BadMessage `not_saved` when it
        failed for a challenge run, unless only its end is awaited (`settled`)."""
        if self.recording is None:
            return
        try:
            await asyncio.shield(self.recording)
        except BadMessage:
            if not settled:
                raise

    async def predict(self, message: dict[str, Any]) -> None:
        await socket_predict.answer(self, message)

    async def work(self, function: Any, *args: Any) -> Any:
        """`function(*args)` (pure engine work, `sandbox.prepare`) in a worker process, or in a
        thread with LUNCHBOX_EVAL_PROCESSES=0, once it is this client's turn (`fairness`).
        Refused input raises BadMessage; a socket that goes away meanwhile raises Gone."""
        processes = settings.LUNCHBOX_EVAL_PROCESSES

        def begin(finished: Callable[[], None]) -> asyncio.Future[Any]:
            shipped = [workers.Shipped(a) if isinstance(a, Scenario) else a for a in args]
            return workers.POOL.begin(finished, function, *shipped)

        def call() -> Any:
            return sync_to_async(function, thread_sensitive=False)(*args)

        try:
            if processes:  # started by the scheduler as a slot frees (`fairness`)
                return await fairness.scheduler(processes).start(self.client, begin, self.gone)
            return await fairness.scheduler(fairness.SLOTS).run(self.client, call, self.gone)
        except ManifestError as err:
            raise protocol.refused(err) from None
        except workers.Refused as refusal:
            raise BadMessage(refusal.code, refusal.text, refusal.problems) from None
        except workers.TooLong as err:
            raise BadMessage("too_long", TOO_LONG.format(limit=err.limit)) from None

    async def play(self, playback: Playback) -> None:
        async def result() -> str:
            await self.recorded()
            return playback.prepared.result

        async def deliver(text: str) -> None:  # the boards hear of it as the learner sees it
            await self.send_result(text)
            self.tell_board()

        try:
            await playback.play(self.send_step, result, deliver)
            await socket_predict.score(self, playback)
        except BadMessage as refusal:  # the attempt was not stored: no result shows it passed
            await self.send_json(protocol.error_frame(refusal.code, str(refusal)))
        except Exception:  # never let a run end in silence (a cancel is no Exception)
            log.exception("sandbox playback failed")
            await self.send_json(protocol.error_frame(
                "internal", "the run could not be played to the end; this is a bug in "
                            "Lunchbox, not in your manifest"))

    async def send_step(self, step: PreparedStep, last: bool) -> None:
        """A step frame, once the browser is less than a window behind; every ACK_EVERY-th
        (or after ACK_BYTES, or the last) with an `ack` token."""
        await self.window.wait_open()
        self.unacked_frames += 1
        self.unacked_bytes += step.size
        if last or self.unacked_frames >= ACK_EVERY or self.unacked_bytes >= ACK_BYTES:
            await self.send_acked(step.text)
        else:
            await super().send(text_data=step.text)
            self.window.sent(step.size)

    async def send_acked(self, text: str) -> None:
        token = self.window.token()
        text = prepare.with_ack(text, token)
        await super().send(text_data=text)
        self.window.sent(protocol.utf8_size(text), token)
        self.unacked_frames = self.unacked_bytes = 0

    async def send_result(self, text: str) -> None:
        """The result frame, once the browser is less than a window behind, with an `ack` token:
        it is a big run's largest frame, and without one the next run's frames would wait for
        a window that no acknowledgement could open again."""
        await self.window.wait_open()
        await self.send_acked(text)

    async def report(self, challenge: str | None, prepared: PreparedRun,
                     manifest: str = "") -> None:
        """Record progress (committed when this returns) and tell the instructor's board.

        A challenge run whose attempt cannot be stored is refused with `not_saved`, so the
        learner is never shown a pass the database does not hold; a free-play run plays on.
        An instructor's own runs (a staff session) are checked and shown but not recorded: they
        are not a learner's, so no board and no results export counts them."""
        if is_staff(self.scope.get("user")):
            return
        try:
            if self.learner is None:  # the first run stores the learner's session
                self.learner = await learner_for_socket(self.scope)
            self.news.append(await workshop_board.store_run(
                self.learner, self.display_name, challenge, prepared.summary, prepared.goals,
                manifest))
        except Exception:
            log.exception("could not record progress for the board")
            if challenge is not None:
                raise BadMessage("not_saved", NOT_SAVED) from None

    async def console(self, message: dict[str, Any]) -> None:
        """The learner's own cluster (docs/console.md): `socket_console`."""
        await socket_console.handle(self, message)

    async def lint(self, message: dict[str, Any]) -> None:
        """The editor's live lint: what `load_paste` finds wrong or suspicious; nothing runs.

        Handled in turn with this socket's other messages, so a socket has at most one lint in
        flight (the page sends its next text once the answer to the last one is in)."""
        manifest = protocol.manifest(message.get("manifest"))
        seq = protocol.lint_seq(message.get("seq"))
        protocol.scenario_slug(message.get("scenario"))  # checked; no problem depends on it yet
        problems = await self.work(prepare.lint_problems, manifest)
        await self.send_json(protocol.lint_frame(seq, problems))

    def control(self, message: dict[str, Any]) -> None:
        action = protocol.control_action(message.get("action"))
        if self.playback is None:
            raise BadMessage("bad_message", "nothing is playing; send a run first")
        speed = protocol.speed(message.get("speed")) if action == "speed" else None
        self.playback.control(action, speed)
