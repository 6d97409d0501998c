"""Pacing a run's steps to the browser: speed, pause, step, finish, and squeezing long runs.

A run is evaluated and its frames built at once (`sandbox.prepare`, in a worker process);
playback only decides when each step frame goes out. The default
pace gives a step FRAME_SECONDS plus a share of the simulated time since the previous one, so a
pull that takes longer in the simulation also takes longer on screen.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sandbox.engine.render.predict import Prediction
from sandbox.predictions import Questions
from sandbox.prepare import PreparedRun, PreparedStep

FRAME_SECONDS = 0.12  # wall time per frame at speed 1, plus a share of the simulated gap
SIMULATED_TO_WALL = 0.04  # wall seconds per simulated second at speed 1
MAX_GAP_SECONDS = 1.5
# A frame is due its pause after the previous one was due, not after it went out, so the time
# each send takes never adds up along a run; but a playback this far behind (a stalled server)
# starts its schedule again from now rather than send a burst to catch up.
MAX_BEHIND_SECONDS = 0.5
# Frames go out on a grid of TICK_SECONDS of the loop's clock (the schedule itself is kept
# exact, so nothing drifts): every socket's frames that fall due within one tick are sent in
# one turn of the event loop, instead of one turn (and one wait for the kernel) each.
TICK_SECONDS = 1 / 60
# A run of hundreds of pods has thousands of steps: squeeze the pacing so that, at speed 1, the
# whole playback takes about this long at most (the learner can still pause and step).
PLAYBACK_BUDGET_SECONDS = 60.0

SendFrame = Callable[[dict[str, Any]], Awaitable[None]]
SendStep = Callable[[PreparedStep, bool], Awaitable[None]]  # the frame; whether it is the last
ResultText = Callable[[], Awaitable[str]]
SendText = Callable[[str], Awaitable[None]]


@dataclass
class Playback:
    """The frames of one run and how fast they go out."""

    run: int
    prepared: PreparedRun
    speed: float = 1.0
    paused: bool = False
    index: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    step_once: bool = False
    finish: bool = False
    # Predict mode: playback stops before each question's step until it is answered (or the
    # learner finishes the run), and `ask` sends the question.
    questions: Questions | None = None
    ask: SendFrame | None = None
    held: bool = False  # a question was just answered: wait for resume (the reveal is read)
    napping: asyncio.Future[bool] | None = None  # the pause between two frames, if in one
    due: float | None = None  # loop time the previous frame was due; None: from now
    tick: ClassVar[float] = TICK_SECONDS  # the send grid (`on_tick`); a test may set its own

    @property
    def squeeze(self) -> float:
        """1 for a short run; less for a long one, so playback fits PLAYBACK_BUDGET_SECONDS."""
        steps = self.prepared.steps
        worst = steps * (FRAME_SECONDS + MAX_GAP_SECONDS) / 2
        return min(1.0, PLAYBACK_BUDGET_SECONDS / worst) if worst else 1.0

    def control(self, action: str, speed: float | None = None) -> None:
        """Apply a checked control action (`protocol.control_action`)."""
        if action in ("resume", "step"):
            self.held = False
        if action == "pause":
            self.paused = True
        elif action == "resume":
            self.paused = False
        elif action == "step":
            self.step_once = True
        elif action == "finish":
            self.finish = True
        elif speed is not None:
            self.speed = speed
        self.wake.set()
        if self.napping is not None and not self.napping.done():
            self.napping.set_result(True)

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    def on_tick(self, due: float) -> float:
        """The first grid point of `tick` at or after `due`: when a frame due then goes out."""
        return math.ceil(due / self.tick) * self.tick if self.tick > 0 else due

    async def nap(self, seconds: float) -> bool:
        """Wait `seconds`, or less if a control action comes first: True if one did. A bare
        future and timer, not `asyncio.timeout` around the event: this runs for every step
        frame of every socket, and the timeout's machinery was most of its cost."""
        loop = asyncio.get_running_loop()
        self.napping = waiter = loop.create_future()
        timer = loop.call_later(seconds, _wake_up, waiter)
        try:
            return bool(await waiter)
        finally:
            timer.cancel()
            self.napping = None

    async def play(self, send: SendStep, result: ResultText, send_text: SendText) -> None:
        """Send every step frame at its pace, then the result frame (its text from `result`)."""
        frames = self.prepared.frames
        previous_time = frames[0].time if frames else 0.0
        asking = self.questions.by_step() if self.questions is not None else {}
        while self.index < len(frames):
            step = frames[self.index]
            await self.wait_for_turn(step.time - previous_time)
            await self.wait_for_answer(asking.get(step.index))
            previous_time = step.time
            self.index += 1
            await send(step, self.index == len(frames))
            if self.finish and self.index % 100 == 0:
                await asyncio.sleep(0)  # let other sockets be served between bursts
        await send_text(await result())

    def answered(self) -> None:
        """A question was answered (`Questions.answer`): playback goes on at the next resume or
        step, once the learner has read the reveal."""
        self.held = True
        self.wake.set()

    async def wait_for_answer(self, point: Prediction | None) -> None:
        """Ask `point` (a question of this step, or None), wait for its answer, then for a
        resume or step; Pause, Play and Step do not skip a question, Finish does."""
        if point is None or self.questions is None or self.ask is None or self.finish:
            return
        self.held = False
        await self.ask(self.questions.ask(point))
        while (point.id not in self.questions.answers or self.held) and not self.finish:
            self.wake.clear()
            await self.wake.wait()
        self.step_once = False  # a Step pressed while asked is not spent on the next frame
        self.due = None  # the schedule goes on from the answer, not from before the question

    async def wait_for_turn(self, gap: float) -> None:
        """Wait until the next frame is due: its pause after the previous frame was due. A pause
        moves the schedule on by its length; a step taken while paused, and an answered
        question, start it again from then."""
        if self.finish:
            return
        delay = min(FRAME_SECONDS + max(gap, 0.0) * SIMULATED_TO_WALL, MAX_GAP_SECONDS)
        delay *= self.squeeze
        if self.due is None or self.now() - self.due > MAX_BEHIND_SECONDS:
            self.due = self.now()
        start = self.due
        while True:
            if self.finish:
                return
            if self.paused:
                if self.step_once:
                    self.step_once = False
                    self.due = self.now()
                    return
                paused_at = self.now()
                self.wake.clear()
                await self.wake.wait()
                start += self.now() - paused_at
                continue
            due = start + delay / self.speed
            remaining = self.on_tick(due) - self.now()
            if remaining <= 0 or not await self.nap(remaining):
                self.due = due
                return


def _wake_up(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)
