"""Predict mode on the sandbox socket: playback stops at each question, answers are checked by
the server on its own questions, and the score reaches the learner's progress."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from sandbox_socket import connect, send

from lessons.models import Challenge, Lesson, Progress, Scenario

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

CACHED = """\
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


async def until(communicator: WebsocketCommunicator, *kinds: str) -> list[dict[str, Any]]:
    """Frames up to and including the first of one of `kinds`."""
    frames = []
    while True:
        frames.append(await receive(communicator))
        if frames[-1]["type"] in kinds:
            return frames


@pytest.fixture
def two_nodes(db: None) -> Scenario:
    return Scenario.objects.create(slug="two-nodes", title="Two nodes", source=TWO_NODES)


async def test_playback_stops_at_each_question_until_it_is_answered(two_nodes) -> None:
    communicator = await connect()
    await send(communicator, type="run", manifest=CACHED, scenario="two-nodes", speed=16,
               predict=True)
    frames = await until(communicator, "question")
    asked = frames[-1]["question"]
    assert asked["number"] == 1 and asked["total"] == 2 and "answer" not in asked
    assert [f["step"]["flow"] for f in frames if f["type"] == "step"] == ["schedule", "start",
                                                                         "parse"]
    assert await communicator.receive_nothing(timeout=0.3)  # waits for the answer
    await send(communicator, type="predict", run=frames[0]["run"], id=asked["id"],
               choice="Always")
    reveal = await receive(communicator)
    assert reveal["type"] == "reveal" and reveal["right"] is False
    assert reveal["answer"] == "IfNotPresent" and "pulls only when it is not" in \
        reveal["explanation"]
    assert await communicator.receive_nothing(timeout=0.3)  # the reveal is being read
    await send(communicator, type="control", action="resume")
    frames = await until(communicator, "question")
    assert frames[0]["step"]["flow"] == "policy"  # the step the question was about
    second = frames[-1]["question"]
    await send(communicator, type="predict", run=reveal["run"], id=second["id"], choice="use")
    assert (await receive(communicator))["right"] is True
    await send(communicator, type="control", action="step")
    frames = await until(communicator, "score")
    assert frames[-2]["type"] == "result"
    assert frames[-1]["score"] == {"right": 1, "answered": 2, "total": 2}
    assert frames[-1]["goals"] is None  # free play
    await communicator.disconnect()


@pytest.mark.parametrize(("answer", "why"), [
    ({"run": 99, "id": "q1", "choice": "Never"}, "run must be the number"),
    ({"id": "q1", "choice": "Never"}, "run must be the number"),
    ({"run": 1, "id": "q42", "choice": "Never"}, "no question with that id"),
    ({"run": 1, "id": "x" * 5000, "choice": "Never"}, "id must be"),
    ({"run": 1, "id": "q1", "choice": "Maybe"}, "choice must be"),
    ({"run": 1, "id": "q1", "choice": ["Never"]}, "choice must be"),
])
async def test_an_answer_to_anything_but_this_runs_questions_is_refused(
        two_nodes, answer: dict[str, Any], why: str) -> None:
    communicator = await connect()
    await send(communicator, type="run", manifest=CACHED, scenario="two-nodes", speed=16,
               predict=True)
    await until(communicator, "question")
    await send(communicator, type="predict", **answer)
    error = await receive(communicator)
    assert error["type"] == "error" and why in error["message"]
    await communicator.disconnect()


async def test_a_question_is_answered_once_and_finish_skips_the_rest(two_nodes) -> None:
    communicator = await connect()
    await send(communicator, type="run", manifest=CACHED, scenario="two-nodes", speed=16,
               predict=True)
    await until(communicator, "question")
    await send(communicator, type="predict", run=1, id="q1", choice="IfNotPresent")
    assert (await receive(communicator))["right"] is True
    await send(communicator, type="predict", run=1, id="q1", choice="Never")
    frames = await until(communicator, "error", "question")
    assert any(f["type"] == "error" and "answered already" in f["message"] for f in frames)
    await send(communicator, type="control", action="finish")
    frames = await until(communicator, "score")
    assert frames[-1]["score"] == {"right": 1, "answered": 1, "total": 2}
    await send(communicator, type="predict", run=1, id="q2", choice="use")
    assert "score is counted" in (await receive(communicator))["message"]
    await communicator.disconnect()


async def test_without_predict_nothing_is_asked_and_answers_are_refused(two_nodes) -> None:
    communicator = await connect()
    await send(communicator, type="run", manifest=CACHED, scenario="two-nodes", speed=16)
    frames = await until(communicator, "result")
    assert {f["type"] for f in frames} == {"accepted", "step", "result"}
    await send(communicator, type="predict", run=1, id="q1", choice="Never")
    assert "no run in predict mode" in (await receive(communicator))["message"]
    await send(communicator, type="run", manifest=CACHED, speed=16, predict="yes")
    assert "predict must be true or false" in (await receive(communicator))["message"]
    await communicator.disconnect()


async def test_the_score_meets_a_predictions_goal_and_is_stored_on_progress(two_nodes) -> None:
    lesson = await Lesson.objects.acreate(slug="policies", title="Policies", body="", order=1,
                                          published=True, scenario=two_nodes)
    challenge = await Challenge.objects.acreate(
        lesson=lesson, slug="predict", title="Predict", prompt="Predict it",
        scenario=two_nodes, goals="- allPodsRunning: true\n- predictions: {min_right: 2}\n")
    communicator = await connect()
    await send(communicator, type="run", manifest=CACHED, challenge="policies/predict",
               speed=16, predict=True)
    for choice in ("IfNotPresent", "use"):
        asked = (await until(communicator, "question"))[-1]["question"]
        await send(communicator, type="predict", run=1, id=asked["id"], choice=choice)
        await send(communicator, type="control", action="resume")
    frames = await until(communicator, "score")
    result = next(f for f in frames if f["type"] == "result")
    assert [g["passed"] for g in result["goals"]] == [True, False]  # checked before predicting
    assert [g["passed"] for g in frames[-1]["goals"]] == [True, True]
    assert frames[-1]["goals"][1]["seen"] == "2 of 2 right"
    progress = await Progress.objects.aget(challenge=challenge)
    assert (progress.prediction_right, progress.prediction_total) == (2, 2)
    assert progress.status == Progress.Status.PASSED and progress.attempts == 1
    assert progress.last_goals[1]["seen"] == "2 of 2 right"
    await communicator.disconnect()
