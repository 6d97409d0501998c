"""Scaled out: two daphne processes sharing a real PostgreSQL and a real Redis channel layer.

A learner and the instructor's board on different processes must still see each other: the
board hears runs through Redis, and progress lands in PostgreSQL under the learner's session.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from ruamel.yaml import YAML
from wsclient import Closed, WebSocket

if TYPE_CHECKING:
    from conftest import Cluster, Server

pytestmark = [pytest.mark.scale]

REPO = Path(__file__).resolve().parents[2]
CHALLENGE = "pull-policies/start-without-pulling"
PULLING = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
"""


def shipped_solution() -> str:
    """The solution of the shipped challenge, as lessons/content/pull-policies.yaml has it."""
    course = YAML(typ="safe", pure=True).load(REPO / "lessons/content/pull-policies.yaml")
    [challenge] = [c for c in course["challenges"] if c["slug"] == "start-without-pulling"]
    return str(challenge["solution"])


async def open_socket(server: Server, path: str, session: str | None = None) -> WebSocket:
    return await WebSocket.connect(server.ws + path, server.headers(session))


async def run_to_result(socket: WebSocket, manifest: str, **fields: Any) -> list[dict[str, Any]]:
    """Send a run, ask for every frame at once, and return the frames up to the result."""
    await socket.send_json({"version": 1, "type": "run", "manifest": manifest, "speed": 16,
                            **fields})
    frames = [await socket.receive_json()]
    assert frames[0]["type"] == "accepted", frames[0]
    await socket.send_json({"version": 1, "type": "control", "action": "finish"})
    while frames[-1]["type"] != "result":
        frames.append(await socket.receive_json())
    return frames


async def board_update_for(board: WebSocket, name: str) -> dict[str, Any]:
    """The next board row about the learner called `name` (other tests' runs are skipped)."""
    async def wait() -> dict[str, Any]:
        while True:
            frame = await board.receive_json(timeout=30)
            if frame["type"] == "update" and frame["row"]["name"] == name:
                return dict(frame["row"])

    return await asyncio.wait_for(wait(), timeout=30)


def progress_rows(cluster: Cluster, name: str) -> list[tuple[str, int]]:
    """(status, attempts) of the learner called `name` on the shipped challenge, in PostgreSQL."""
    lesson, slug = CHALLENGE.split("/")
    with psycopg.connect(cluster.database_url.replace("postgres://", "postgresql://", 1)) as db:
        return [
            (str(status), int(attempts))
            for status, attempts in db.execute(
                "SELECT p.status, p.attempts FROM lessons_progress p"
                " JOIN lessons_challenge c ON c.id = p.challenge_id"
                " JOIN lessons_lesson l ON l.id = c.lesson_id"
                " WHERE l.slug = %s AND c.slug = %s AND p.display_name = %s",
                (lesson, slug, name),
            )
        ]


async def test_pass_on_process_a_reaches_the_board_on_process_b_and_postgresql(
    cluster: Cluster, staff_session: str
) -> None:
    board = await open_socket(cluster.b, "/ws/board/", staff_session)
    assert (await board.receive_json())["type"] == "snapshot"
    learner = await open_socket(cluster.a, "/ws/sandbox/", cluster.a.open_sandbox_page())

    frames = await run_to_result(learner, shipped_solution(), challenge=CHALLENGE,
                                 display_name="Ada on A")
    assert [g["passed"] for g in frames[-1]["goals"]] == [True, True, True]
    row = await board_update_for(board, "Ada on A")
    assert (row["challenge"], row["status"], row["attempts"]) == (CHALLENGE, "passed", 1)
    assert (row["outcome"]["goals_passed"], row["outcome"]["goals_total"]) == (3, 3)
    assert progress_rows(cluster, "Ada on A") == [("passed", 1)]
    await learner.close()
    await board.close()


async def test_progress_follows_the_session_to_the_other_process_and_is_never_downgraded(
    cluster: Cluster, staff_session: str
) -> None:
    session = cluster.a.open_sandbox_page()
    board = await open_socket(cluster.a, "/ws/board/", staff_session)
    assert (await board.receive_json())["type"] == "snapshot"
    on_a = await open_socket(cluster.a, "/ws/sandbox/", session)
    await run_to_result(on_a, shipped_solution(), challenge=CHALLENGE, display_name="Grace")
    await on_a.close()

    on_b = await open_socket(cluster.b, "/ws/sandbox/", session)
    frames = await run_to_result(on_b, PULLING, challenge=CHALLENGE, display_name="Grace")
    assert not all(g["passed"] for g in frames[-1]["goals"])
    first, second = await board_update_for(board, "Grace"), await board_update_for(board, "Grace")
    assert first["learner"] == second["learner"]
    assert (second["status"], second["attempts"]) == ("passed", 2)
    assert progress_rows(cluster, "Grace") == [("passed", 2)]
    await on_b.close()
    await board.close()


@pytest.mark.parametrize("side", ["a", "b"])
async def test_sandbox_runs_on_each_process(cluster: Cluster, side: str) -> None:
    server = cluster.a if side == "a" else cluster.b
    learner = await open_socket(server, "/ws/sandbox/", server.open_sandbox_page())
    frames = await run_to_result(learner, PULLING)
    assert frames[0]["steps"] == len([f for f in frames if f["type"] == "step"])
    assert frames[-1]["trace"]["pods"][0]["status"] == "Running"
    await learner.close()


@pytest.mark.parametrize("who", ["anonymous", "logged-in-not-staff"])
async def test_board_refuses_a_socket_that_is_not_staff(
    cluster: Cluster, student_session: str, who: str
) -> None:
    session = student_session if who == "logged-in-not-staff" else None
    socket = await open_socket(cluster.b, "/ws/board/", session)
    frame = await socket.receive_json()
    assert (frame["type"], frame["code"]) == ("error", "forbidden")
    with pytest.raises(Closed) as closed:
        await socket.receive_json()
    assert closed.value.code == 4403
    await socket.close()
