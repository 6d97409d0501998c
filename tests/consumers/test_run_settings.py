"""A run's cluster `settings` over a real socket (issue 11, docs/protocol.md): applied where the
scenario allows them and echoed in `accepted`, refused with the setting named, hostile shapes
answered with `bad_message`; the socket stays open throughout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from lessons.models import Scenario
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

SHARED_NODE = (Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"
               / "shared-node.yaml").read_text()
GATE = "kubelet.featureGates.KubeletEnsureSecretPulledImages"
POLICY = "kubelet.imagePullCredentialsVerificationPolicy"
ALWAYS_PULL = "admission.alwaysPullImages"
ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]
TWO_TEAMS = """\
apiVersion: v1
kind: Pod
metadata: {name: payments, namespace: team-a}
spec:
  imagePullSecrets: [{name: payments-pull}]
  containers: [{name: api, image: registry.company.com/payments/api:1.4}]
---
apiVersion: v1
kind: Pod
metadata: {name: reports, namespace: team-b}
spec:
  containers:
    - {name: api, image: registry.company.com/payments/api:1.4, imagePullPolicy: Never}
"""


@pytest.fixture
def shared_node(db: None) -> Scenario:
    return Scenario.objects.create(slug="shared-node", title="Shared node", source=SHARED_NODE)


async def connect() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def run(communicator: WebsocketCommunicator, **extra: Any) -> list[dict[str, Any]]:
    message = {"version": 1, "type": "run", "manifest": TWO_TEAMS, "scenario": "shared-node",
               "speed": 16, **extra}
    await communicator.send_to(text_data=json.dumps(message))
    frames = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout=20))
        frames.append(frame)
        if frame["type"] in ("result", "error"):
            return frames


def reports_status(result: dict[str, Any]) -> str:
    pod = next(p for p in result["trace"]["pods"] if p["name"] == "reports")
    return str(pod["status"])


async def test_settings_change_the_outcome_and_are_echoed(shared_node) -> None:
    communicator = await connect()
    plain = await run(communicator)
    assert plain[0]["settings"] == {GATE: False, POLICY: "NeverVerify", ALWAYS_PULL: False}
    assert reports_status(plain[-1]) == "Running"
    gated = await run(communicator, settings={GATE: True})
    assert gated[0]["type"] == "accepted"
    assert gated[0]["settings"] == {GATE: True, POLICY: "NeverVerifyPreloadedImages",
                                    ALWAYS_PULL: False}
    assert gated[-1]["trace"]["settings"] == [[GATE, True], [POLICY, "NeverVerifyPreloadedImages"],
                                              [ALWAYS_PULL, False]]
    assert reports_status(gated[-1]) == "ErrImageNeverPull"
    await communicator.disconnect()


async def test_a_setting_the_kubelet_refuses_is_an_error_naming_it(shared_node) -> None:
    communicator = await connect()
    (error,) = await run(communicator, settings={POLICY: "AlwaysVerify"})
    assert error["type"] == "error" and error["code"] == "invalid_settings"
    (problem,) = error["problems"]
    assert problem["path"] == POLICY and problem["line"] is None
    assert "must not be set if KubeletEnsureSecretPulledImages feature gate is not enabled" in (
        problem["message"])
    frames = await run(communicator, settings={GATE: True, POLICY: "AlwaysVerify"})
    assert frames[0]["settings"][POLICY] == "AlwaysVerify"  # the socket stays open
    await communicator.disconnect()


async def test_a_setting_the_scenario_does_not_offer_is_refused(shared_node) -> None:
    communicator = await connect()
    (error,) = await run(communicator, settings={"kubelet.serializeImagePulls": False})
    assert error["code"] == "invalid_settings"
    assert error["problems"][0]["message"] == (
        "this scenario does not let learners change kubelet.serializeImagePulls")
    (error,) = await run(communicator, scenario=None, settings={GATE: True})
    assert error["code"] == "invalid_settings"
    assert error["problems"][0]["hint"] == "its cluster settings are fixed"
    await communicator.disconnect()


@pytest.mark.parametrize("settings", [
    "gate on", [GATE, True], {"kubelet.unknown": True}, {"x" * 10_000: True},
    {GATE: {"nested": True}}, {GATE: 1}, {POLICY: "A" * 65}, {GATE: [True]},
    {f"k{i}": True for i in range(50)},
])
async def test_hostile_settings_are_bad_messages(shared_node, settings: Any) -> None:
    communicator = await connect()
    (error,) = await run(communicator, settings=settings)
    assert error["code"] == "bad_message", error
    assert len(json.dumps(error)) < 4000
    frames = await run(communicator)
    assert frames[0]["type"] == "accepted"
    await communicator.disconnect()


async def console(communicator: WebsocketCommunicator, **message: Any) -> dict[str, Any]:
    await communicator.send_to(text_data=json.dumps(
        {"version": 1, "type": "console", "scenario": "shared-node", **message}))
    return json.loads(await communicator.receive_from(timeout=20))


@pytest.mark.parametrize(("settings", "status"), [
    (None, "Running"), ({GATE: True}, "ErrImageNeverPull")])
async def test_the_console_cluster_takes_the_settings_of_each_command(
    shared_node, settings: Any, status: str
) -> None:
    communicator = await connect()
    extra = {} if settings is None else {"settings": settings}
    await console(communicator, action="open", **extra)
    applied = await console(communicator, action="command", line="kubectl apply -f -",
                            manifest=TWO_TEAMS, **extra)
    assert applied["exit_code"] == 0, applied
    waited = await console(communicator, action="command", line="sleep 60", **extra)
    row = next(line for line in waited["pods"].splitlines() if "reports" in line)
    assert status in row, waited["pods"]
    await communicator.disconnect()


async def test_a_console_command_with_refused_settings_is_an_error(shared_node) -> None:
    communicator = await connect()
    refused = await console(communicator, action="open", settings={POLICY: "AlwaysVerify"})
    assert refused["type"] == "error" and refused["code"] == "invalid_settings"
    bad = await console(communicator, action="open", settings={"nope": 1})
    assert bad["code"] == "bad_message"
    await communicator.disconnect()
