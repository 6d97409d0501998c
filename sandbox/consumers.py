"""The sandbox websocket: validate a message, run the engine, pace its steps to the browser.

The consumer holds no pull-policy logic: it translates messages (docs/protocol.md) into engine
calls and engine results into frames. Bad input of any kind is answered with an `error` frame;
the connection stays open.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import unicodedata
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from sandbox.engine import (
    ManifestError,
    Scenario,
    Trace,
    check_goals,
    load_scenario,
    simulate,
)
from sandbox.engine.paste import created_objects, load_paste
from sandbox.engine.render import report
from sandbox.engine.scenario import FileVersions, apply_learner_build, default_scenario
from sandbox.progress import learner_for_socket, report_run

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MIN_SPEED, MAX_SPEED = 0.25, 16.0
FRAME_SECONDS = 0.12  # wall time per frame at speed 1, plus a share of the simulated gap
SIMULATED_TO_WALL = 0.04  # wall seconds per simulated second at speed 1
MAX_GAP_SECONDS = 1.5
# A run of hundreds of pods has thousands of steps: squeeze the pacing so that, at speed 1, the
# whole playback takes about this long at most (the learner can still pause and step).
PLAYBACK_BUDGET_SECONDS = 60.0
MAX_DISPLAY_NAME = 40
# One run per socket per RUN_INTERVAL_SECONDS, unless the previous one has already finished
# playing (its result frame went out): see `SandboxConsumer.refuse_if_busy`.
RUN_INTERVAL_SECONDS = 0.5
# A learner's `build` (docs/protocol.md): bounds checked here, meaning checked by the engine.
MAX_DOCKERFILE_BYTES = 64 * 1024
MAX_BUILD_FILES = 50
MAX_BUILD_TEXT = 255  # a file path, a version, or the push reference
BUILD_FIELDS = frozenset({"dockerfile", "files", "push", "preloaded", "architecture"})


class BadMessage(Exception):
    """A client message we cannot accept; `code` and the text go back in an error frame."""

    def __init__(self, code: str, message: str, problems: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.code = code
        self.problems = problems or []


def _speed(value: Any) -> float:
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadMessage("bad_message", "speed must be a number between 0.25 and 16")
    if not MIN_SPEED <= float(value) <= MAX_SPEED:
        raise BadMessage("bad_message", "speed must be between 0.25 and 16")
    return float(value)


def _display_name(value: Any) -> str:
    """The optional name a learner shows the instructor's board; "" when none is given."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadMessage("bad_message", "display_name must be a string")
    name = " ".join(value.split())
    if len(name) > MAX_DISPLAY_NAME:
        raise BadMessage("bad_message",
                         f"display_name must be at most {MAX_DISPLAY_NAME} characters")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name):
        raise BadMessage("bad_message", "display_name may only hold printable characters")
    return name


@dataclass(frozen=True)
class BuildRequest:
    """A run's checked `build` field, ready for `apply_learner_build`."""

    dockerfile: str
    files: dict[str, FileVersions | str]
    push: str | None
    preloaded: bool
    architecture: str | None


def _build_text(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_BUILD_TEXT:
        raise BadMessage("bad_message",
                         f"{field_name} must be a string of 1 to {MAX_BUILD_TEXT} characters")
    return value


def _build_files(value: Any) -> dict[str, FileVersions | str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadMessage("bad_message", "build.files must be an object of file name to version")
    if len(value) > MAX_BUILD_FILES:
        raise BadMessage("bad_message", f"build.files may list at most {MAX_BUILD_FILES} files")
    files: dict[str, FileVersions | str] = {}
    for name, version in value.items():
        where = f"build.files[{json.dumps(name[:40])}]"
        _build_text(name, "a build.files name")
        if isinstance(version, dict):
            if set(version) != {"before", "after"}:
                raise BadMessage("bad_message", f"{where} must be a version or "
                                                "{\"before\": …, \"after\": …}")
            files[name] = FileVersions(_build_text(version["before"], f"{where}.before"),
                                       _build_text(version["after"], f"{where}.after"))
        else:
            files[name] = _build_text(version, where)
    return files


def _build(value: Any) -> BuildRequest | None:
    """The run's optional `build`, its shape and sizes checked; None when there is none."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadMessage("bad_message", "build must be an object or null")
    unknown = sorted(str(key)[:40] for key in set(value) - BUILD_FIELDS)
    if unknown:
        raise BadMessage("bad_message", f"build has no field {unknown[0]!r}; it takes "
                                        + ", ".join(sorted(BUILD_FIELDS)))
    dockerfile = value.get("dockerfile")
    if not isinstance(dockerfile, str):
        raise BadMessage("bad_message", "build.dockerfile must be a string")
    if len(dockerfile.encode("utf-8", "surrogatepass")) > MAX_DOCKERFILE_BYTES:
        raise BadMessage("too_large", f"build.dockerfile is over {MAX_DOCKERFILE_BYTES // 1024} "
                                      "KiB")
    push = value.get("push")
    preloaded = value.get("preloaded", True)
    if not isinstance(preloaded, bool):
        raise BadMessage("bad_message", "build.preloaded must be true or false")
    architecture = value.get("architecture")
    return BuildRequest(
        dockerfile, _build_files(value.get("files")),
        None if push in (None, "") else _build_text(push, "build.push"), preloaded,
        None if architecture is None else _build_text(architecture, "build.architecture"),
    )


def parse_message(text: str | None, limit: int) -> dict[str, Any]:
    """Decode and check the envelope of one client message."""
    if text is None:
        raise BadMessage("bad_message", "send JSON text frames, not binary ones")
    if len(text.encode("utf-8", "surrogatepass")) > limit:
        raise BadMessage("too_large", f"the message is over {limit // 1024} KiB; "
                                      "paste a smaller manifest")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise BadMessage("bad_message", "the message is not valid JSON") from None
    if not isinstance(message, dict):
        raise BadMessage("bad_message", "the message must be a JSON object")
    if message.get("version") != PROTOCOL_VERSION:
        raise BadMessage("bad_message",
                         f"unsupported protocol version {message.get('version')!r}; "
                         f"this server speaks version {PROTOCOL_VERSION} (reload the page)")
    if message.get("type") not in ("run", "control", "ping"):
        raise BadMessage("bad_message", "type must be one of run, control, ping")
    return message


@database_sync_to_async
def _scenario_source(slug: str) -> tuple[str, str] | None:
    from lessons.models import Scenario as ScenarioModel

    row = ScenarioModel.objects.filter(slug=slug).values_list("source", "updated_at").first()
    if row is None:
        return None
    return row[0], str(row[1])


_SCENARIO_CACHE: dict[tuple[str, str], Scenario] = {}


@database_sync_to_async
def _challenge(key: str, staff: bool) -> tuple[str, str | None] | None:
    """(goals YAML, scenario slug) of the challenge `lesson-slug/challenge-slug`; a challenge
    of an unpublished lesson exists only for staff, as on the lesson pages."""
    from lessons.models import Challenge

    lesson, _, slug = key.partition("/")
    found = Challenge.objects.filter(lesson__slug=lesson, slug=slug)
    if not staff:
        found = found.filter(lesson__published=True)
    row = (found
           .values_list("goals", "scenario__slug", "lesson__scenario__slug").first())
    if row is None:
        return None
    goals, own, lessons = row  # the challenge's scenario, else its lesson's
    scenario = own or lessons
    return str(goals), (str(scenario) if scenario else None)


async def resolve_challenge(key: Any, staff: bool = False) -> tuple[str, str | None] | None:
    if key in (None, ""):
        return None
    if not isinstance(key, str) or len(key) > 200 or key.count("/") != 1:
        raise BadMessage("bad_message", "challenge must be `lesson-slug/challenge-slug` or null")
    found: tuple[str, str | None] | None = await _challenge(key, staff)
    if found is None:
        raise BadMessage("unknown_challenge", f"there is no challenge {key!r}")
    return found


async def resolve_scenario(slug: Any) -> Scenario:
    if slug in (None, ""):
        return default_scenario()
    if not isinstance(slug, str) or len(slug) > 100:
        raise BadMessage("bad_message", "scenario must be a scenario slug or null")
    found = await _scenario_source(slug)
    if found is None:
        raise BadMessage("unknown_scenario",
                         f"there is no scenario {slug!r}; pick one from the list")
    source, stamp = found
    cached = _SCENARIO_CACHE.get((slug, stamp))
    if cached is not None:
        return cached
    try:
        scenario = await sync_to_async(load_scenario, thread_sensitive=False)(source)
    except ManifestError as err:
        raise BadMessage("invalid_scenario", f"scenario {slug!r} is broken; tell the instructor",
                         [p.to_dict() for p in err.problems]) from None
    if len(_SCENARIO_CACHE) > 64:
        _SCENARIO_CACHE.clear()
    _SCENARIO_CACHE[(slug, stamp)] = scenario
    return scenario


def evaluate(manifest: str, scenario: Scenario) -> tuple[Trace, list[dict[str, Any]]]:
    """Parse and simulate (runs in a worker thread)."""
    trace, warnings, _ = evaluate_paste(manifest, scenario)
    return trace, warnings


def evaluate_paste(
    text: str, scenario: Scenario
) -> tuple[Trace, list[dict[str, Any]], list[dict[str, str]]]:
    """Parse (YAML or kubectl commands) and simulate; also the objects commands created."""
    objects = load_paste(text)
    trace = simulate(objects, scenario)
    return trace, [w.to_dict() for w in objects.warnings], created_objects(text, objects)


def evaluate_run(
    text: str, scenario: Scenario, build: BuildRequest | None
) -> tuple[Trace, list[dict[str, Any]], list[dict[str, str]], dict[str, Any] | None]:
    """Build and push the learner's image first, when the run has one (in a worker thread)."""
    summary = None
    if build is not None:
        try:
            built = apply_learner_build(scenario, build.dockerfile, build.files, build.push,
                                        architecture=build.architecture,
                                        preloaded=build.preloaded)
        except ManifestError as err:
            raise BadMessage("invalid_build", "the build has problems; nothing ran",
                             [p.to_dict() for p in err.problems]) from None
        scenario, summary = built.scenario, built.to_dict()
    return (*evaluate_paste(text, scenario), summary)


@dataclass
class Playback:
    """The frames of one run and how fast they go out."""

    run: int
    trace: Trace
    speed: float = 1.0
    paused: bool = False
    index: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    step_once: bool = False
    finish: bool = False
    goals: list[dict[str, Any]] | None = None  # a challenge's goal results, sent with the result
    ticket: int = 0  # the socket's count of runs taken when this one was taken

    @property
    def squeeze(self) -> float:
        """1 for a short run; less for a long one, so playback fits PLAYBACK_BUDGET_SECONDS."""
        steps = len(self.trace.steps)
        worst = steps * (FRAME_SECONDS + MAX_GAP_SECONDS) / 2
        return min(1.0, PLAYBACK_BUDGET_SECONDS / worst) if worst else 1.0


class SandboxConsumer(AsyncWebsocketConsumer):
    """`/ws/sandbox/`: one learner's sandbox."""

    async def connect(self) -> None:
        self.runs = 0
        self.playback: Playback | None = None
        self.task: asyncio.Task[None] | None = None
        self.learner: str | None = None  # looked up (and stored) on the first accepted run
        self.taken = 0  # runs taken for evaluation, whether accepted or refused after
        self.finished = 0  # the ticket of the last run whose result frame was sent
        self.last_answer: float | None = None  # loop time the last taken run was answered
        self.display_name = ""  # the last one a run gave, kept for this connection
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.task is not None:
            self.task.cancel()

    async def send_frame(self, type_: str, **payload: Any) -> None:
        await self.send(text_data=json.dumps({"version": PROTOCOL_VERSION, "type": type_,
                                              **payload}))

    async def send_error(self, code: str, message: str,
                         problems: list[dict[str, Any]] | None = None) -> None:
        await self.send_frame("error", code=code, message=message, problems=problems or [])

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = parse_message(text_data, settings.LUNCHBOX_MAX_MESSAGE_BYTES)
            kind = message["type"]
            if kind == "ping":
                await self.send_frame("pong")
            elif kind == "control":
                self.control(message)
            else:
                await self.start_run(message)
        except BadMessage as err:
            await self.send_error(err.code, str(err), err.problems)
        except Exception:  # a bug of ours: say so, keep the socket
            log.exception("sandbox message failed")
            await self.send_error("internal", "the simulator hit an internal error; "
                                              "this is a bug in Lunchbox, not in your manifest")

    async def start_run(self, message: dict[str, Any]) -> None:
        manifest = message.get("manifest")
        if not isinstance(manifest, str):
            raise BadMessage("bad_message", "manifest must be a string of YAML")
        speed = _speed(message.get("speed"))
        build = _build(message.get("build"))
        self.display_name = _display_name(message.get("display_name")) or self.display_name
        self.refuse_if_busy()
        self.taken += 1
        try:
            await self.take_run(message, manifest, speed, build)
        finally:
            self.last_answer = asyncio.get_running_loop().time()

    def refuse_if_busy(self) -> None:
        """At most one run per RUN_INTERVAL_SECONDS, counted from when the previous run was
        answered (accepted, or refused after it was taken); a run whose result frame went out
        is over, so the next one may follow at once. Messages of one socket are handled one
        after the other, so runs sent during an evaluation wait for it, then meet this check."""
        if self.last_answer is None or self.finished == self.taken:
            return
        if asyncio.get_running_loop().time() - self.last_answer < RUN_INTERVAL_SECONDS:
            raise BadMessage("busy", "wait for the current run, or slow down")

    async def take_run(self, message: dict[str, Any], manifest: str, speed: float,
                       build: BuildRequest | None) -> None:
        user = self.scope.get("user")
        challenge = await resolve_challenge(message.get("challenge"),
                                            staff=bool(getattr(user, "is_staff", False)))
        slug = message.get("scenario")
        if challenge is not None and challenge[1] and not slug:
            slug = challenge[1]  # a challenge runs in its own scenario unless one is picked
        scenario = await resolve_scenario(slug)
        try:
            async with _evaluations():
                trace, warnings, created, built = await sync_to_async(
                    evaluate_run, thread_sensitive=False)(manifest, scenario, build)
        except ManifestError as err:
            raise BadMessage("invalid_manifest", "the manifest has problems; nothing ran",
                             [p.to_dict() for p in err.problems]) from None
        goals: list[dict[str, Any]] | None = None
        if challenge is not None:
            try:
                goals = [r.to_dict() for r in check_goals(trace, challenge[0])]
            except ManifestError as err:
                raise BadMessage("invalid_challenge",
                                 "this challenge's goals are broken; tell the instructor",
                                 [p.to_dict() for p in err.problems]) from None
        if self.task is not None:
            self.task.cancel()
        self.runs += 1
        self.playback = Playback(self.runs, trace, speed, goals=goals, ticket=self.taken)
        await self.send_frame(
            "accepted", run=self.runs, steps=len(trace.steps), horizon=trace.horizon,
            scenario=trace.scenario, diagrams={"flow": trace.diagrams["flow_plain"]},
            warnings=warnings, created=created, build=built,
            hints=[{"id": h.id, "message": h.message, "pod": h.pod, "container": h.container,
                    "rule": h.rule} for h in trace.hints],
        )
        self.task = asyncio.create_task(self.play(self.playback))
        await self.report(message.get("challenge") if challenge is not None else None,
                          trace, goals)

    async def report(self, challenge: str | None, trace: Trace,
                     goals: list[dict[str, Any]] | None) -> None:
        """Record progress and tell the instructor's board; a failure here never fails the run."""
        try:
            if self.learner is None:  # the first run stores the learner's session
                self.learner = await learner_for_socket(self.scope)
            await report_run(self.learner, self.display_name, challenge, trace, goals)
        except Exception:
            log.exception("could not record progress for the board")

    def control(self, message: dict[str, Any]) -> None:
        action = message.get("action")
        playback = self.playback
        if action not in ("pause", "resume", "step", "finish", "speed"):
            raise BadMessage("bad_message", "action must be pause, resume, step, finish or speed")
        if playback is None:
            raise BadMessage("bad_message", "nothing is playing; send a run first")
        if action == "pause":
            playback.paused = True
        elif action == "resume":
            playback.paused = False
        elif action == "step":
            playback.step_once = True
        elif action == "finish":
            playback.finish = True
        else:
            playback.speed = _speed(message.get("speed"))
        playback.wake.set()

    async def play(self, playback: Playback) -> None:
        trace = playback.trace
        events = trace.events
        sent_events = 0
        steps = trace.steps
        previous_time = steps[0].time if steps else 0.0
        skip_from, skip_to = _skipped_range(len(steps))
        while playback.index < len(steps):
            if skip_from <= playback.index < skip_to:
                playback.index = skip_to  # their events ride on the next frame sent
                continue
            step = steps[playback.index]
            await self.wait_for_turn(playback, step.time - previous_time)
            previous_time = step.time
            batch = []
            while sent_events < len(events) and events[sent_events].step <= playback.index:
                batch.append(_event_dict(events[sent_events]))
                sent_events += 1
            await self.send_frame("step", run=playback.run, index=playback.index,
                                  step=_step_dict(step), events=batch)
            playback.index += 1
            if playback.finish and playback.index % 100 == 0:
                await asyncio.sleep(0)  # let other sockets be served between bursts
        rest = [_event_dict(e) for e in events[sent_events:]]
        text = await sync_to_async(result_frame, thread_sensitive=False)(
            playback.run, trace, rest, playback.goals)
        await self.send(text_data=text)
        self.finished = playback.ticket

    async def wait_for_turn(self, playback: Playback, gap: float) -> None:
        if playback.finish:
            return
        delay = min(FRAME_SECONDS + max(gap, 0.0) * SIMULATED_TO_WALL, MAX_GAP_SECONDS)
        delay *= playback.squeeze
        waited = 0.0
        while True:
            if playback.finish:
                return
            if playback.paused:
                if playback.step_once:
                    playback.step_once = False
                    return
                playback.wake.clear()
                await playback.wake.wait()
                continue
            remaining = delay / playback.speed - waited
            if remaining <= 0:
                return
            playback.wake.clear()
            started = asyncio.get_running_loop().time()
            try:
                await asyncio.wait_for(playback.wake.wait(), timeout=remaining)
            except TimeoutError:
                return
            waited += asyncio.get_running_loop().time() - started


# Daphne (autobahn) will not send a websocket message over 1 MiB, and says nothing when it
# refuses: keep the result frame well under that.
RESULT_BUDGET_BYTES = 900 * 1024
DESCRIBED_PODS = 30
LISTED_PULLS = 100
MAX_CONCURRENT_EVALUATIONS = 2
_EVALUATION_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


def _evaluations() -> asyncio.Semaphore:
    """At most a couple of evaluations at once per process: they share the GIL with the event
    loop that serves every socket, so a burst of runs queues instead of starving the rest.
    (One semaphore per event loop: a semaphore belongs to the loop it first waits on.)"""
    loop = asyncio.get_running_loop()
    slots = _EVALUATION_SLOTS.get(loop)
    if slots is None:
        slots = _EVALUATION_SLOTS[loop] = asyncio.Semaphore(MAX_CONCURRENT_EVALUATIONS)
    return slots


def result_frame(run: int, trace: Trace, rest: list[dict[str, Any]],
                 goals: list[dict[str, Any]] | None) -> str:
    """The `result` frame as JSON text, trimmed to fit RESULT_BUDGET_BYTES (runs in a thread).

    Steps and events already went out in step frames, so the trace is sent without them; the
    describe text covers the first DESCRIBED_PODS pods and pulls the first LISTED_PULLS. If a
    huge run is still too big, the per-pod detail goes next, and `truncated` says what was cut.
    """
    data = trace.to_dict()
    truncated: list[str] = ["trace.steps", "trace.events"]  # sent already, as step frames
    data["steps"], data["events"] = [], []
    shown = trace.pods[:DESCRIBED_PODS]
    describe = report.describe_pods(replace(trace, pods=shown))
    if len(trace.pods) > DESCRIBED_PODS:
        describe += (f"\n\n# … and {len(trace.pods) - DESCRIBED_PODS} more pods "
                     "(kubectl describe pod <name> shows one)")
        truncated.append("describe")
    pulls = [{"node": p.node, "pod": p.pod, "image": p.image,
              "lines": report.docker_pull_lines(p), "log": report.docker_pull_log(p)}
             for p in trace.pulls[:LISTED_PULLS]]
    if len(trace.pulls) > LISTED_PULLS:
        truncated.append("pulls")
    frame: dict[str, Any] = {
        "version": PROTOCOL_VERSION, "type": "result", "run": run, "trace": data,
        "events": rest, "describe": describe, "get_pods": report.get_pods(trace),
        "goals": goals, "pulls": pulls, "truncated": truncated,
    }
    text = json.dumps(frame)
    if len(text.encode()) <= RESULT_BUDGET_BYTES:
        return text
    for pod in data["pods"]:
        pod["scheduling"] = []
    data["pulls"] = data["pulls"][:LISTED_PULLS]
    for pull in data["pulls"]:
        pull["exchanges"] = []
    for entry in pulls:
        entry["log"] = []
    truncated += ["trace.pods.scheduling", "trace.pulls", "pulls.log"]
    text = json.dumps(frame)
    if len(text.encode()) <= RESULT_BUDGET_BYTES:
        return text
    data["pods"] = data["pods"][:DESCRIBED_PODS]
    data["diagrams"] = {"flow": data["diagrams"].get("flow", "")}
    frame["pulls"] = pulls[:20]
    frame["get_pods"] = "\n".join(frame["get_pods"].splitlines()[:DESCRIBED_PODS + 1])
    truncated += ["trace.pods", "trace.diagrams", "get_pods"]
    return json.dumps(frame)


# A browser that must draw thousands of frames falls behind (and a learner cannot read them):
# for a long run, send the first FIRST_STEP_FRAMES and the last LAST_STEP_FRAMES steps only.
FIRST_STEP_FRAMES = 1000
LAST_STEP_FRAMES = 500


def _skipped_range(count: int) -> tuple[int, int]:
    """The [from, to) step indexes not sent as frames; empty for a run of ordinary size."""
    if count <= FIRST_STEP_FRAMES + LAST_STEP_FRAMES:
        return count, count
    return FIRST_STEP_FRAMES, count - LAST_STEP_FRAMES


def _step_dict(step: Any) -> dict[str, Any]:
    return {"time": step.time, "flow": step.flow, "text": step.text, "pod": step.pod,
            "container": step.container, "node": step.node, "outcome": step.outcome}


def _event_dict(event: Any) -> dict[str, Any]:
    return {"time": event.time, "type": event.type, "reason": event.reason,
            "message": event.message, "pod": event.pod, "source": event.source,
            "field_path": event.field_path,
            "recorded": None if event.recorded is None else dataclasses.asdict(event.recorded)}
