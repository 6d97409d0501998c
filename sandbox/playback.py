"""Pacing a run's steps to the browser: speed, pause, step, finish, and squeezing long runs.

A run is evaluated at once; playback only decides when each step frame goes out. The default
pace gives a step FRAME_SECONDS plus a share of the simulated time since the previous one, so a
pull that takes longer in the simulation also takes longer on screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox import protocol
from sandbox.engine import Evaluation
from sandbox.engine.render.predict import Prediction
from sandbox.engine.trace import Event
from sandbox.predictions import Questions

FRAME_SECONDS = 0.12  # wall time per frame at speed 1, plus a share of the simulated gap
SIMULATED_TO_WALL = 0.04  # wall seconds per simulated second at speed 1
MAX_GAP_SECONDS = 1.5
# A run of hundreds of pods has thousands of steps: squeeze the pacing so that, at speed 1, the
# whole playback takes about this long at most (the learner can still pause and step).
PLAYBACK_BUDGET_SECONDS = 60.0
# A browser that must draw thousands of frames falls behind (and a learner cannot read them):
# for a long run, send the first FIRST_STEP_FRAMES and the last LAST_STEP_FRAMES steps only.
FIRST_STEP_FRAMES = 1000
LAST_STEP_FRAMES = 500

SendFrame = Callable[[dict[str, Any]], Awaitable[None]]
BuildResult = Callable[[int, Evaluation, list[Event]], Awaitable[str]]
SendText = Callable[[str], Awaitable[None]]


@dataclass
class Playback:
    """The frames of one run and how fast they go out."""

    run: int
    evaluation: Evaluation
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

    @property
    def squeeze(self) -> float:
        """1 for a short run; less for a long one, so playback fits PLAYBACK_BUDGET_SECONDS."""
        steps = len(self.evaluation.trace.steps)
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

    async def play(self, send: SendFrame, result: BuildResult, send_text: SendText) -> None:
        """Send every step frame at its pace, then the result frame (built by `result`)."""
        trace = self.evaluation.trace
        events = trace.events
        sent_events = 0
        steps = trace.steps
        previous_time = steps[0].time if steps else 0.0
        skip_from, skip_to = skipped_range(len(steps))
        asking = self.questions.by_step() if self.questions is not None else {}
        while self.index < len(steps):
            if skip_from <= self.index < skip_to:
                self.index = skip_to  # their events ride on the next frame sent
                continue
            step = steps[self.index]
            await self.wait_for_turn(step.time - previous_time)
            await self.wait_for_answer(asking.get(self.index))
            previous_time = step.time
            batch = []
            while sent_events < len(events) and events[sent_events].step <= self.index:
                batch.append(events[sent_events])
                sent_events += 1
            await send(protocol.step_frame(self.run, self.index, step, batch))
            self.index += 1
            if self.finish and self.index % 100 == 0:
                await asyncio.sleep(0)  # let other sockets be served between bursts
        await send_text(await result(self.run, self.evaluation, list(events[sent_events:])))

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

    async def wait_for_turn(self, gap: float) -> None:
        if self.finish:
            return
        delay = min(FRAME_SECONDS + max(gap, 0.0) * SIMULATED_TO_WALL, MAX_GAP_SECONDS)
        delay *= self.squeeze
        waited = 0.0
        while True:
            if self.finish:
                return
            if self.paused:
                if self.step_once:
                    self.step_once = False
                    return
                self.wake.clear()
                await self.wake.wait()
                continue
            remaining = delay / self.speed - waited
            if remaining <= 0:
                return
            self.wake.clear()
            started = asyncio.get_running_loop().time()
            try:  # `timeout` rather than `wait_for`: no task made for every step
                async with asyncio.timeout(remaining):
                    await self.wake.wait()
            except TimeoutError:
                return
            waited += asyncio.get_running_loop().time() - started


def skipped_range(count: int) -> tuple[int, int]:
    """The [from, to) step indexes not sent as frames; empty for a run of ordinary size."""
    if count <= FIRST_STEP_FRAMES + LAST_STEP_FRAMES:
        return count, count
    return FIRST_STEP_FRAMES, count - LAST_STEP_FRAMES
