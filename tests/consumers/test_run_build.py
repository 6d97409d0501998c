"""A run's `build` field through the real ASGI application: checked, built, pushed, deployed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from lessons.models import Scenario
from sandbox.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]

PRIVATE = """\
name: Private registry
nodes:
  - name: node-a
  - name: node-b
registries:
  - host: registry.company.com
    private: true
    accounts: [{username: myuser, password: mypass123}]
objects:
  - apiVersion: v1
    kind: Secret
    metadata: {name: company-registry-secret}
    type: kubernetes.io/dockerconfigjson
    stringData:
      .dockerconfigjson: >-
        {"auths":{"registry.company.com":{"username":"myuser","password":"mypass123"}}}
"""

COPY_FIRST = """\
FROM python:3.12-slim
WORKDIR /app
COPY app.py .
RUN pip install flask
CMD ["python", "app.py"]
"""

PUSH = "registry.company.com/webapp:v3"
ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


def pod(policy: str) -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata: {{name: web}}
spec:
  nodeName: node-a
  imagePullSecrets: [{{name: company-registry-secret}}]
  containers:
    - name: web
      image: {PUSH}
      imagePullPolicy: {policy}
"""


def build(**fields: Any) -> dict[str, Any]:
    return {"dockerfile": COPY_FIRST, "files": {"app.py": {"before": "v1", "after": "v2"}},
            "push": PUSH, **fields}


async def connect() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/sandbox/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def run(communicator: WebsocketCommunicator, **message: Any) -> list[dict[str, Any]]:
    """Send a run at full speed and collect frames up to its result or error."""
    await communicator.send_to(text_data=json.dumps(
        {"version": 1, "type": "run", "scenario": "private", "speed": 16, **message}))
    frames = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout=10))
        frames.append(frame)
        if frame["type"] in ("result", "error"):
            return frames


async def still_open(communicator: WebsocketCommunicator) -> None:
    await communicator.send_to(text_data='{"version": 1, "type": "ping"}')
    assert json.loads(await communicator.receive_from(timeout=10))["type"] == "pong"


@pytest.fixture
def private(db: None) -> Scenario:
    return Scenario.objects.create(slug="private", title="Private", source=PRIVATE)


async def test_accepted_lists_the_build_steps_with_the_changed_layers(private: Scenario) -> None:
    communicator = await connect()
    frames = await run(communicator, manifest=pod("Always"), build=build())
    accepted = frames[0]
    assert accepted["type"] == "accepted", accepted
    summary = accepted["build"]
    assert summary["reference"] == PUSH and summary["preloaded"] is True
    rows = [(s["line"], s["instruction"], s["changed"]) for s in summary["steps"]]
    assert rows == [(1, "FROM", False), (2, "WORKDIR", False), (3, "COPY", True),
                    (4, "RUN", True), (5, "CMD", False)]
    assert 10_000_000 < summary["changed_bytes"] < summary["after_size"]
    result = frames[-1]
    [pull] = result["trace"]["pulls"]
    assert pull["bytes"] == summary["changed_bytes"]
    assert pull["digest"] == summary["digest"]
    await communicator.disconnect()


async def test_if_not_present_on_the_same_tag_runs_the_old_build_without_pulling(
    private: Scenario,
) -> None:
    communicator = await connect()
    frames = await run(communicator, manifest=pod("IfNotPresent"), build=build())
    assert frames[0]["build"]["changed_bytes"] > 0
    assert frames[-1]["trace"]["pulls"] == []
    await communicator.disconnect()


async def test_a_plain_version_string_means_the_file_did_not_change(private: Scenario) -> None:
    communicator = await connect()
    frames = await run(communicator, manifest=pod("Always"),
                       build=build(files={"app.py": "v1"}, preloaded=False))
    summary = frames[0]["build"]
    assert summary["changed_bytes"] == 0 and summary["preloaded"] is False
    [pull] = frames[-1]["trace"]["pulls"]
    assert pull["bytes"] == summary["after_size"]
    await communicator.disconnect()


async def test_a_run_without_build_has_build_null(private: Scenario) -> None:
    communicator = await connect()
    frames = await run(communicator, manifest=pod("Always"))
    assert frames[0]["type"] == "accepted" and frames[0]["build"] is None
    await communicator.disconnect()


async def test_dockerfile_problems_come_back_with_line_and_column(private: Scenario) -> None:
    communicator = await connect()
    frames = await run(communicator, manifest=pod("Always"),
                       build=build(dockerfile="FROM python:3.12-slim\nRUNN pip install flask\n"))
    [error] = frames
    assert error["type"] == "error" and error["code"] == "invalid_build", error
    [problem] = error["problems"]
    assert (problem["line"], problem["column"], problem["path"]) == (2, 1, "build.dockerfile")
    assert "unknown instruction: RUNN" in problem["message"]
    await still_open(communicator)
    await communicator.disconnect()


async def test_an_unknown_registry_is_refused_with_the_registries_to_choose_from(
    private: Scenario,
) -> None:
    communicator = await connect()
    frames = await run(communicator, manifest=pod("Always"), build=build(push="quay.io/me/a:1"))
    [error] = frames
    assert error["code"] == "invalid_build"
    [problem] = error["problems"]
    assert problem["line"] is None and problem["path"] == "build.push"
    assert "registry.company.com" in problem["hint"] and "docker.io" in problem["hint"]
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("FROM x", "bad_message", "build must be an object"),
        ({"files": {}}, "bad_message", "build.dockerfile must be a string"),
        (build(dockerfile=["FROM x"]), "bad_message", "build.dockerfile must be a string"),
        (build(dockerfile="#" * (64 * 1024 + 1)), "too_large", "64 KiB"),
        (build(files=["app.py"]), "bad_message", "build.files must be an object"),
        (build(files={"app.py": 2}), "bad_message", "build.files[\"app.py\"]"),
        (build(files={"app.py": {"before": "v1"}}), "bad_message", "before"),
        (build(files={"app.py": {"before": "v1", "after": None}}), "bad_message", ".after"),
        (build(files={"app.py": {"before": "v1", "after": {"x": []}}}), "bad_message",
         ".after"),
        (build(files={f"f{i}": "v1" for i in range(51)}), "bad_message", "at most 50"),
        (build(files={"": "v1"}), "bad_message", "build.files name"),
        (build(files={"app.py": "v" * 256}), "bad_message", "1 to 255"),
        (build(push=3), "bad_message", "build.push"),
        (build(push="x" * 300), "bad_message", "build.push"),
        (build(preloaded="yes"), "bad_message", "build.preloaded"),
        (build(architecture=64), "bad_message", "build.architecture"),
        (build(context="."), "bad_message", "no field 'context'"),
        (build(files={"../etc/passwd": "v1"}), "invalid_build", "build context"),
        (build(files={"app.py": "v\u00001"}), "invalid_build", "printable"),
        (build(push="docker.io/library/python:3.12-slim"), "invalid_build",
         "official images are not yours to push"),
        (build(push="registry.company.com/App:v1"), "invalid_build", "lowercase"),
        (build(architecture="riscv64"), "invalid_build", "architecture"),
        (build(dockerfile=""), "invalid_build", "cannot be empty"),
        (build(dockerfile="FROM python:3.12-slim\n" + "RUN true\n" * 600), "invalid_build",
         "more than 500 instructions"),
        (build(dockerfile="\udcff\x00FROM \u202e scratch"), "invalid_build", ""),
    ],
    ids=["not-object", "no-dockerfile", "dockerfile-list", "dockerfile-too-large",
         "files-list", "version-number", "versions-half", "version-null", "version-nested",
         "too-many-files", "empty-file-name", "long-version", "push-number", "push-long",
         "preloaded-string", "architecture-number", "unknown-field", "file-outside-context",
         "version-control-character", "official-image", "uppercase-push",
         "unknown-architecture", "empty-dockerfile", "too-many-instructions",
         "hostile-characters"],
)
async def test_a_bad_build_gets_an_error_frame_and_the_socket_stays_open(
    private: Scenario, value: Any, code: str, words: str,
) -> None:
    communicator = await connect()
    message = json.dumps({"version": 1, "type": "run", "scenario": "private",
                          "manifest": pod("Always"), "build": value})
    await communicator.send_to(text_data=message)
    frame = json.loads(await communicator.receive_from(timeout=10))
    assert frame["type"] == "error" and frame["code"] == code, frame
    text = frame["message"] + " ".join(p["message"] for p in frame["problems"])
    assert words in text
    await still_open(communicator)
    await communicator.disconnect()
