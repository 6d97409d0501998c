"""The sandbox websocket through the real ASGI application and URL router."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from sandbox_socket import connect, send

from lessons.models import Scenario
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

TWO_NODES = """\
name: Two nodes
description: nginx:1.25 is already on node-1.
nodes:
  - name: node-1
    images:
      - nginx:1.25
  - name: node-2
"""

STARTER = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeName: node-1
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
"""



async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    return json.loads(await communicator.receive_from(timeout=10))


async def run_to_result(communicator: WebsocketCommunicator) -> list[dict[str, Any]]:
    frames = []
    while True:
        frame = await receive(communicator)
        frames.append(frame)
        if frame["type"] in ("result", "error"):
            return frames


@pytest.fixture
def two_nodes(db: None) -> Scenario:
    return Scenario.objects.create(slug="two-nodes", title="Two nodes", source=TWO_NODES)


async def test_run_streams_accepted_steps_then_result_with_cached_image_event(two_nodes) -> None:
    communicator = await connect()
    await send(communicator, type="run", manifest=STARTER, scenario="two-nodes", speed=16)
    frames = await run_to_result(communicator)
    kinds = [f["type"] for f in frames]
    assert kinds[0] == "accepted" and kinds[-1] == "result", frames[0]
    assert set(kinds[1:-1]) == {"step"}
    accepted = frames[0]
    assert accepted["version"] == 1
    assert accepted["diagrams"]["flow"].lstrip("-\n").find("flowchart") >= 0
    assert accepted["steps"] == len(frames) - 2
    flows = [f["step"]["flow"] for f in frames[1:-1]]
    assert "cached" in flows and "pull" not in flows
    events = [e for f in frames[1:-1] for e in f["events"]] + frames[-1]["events"]
    messages = [e["message"] for e in events]
    assert any(m.startswith('Container image "nginx:1.25" already present on machine')
               for m in messages)
    result = frames[-1]
    assert result["trace"]["pods"][0]["status"] == "Running"
    assert "web" in result["get_pods"] and "Events:" in result["describe"]
    await communicator.disconnect()


async def test_the_result_sends_the_charts_but_no_flowchart_the_page_does_not_draw(
        two_nodes) -> None:
    """The page lights one pod's path on `accepted`'s chart: an all-pods one would go unread."""
    communicator = await connect()
    pulled = STARTER.replace("nginx:1.25", "nginx:1.27")
    await send(communicator, type="run", manifest=pulled, scenario="two-nodes", speed=16)
    frames = await run_to_result(communicator)
    assert "\nflowchart TD\n" in frames[0]["diagrams"]["flow"]
    result = frames[-1]
    assert sorted(result["trace"]["diagrams"]) == ["layers", "pulls", "registry"]
    await communicator.disconnect()


async def test_finish_control_sends_every_remaining_frame_at_once(two_nodes) -> None:
    communicator = await connect()
    await send(communicator, type="run", manifest=STARTER, scenario="two-nodes", speed=0.25)
    accepted = await receive(communicator)
    await send(communicator, type="control", action="finish")
    frames = await run_to_result(communicator)
    assert frames[-1]["type"] == "result"
    assert len([f for f in frames if f["type"] == "step"]) == accepted["steps"]
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_message"),
        ("[1, 2]", "bad_message"),
        ('{"type": "run", "manifest": "x"}', "bad_message"),
        ('{"version": 2, "type": "run", "manifest": "x"}', "bad_message"),
        ('{"version": 1, "type": "launch"}', "bad_message"),
        ('{"version": 1, "type": "run", "manifest": 42}', "bad_message"),
        ('{"version": 1, "type": "run", "manifest": "a: b", "speed": "fast"}', "bad_message"),
        ('{"version": 1, "type": "control", "action": "pause"}', "bad_message"),
        ('{"version": 1, "type": "run", "manifest": "a: b", "scenario": "nope"}',
         "unknown_scenario"),
        ("[" * 100_000, "bad_message"),
    ],
    ids=["not-json", "not-object", "no-version", "wrong-version", "unknown-type",
         "manifest-not-string", "speed-not-number", "control-before-run", "unknown-scenario",
         "deeply-nested-json"],
)
async def test_bad_message_gets_an_error_frame_and_the_socket_stays_open(
    raw: str, code: str
) -> None:
    communicator = await connect()
    await communicator.send_to(text_data=raw)
    frame = await receive(communicator)
    assert frame["type"] == "error" and frame["code"] == code, frame
    assert frame["message"]
    await send(communicator, type="ping")
    assert (await receive(communicator))["type"] == "pong"
    await communicator.disconnect()


async def test_oversized_message_is_refused_with_too_large() -> None:
    communicator = await connect()
    await send(communicator, type="run", manifest="a: " + "x" * (400 * 1024))
    frame = await receive(communicator)
    assert frame["code"] == "too_large"
    await communicator.disconnect()


async def test_invalid_manifest_error_carries_line_and_column() -> None:
    communicator = await connect()
    manifest = STARTER.replace("imagePullPolicy: IfNotPresent", "imagePullPolicy: always")
    await send(communicator, type="run", manifest=manifest)
    frame = await receive(communicator)
    assert frame["type"] == "error" and frame["code"] == "invalid_manifest"
    problem = frame["problems"][0]
    assert problem["line"] == 10 and problem["column"] > 1
    assert "Always" in problem["message"]
    await communicator.disconnect()


async def test_yaml_syntax_error_is_positioned() -> None:
    communicator = await connect()
    await send(communicator, type="run", manifest="kind: Pod\nmetadata:\n  name: [web\n")
    frame = await receive(communicator)
    assert frame["code"] == "invalid_manifest"
    assert all(p["line"] for p in frame["problems"])
    await communicator.disconnect()


async def test_binary_frame_gets_an_error() -> None:
    communicator = await connect()
    await communicator.send_to(bytes_data=b"\x00\x01")
    frame = await receive(communicator)
    assert frame["code"] == "bad_message"
    await communicator.disconnect()


async def test_socket_from_a_foreign_origin_is_refused() -> None:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/",
                                         headers=[(b"origin", b"http://evil.example")])
    connected, _ = await communicator.connect()
    assert not connected


async def test_challenge_goals_are_checked_on_the_trace_and_sent_with_the_result(two_nodes) -> None:
    from lessons.models import Challenge, Lesson

    lesson = await Lesson.objects.acreate(slug="policies", title="Policies", body="", order=1,
                                          published=True, scenario=two_nodes)
    await Challenge.objects.acreate(
        lesson=lesson, slug="no-pull", title="No pull", prompt="Start without pulling",
        scenario=two_nodes, goals="- allPodsRunning: true\n- noRegistryPulls: true\n")
    communicator = await connect()
    await send(communicator, type="run", manifest=STARTER, challenge="policies/no-pull", speed=16)
    frames = await run_to_result(communicator)
    goals = frames[-1]["goals"]
    assert [g["passed"] for g in goals] == [True, True]
    pulling = STARTER.replace("IfNotPresent", "Always")
    await send(communicator, type="run", manifest=pulling, challenge="policies/no-pull", speed=16)
    frames = await run_to_result(communicator)
    by_goal = {g["goal"]: g for g in frames[-1]["goals"]}
    assert by_goal["no image is pulled from a registry"]["passed"] is False
    assert "nginx:1.25 on node-1" in by_goal["no image is pulled from a registry"]["seen"]
    await communicator.disconnect()


async def test_unknown_challenge_is_an_error_frame() -> None:
    communicator = await connect()
    await send(communicator, type="run", manifest=STARTER, challenge="nope/nothing")
    frame = await receive(communicator)
    assert frame["code"] == "unknown_challenge"
    await communicator.disconnect()


async def test_pasted_kubectl_secret_command_creates_the_secret_and_shows_it_masked() -> None:
    from lessons.models import Scenario as ScenarioModel

    source = open("lessons/content/scenarios/private-registry.yaml").read()
    await ScenarioModel.objects.acreate(slug="private-registry", title="Private", source=source)
    command = ("kubectl create secret docker-registry regcred "
               "--docker-server=registry.company.com --docker-username=myuser "
               "--docker-password='mypass123' --docker-email=me@example.com\n")
    communicator = await connect()
    await send(communicator, type="run", manifest=command, scenario="private-registry", speed=16)
    frames = await run_to_result(communicator)
    accepted = frames[0]
    assert accepted["type"] == "accepted", accepted
    assert [c["kind"] for c in accepted["created"]] == ["Secret"]
    assert "regcred" in accepted["created"][0]["yaml"]
    assert "mypass123" not in json.dumps(frames)
    await send(communicator, type="run", manifest="kubectl expose pod web --port=80\n")
    error = await receive(communicator)
    assert error["code"] == "invalid_manifest"
    assert "not supported here" in error["problems"][0]["message"]
    assert error["problems"][0]["line"] == 1
    await communicator.disconnect()


def test_a_huge_run_result_frame_stays_under_the_websocket_message_limit() -> None:
    from sandbox.engine import default_scenario, evaluate
    from sandbox.run_frames import RESULT_BUDGET_BYTES, result_frame

    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
        "  replicas: 300\n  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
        "        - {name: web, image: \"nginx:no-such-tag\"}\n")
    text = result_frame(1, evaluate(manifest, default_scenario()), [])
    frame = json.loads(text)
    assert len(text.encode()) <= RESULT_BUDGET_BYTES
    assert frame["type"] == "result" and "describe" in frame["truncated"]
    assert frame["trace"]["steps"] == [] and frame["describe"].count("Name:") <= 30


async def test_a_challenge_of_an_unpublished_lesson_is_unknown_to_learners(two_nodes) -> None:
    from lessons.models import Challenge, Lesson

    lesson = await Lesson.objects.acreate(slug="draft", title="Draft", body="", order=1,
                                          published=False, scenario=two_nodes)
    await Challenge.objects.acreate(lesson=lesson, slug="secret-goals", title="Draft",
                                    prompt="…", scenario=two_nodes,
                                    goals="- allPodsRunning: true\n")
    communicator = await connect()
    await send(communicator, type="run", manifest=STARTER, challenge="draft/secret-goals")
    frame = await receive(communicator)
    assert frame["code"] == "unknown_challenge"
    await communicator.disconnect()


async def test_an_error_echoing_a_huge_paste_stays_a_small_error_frame() -> None:
    """Problems may quote what was pasted: 200 containers with 600-character names give many
    positioned problems; the frame keeps what fits in 4 KB, cuts each text and counts the rest."""
    name = "n" * 600
    containers = "".join(f"    - {{name: {name}{i}, image: nginx}}\n" for i in range(200))
    manifest = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                + containers)
    communicator = await connect()
    await send(communicator, type="run", manifest=manifest)
    text = await communicator.receive_from(timeout=10)
    error = json.loads(text)
    assert error["type"] == "error" and error["code"] == "invalid_manifest"
    *shown, more = error["problems"]
    assert len(shown) >= 2 and shown[0]["line"] == 6
    assert all(len(p["message"]) <= 501 for p in shown)
    assert any(p["message"].endswith("…") for p in shown)
    assert more["message"].startswith("… and ") and more["message"].endswith(" more problems")
    assert len(text) < 4000
    await send(communicator, type="ping")
    assert (await receive(communicator))["type"] == "pong"
    await communicator.disconnect()


def test_an_error_frame_keeps_what_fits_in_4_kb_and_counts_the_rest() -> None:
    from sandbox.protocol import ERROR_FRAME_BYTES, error_frame

    problems = [{"message": "x" * 5000, "line": i, "column": 1, "path": None,
                 "severity": "error", "hint": "y" * 5000} for i in range(1, 201)]
    frame = error_frame("invalid_manifest", "m" * 5000, problems)
    *shown, more = frame["problems"]
    assert [p["line"] for p in shown] == list(range(1, len(shown) + 1)) and shown
    assert more["message"] == f"… and {200 - len(shown)} more problems"
    assert len(json.dumps(frame)) <= ERROR_FRAME_BYTES
    assert len(frame["message"]) == 501


def test_a_step_frame_after_a_skipped_stretch_carries_a_bounded_number_of_events() -> None:
    from sandbox.engine.trace import Event, Step
    from sandbox.run_frames import STEP_EVENTS, step_frame

    events = [Event(float(i), "Warning", "BackOff", "Back-off pulling image \"x\"", "default/p",
                    "kubelet", None, i) for i in range(3000)]
    frame = step_frame(1, 1999, Step(0.0, "backoff_wait", "…"), events)
    assert len(frame["events"]) == STEP_EVENTS
    assert frame["skipped_events"] == 3000 - STEP_EVENTS
    assert frame["events"][-1]["time"] == 2999.0  # the newest are the ones kept
    assert len(json.dumps(frame)) < 1024 * 1024
