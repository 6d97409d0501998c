"""The ASGI app `bench.server` serves: the real one, plus a bare consumer as the baseline.

`/ws/bare/` is a plain Channels `AsyncWebsocketConsumer` with no middleware, no channel layer and
no database: for any message it streams the frames of the starter run (evaluated once, here, at
start-up and encoded once) at the pace the real playback gives them. The difference between the
two routes, at the same number of frames, is what the sandbox consumer costs around the engine.
Everything else goes to `sandbox.asgi.application`, so the real route is exactly what a learner
meets (origin check, session, user, limits, fairness, back-pressure, progress).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from sandbox import run_frames
from sandbox.asgi import application as sandbox_application
from sandbox.engine import evaluate, load_scenario
from sandbox.playback import Playback
from sandbox.prepare import prepare_run

from .engine import DEPLOYMENT, SCENARIO

_STARTER = evaluate(DEPLOYMENT, load_scenario(SCENARIO.read_text()))
_STARTER.diagrams  # noqa: B018 - drawn once


def pacing(evaluation: Any) -> list[float]:
    """Seconds before each step frame at speed 1, as `Playback.wait_for_turn` waits them."""
    from sandbox import playback

    player = Playback(1, prepare_run(DEPLOYMENT, load_scenario(SCENARIO.read_text()), None,
                                     None, 1))
    delays, previous = [], evaluation.trace.steps[0].time if evaluation.trace.steps else 0.0
    for step in evaluation.trace.steps:
        gap = max(step.time - previous, 0.0)
        previous = step.time
        delays.append(min(playback.FRAME_SECONDS + gap * playback.SIMULATED_TO_WALL,
                          playback.MAX_GAP_SECONDS) * player.squeeze)
    return delays


_DELAYS = pacing(_STARTER)
_ACCEPTED = json.dumps(run_frames.accepted_frame(1, _STARTER))
_STEPS = [json.dumps(run_frames.step_frame(1, i, step, [e for e in _STARTER.trace.events
                                                      if e.step == i]))
          for i, step in enumerate(_STARTER.trace.steps)]
_RESULT = run_frames.result_frame(1, _STARTER, [])


class BareConsumer(AsyncWebsocketConsumer):
    """Streams the starter run's prebuilt frames for every message it receives."""

    channel_layer_alias = "bench-no-layer"  # not configured: no channel, no receive loop

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            speed = float(json.loads(text_data or "{}").get("speed", 1.0))
        except (ValueError, AttributeError):
            speed = 1.0
        await self.send(text_data=_ACCEPTED)
        for delay, text in zip(_DELAYS, _STEPS, strict=True):
            await asyncio.sleep(delay / speed)
            await self.send(text_data=text)
        await self.send(text_data=_RESULT)


_bare = BareConsumer.as_asgi()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket" and scope["path"].startswith("/ws/bare/"):
        await _bare(scope, receive, send)
    else:
        await sandbox_application(scope, receive, send)
