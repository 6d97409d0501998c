"""The sandbox socket's `console` messages (docs/console.md, docs/protocol.md "The console"):
the learner's own cluster, kept in the database by `lessons.clusters`.

Checked here as hostile input, then delegated: the engine's part of each action runs through the
socket's `work` (a worker process, in the client's fair turn), the database thread only reads and
writes text, and a challenge's goals and the board's summary come back ready-made.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async

from lessons import clusters, lookups, workshop_board
from lessons.board import is_staff
from lessons.lookups import ChallengeRun
from lessons.progress import learner_for_socket
from sandbox import protocol, run_settings
from sandbox.protocol import BadMessage

if TYPE_CHECKING:
    from sandbox.consumers import SandboxConsumer

log = logging.getLogger(__name__)

NOT_SAVED = ("your progress could not be saved (the server's database did not answer), so "
             "this does not count; try again in a moment")


async def handle(socket: SandboxConsumer, message: dict[str, Any]) -> None:
    """A `console` message: open the learner's cluster, run a line, undo, reset, compare or
    share; the `console` frame goes out once the new state has committed."""
    action = protocol.console_action(message.get("action"))
    line = protocol.command_line(message.get("line", "")) if action == "command" else ""
    editor = (protocol.manifest(message.get("manifest", ""))
              if action in ("command", "share") else "")
    count = protocol.undo_count(message.get("count", 1)) if action == "undo" else 1
    key = protocol.challenge_key(message.get("challenge"))
    slug = protocol.scenario_slug(message.get("scenario"))
    challenge: ChallengeRun | None = None
    if key is not None:
        challenge = await database_sync_to_async(lookups.challenge_for_run)(
            key, socket.scope.get("user"))
        if challenge is None:
            raise BadMessage("unknown_challenge", f"there is no challenge {key!r}")
        slug = slug or challenge.scenario
    scenario = await run_settings.scenario_for(slug)
    # The learner's picks: the kubelets and the API server take them from this command on.
    scenario = await run_settings.apply(slug, scenario, message.get("settings"))
    await socket.recorded(settled=True)  # a run's write may be storing the learner's session
    if socket.learner is None:
        socket.learner = await learner_for_socket(socket.scope)
    place = clusters.Place(socket.learner, slug or "", key or "", scenario,
                           challenge.setup if challenge else "",
                           challenge.starter if challenge else "",
                           challenge.goals if challenge else None)
    # The engine's part of each action runs in a worker process (or thread), in this client's
    # turn (`work`), never in the database thread: that only reads and writes text.
    def run(function: Any, *args: Any) -> Any:
        return socket.work(function, *args)

    calls = {"open": clusters.open_cluster, "reset": clusters.reset,
             "compare": clusters.compare_last}
    extra: dict[str, Any] = {}
    try:
        if action == "command":
            view = await clusters.command(place, line, editor, runner=run)
        elif action == "undo":
            view = await clusters.undo(place, count, runner=run)
        elif action == "share":
            try:
                code, view = await clusters.share_cluster(place, editor, runner=run)
            except ValueError as err:
                raise BadMessage("too_many", str(err)) from None
            extra["link"] = f"/s/{code}"
        else:
            view = await calls[action](place, runner=run)
    except clusters.Busy as err:
        raise BadMessage("busy", str(err)) from None
    saved = True
    if challenge is not None and view.goals is not None:
        # A challenge is checked on what each command did and the cluster it left (the
        # goals and the board's summary come ready-made from the engine's worker).
        goals = view.goals
        saved = await record(socket, key, view.outcome or {}, goals, editor)
        if saved:  # goals are only shown once the progress they make is stored
            extra["goals"] = goals
    # The cluster's new state committed in `clusters` before this frame goes out.
    await socket.send_json(protocol.frame("console", action=action, **view.to_dict(), **extra))
    socket.tell_board()
    if not saved:
        raise BadMessage("not_saved", NOT_SAVED)

async def record(socket: SandboxConsumer, challenge: str | None, summary: dict[str, Any],
                 goals: list[dict[str, Any]], editor: str = "") -> bool:
    """Record a console command's progress; False when it could not be stored. An
    instructor's commands are not recorded (`SandboxConsumer.report`)."""
    if is_staff(socket.scope.get("user")):
        return True
    try:
        assert socket.learner is not None
        socket.news.append(await workshop_board.store_run(
            socket.learner, socket.display_name, challenge, summary, goals, editor))
    except Exception:
        log.exception("could not record console progress for the board")
        return False
    return True
