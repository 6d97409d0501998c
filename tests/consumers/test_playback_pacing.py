"""Playback keeps the schedule it means (`Playback.wait_for_turn`): each frame is due its pause
after the previous one was due, so the time sends take never adds up along a run; a pause moves
the schedule on by its length; a playback far behind starts again from now instead of bursting.

The clock is the test's own: sending a frame and napping move it on, nothing real is waited."""

from __future__ import annotations

import asyncio
from itertools import pairwise

from sandbox import playback, prepare
from sandbox.engine import default_scenario
from sandbox.playback import FRAME_SECONDS, MAX_BEHIND_SECONDS, Playback
from sandbox.prepare import PreparedStep

POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
       "  - name: web\n    image: nginx:1.25\n")


class Clocked(Playback):
    """A playback on a clock that only the test moves; frames go out when due (no tick grid)
    unless a test gives it a tick."""

    clock = 0.0
    tick = 0.0

    def now(self) -> float:
        return self.clock

    async def nap(self, seconds: float) -> bool:
        self.clock += seconds
        await asyncio.sleep(0)
        return False


def even_run(frames: int) -> prepare.PreparedRun:
    """A run whose steps are all at simulated time 0: every pause is FRAME_SECONDS."""
    run = prepare.prepare_run(POD, default_scenario(), None, None, 1)
    step = run.frames[0]
    return prepare.PreparedRun(**{**run.__dict__, "steps": frames, "frames": tuple(
        PreparedStep(k, 0.0, step.text, step.size) for k in range(frames))})


async def sent_at(player: Clocked, send_cost: float, *, stall_at: int | None = None,
                  stall: float = 0.0) -> list[float]:
    times: list[float] = []

    async def send(step: PreparedStep, last: bool) -> None:
        times.append(player.clock)
        player.clock += send_cost + (stall if step.index == stall_at else 0.0)

    async def result() -> str:
        return ""

    async def send_text(text: str) -> None:
        pass

    await player.play(send, result, send_text)
    return times


async def test_the_time_sends_take_does_not_add_up() -> None:
    player = Clocked(1, even_run(40), speed=2.0)
    times = await sent_at(player, send_cost=0.02)
    pause = FRAME_SECONDS * player.squeeze / 2.0
    assert [round(t, 9) for t in times] == [round((k + 1) * pause, 9) for k in range(40)]


async def test_a_pause_moves_the_schedule_on_by_its_length() -> None:
    player = Clocked(1, even_run(6))
    player.paused = True

    async def resume_later() -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        player.clock += 10.0  # paused for ten seconds
        player.control("resume")

    resuming = asyncio.ensure_future(resume_later())
    times = await sent_at(player, send_cost=0.0)
    await resuming
    assert times[0] == 10.0 + FRAME_SECONDS  # the whole pause after the resume, not a burst
    assert [round(b - a, 9) for a, b in pairwise(times)] == [
        FRAME_SECONDS] * 5


async def test_a_playback_far_behind_starts_again_instead_of_bursting() -> None:
    player = Clocked(1, even_run(10))
    times = await sent_at(player, send_cost=0.0, stall_at=3, stall=5.0)
    gaps = [round(b - a, 9) for a, b in pairwise(times)]
    # Frame 3's send stalled 5 s: frame 4 goes a pause after the stall, not at once (and the
    # frames after it do not rush to where the old schedule was).
    assert gaps == [FRAME_SECONDS] * 3 + [5.0 + FRAME_SECONDS] + [FRAME_SECONDS] * 5
    assert MAX_BEHIND_SECONDS < 5.0


async def test_a_short_delay_is_caught_up_within_the_schedule() -> None:
    player = Clocked(1, even_run(6))
    times = await sent_at(player, send_cost=0.0, stall_at=2, stall=0.05)
    assert [round(t, 9) for t in times] == [round((k + 1) * FRAME_SECONDS, 9) for k in range(6)]
    assert playback.MAX_GAP_SECONDS > FRAME_SECONDS


async def test_frames_go_out_on_the_tick_grid_without_drifting_from_the_schedule() -> None:
    """Each frame leaves on the first grid point at or after it is due, never before and less
    than a tick after; and because the schedule is kept exact, the grid's delays never add up."""
    player = Clocked(1, even_run(40), speed=3.0)
    player.tick = playback.TICK_SECONDS
    player.clock = 0.005  # not on the grid
    times = await sent_at(player, send_cost=0.0)
    pause = FRAME_SECONDS * player.squeeze / 3.0
    for k, sent in enumerate(times):
        due = 0.005 + (k + 1) * pause
        assert due - 1e-9 <= sent < due + playback.TICK_SECONDS
        assert abs(sent / playback.TICK_SECONDS - round(sent / playback.TICK_SECONDS)) < 1e-6
