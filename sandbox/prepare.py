"""A run made ready to play: every frame it will send, as JSON text, built where it was evaluated.

The server evaluates a learner's paste in a worker process (`sandbox.workers`), so that the
engine never holds the event loop's GIL. What crosses back is a `PreparedRun`: strings and small
dicts, which unpickle almost for free, never the trace (a 500-pod trace pickles to megabytes and
unpickles slower than it pickles). Playback (`sandbox.playback`) only paces these texts and adds
an `ack` token to some of them; the progress report gets the run's summary, not its trace.

Everything here is pure (no Django) and deterministic: the same paste gives the same frames
whether it was prepared in a worker process or, with LUNCHBOX_EVAL_PROCESSES=0, in a thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox import protocol, run_frames
from sandbox.engine import BuildRequest, ManifestError, Scenario, evaluate, load_paste
from sandbox.engine.render.predict import prediction_points
from sandbox.predictions import Questions
from sandbox.run_summary import outcome

# A browser that must draw thousands of frames falls behind (and a learner cannot read them):
# for a long run, send the first FIRST_STEP_FRAMES and the last LAST_STEP_FRAMES steps only.
FIRST_STEP_FRAMES = 1000
LAST_STEP_FRAMES = 500


def skipped_range(count: int) -> tuple[int, int]:
    """The [from, to) step indexes not sent as frames; empty for a run of ordinary size."""
    if count <= FIRST_STEP_FRAMES + LAST_STEP_FRAMES:
        return count, count
    return FIRST_STEP_FRAMES, count - LAST_STEP_FRAMES


@dataclass(frozen=True)
class PreparedStep:
    """One step frame: the step's index and simulated time (for pacing), its text without the
    `ack` token, and the text's size in bytes (for the send window)."""

    index: int
    time: float
    text: str
    size: int


@dataclass(frozen=True)
class PreparedRun:
    run: int
    steps: int  # every step of the run, those not sent as frames included (pacing)
    accepted: str
    frames: tuple[PreparedStep, ...]
    result: str
    goals: list[dict[str, Any]] | None  # checked on the trace; `predictions` goals unscored
    summary: dict[str, Any]  # the board row's outcome (`run_summary.outcome`)
    questions: Questions | None  # predict mode's questions, on steps that are sent


def with_ack(text: str, token: str) -> str:
    """A frame's text with an `ack` token added (the texts are JSON objects, `{…}`; a token is
    letters and digits, `backpressure`)."""
    return f'{text[:-1]},"ack":"{token}"}}'


def prepare_run(manifest: str, scenario: Scenario, build: BuildRequest | None,
                goals: str | None, run: int, predict: bool = False) -> PreparedRun:
    """Evaluate the paste and build every frame of run number `run`.

    A refused paste raises `ManifestError` as `evaluate` does. Long runs leave out the steps of
    `skipped_range`; their events ride on the next frame sent, as the page expects."""
    evaluation = evaluate(manifest, scenario, build=build, goals=goals)
    trace = evaluation.trace
    steps, events = trace.steps, trace.events
    skip_from, skip_to = skipped_range(len(steps))
    frames = []
    sent = 0
    for index, step in enumerate(steps):
        if skip_from <= index < skip_to:
            continue
        batch = []
        while sent < len(events) and events[sent].step <= index:
            batch.append(events[sent])
            sent += 1
        text = protocol.frame_text(run_frames.step_frame(run, index, step, batch))
        frames.append(PreparedStep(index, step.time, text,
                                   protocol.utf8_size(text)))
    goal_results = run_frames.goal_dicts(evaluation)
    questions = None
    if predict:
        questions = Questions(run, prediction_points(
            trace, lambda index: not skip_from <= index < skip_to))
    return PreparedRun(
        run=run, steps=len(steps),
        accepted=protocol.frame_text(run_frames.accepted_frame(run, evaluation)),
        frames=tuple(frames),
        result=run_frames.result_frame(run, evaluation, list(events[sent:])),
        goals=goal_results, summary=outcome(trace, goal_results), questions=questions)


def lint_problems(manifest: str) -> list[dict[str, Any]]:
    """The editor's live lint: what `load_paste` finds wrong or suspicious, as problem dicts."""
    try:
        objects = load_paste(manifest)
    except ManifestError as err:
        return [p.to_dict() for p in err.problems]
    return [p.to_dict() for p in objects.warnings]
