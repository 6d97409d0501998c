"""The sandbox websocket's messages (docs/protocol.md): what a client may send, what we send back.

Parsing checks shape and size only (the engine checks meaning); the frames we send are built
with `frame` and written by `frame_text`, error frames bounded here and a run's own frames in
`sandbox.run_frames`. Nothing here touches a socket, the database or the clock.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import orjson

from sandbox.engine import (
    BuildError,
    BuildRequest,
    FileVersions,
    GoalsError,
    ManifestError,
)

PROTOCOL_VERSION = 1
MESSAGE_TYPES = ("run", "control", "ping", "console", "lint", "ack", "predict")
CONSOLE_ACTIONS = ("open", "command", "undo", "reset", "compare", "share")
MAX_COMMAND_LINE = 8_000
CONTROL_ACTIONS = ("pause", "resume", "step", "finish", "speed")
MIN_SPEED, MAX_SPEED = 0.25, 16.0
MAX_DISPLAY_NAME = 40
# A learner's `build`: bounds checked here, meaning checked by the engine.
MAX_DOCKERFILE_BYTES = 64 * 1024
MAX_BUILD_FILES = 50
MAX_BUILD_TEXT = 255  # a file path, a version, or the push reference
BUILD_FIELDS = frozenset({"dockerfile", "files", "push", "preloaded", "architecture"})
# An error frame echoes problems, which may quote what the client sent: bound both, and the
# whole frame as sent (JSON escapes a character as up to 12 bytes, e.g. an emoji's \ud83d\ude00).
ERROR_PROBLEMS = 50
ERROR_TEXT = 500  # characters of a message or hint
ERROR_TEXT_BYTES = 1000  # and at most this much once JSON-encoded
ERROR_FRAME_BYTES = 4000  # a whole error frame: a few problems, then how many more there are
MAX_ACK_TOKEN = 32
MAX_LINT_SEQ = 2**53 - 1  # the largest integer a browser's JSON.parse keeps exactly


class BadMessage(Exception):
    """A client message we cannot accept; `code` and the text go back in an error frame."""

    def __init__(self, code: str, message: str, problems: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.code = code
        self.problems = problems or []


# Why a run was refused, by the engine's error (subclasses first).
_REFUSED: tuple[tuple[type[ManifestError], str, str], ...] = (
    (BuildError, "invalid_build", "the build has problems; nothing ran"),
    (GoalsError, "invalid_challenge", "this challenge's goals are broken; tell the instructor"),
    (ManifestError, "invalid_manifest", "the manifest has problems; nothing ran"),
)


def refused(error: ManifestError) -> BadMessage:
    """The error frame's content for a run `evaluate` refused, problems and all."""
    code, text = next((c, t) for kind, c, t in _REFUSED if isinstance(error, kind))
    return BadMessage(code, text, [p.to_dict() for p in error.problems])


# --- what a client sends ----------------------------------------------------------------------


def decode(text: str | None, limit: int) -> dict[str, Any]:
    """One client message, decoded, its envelope (size, JSON object, version, type) checked."""
    if text is None:
        raise BadMessage("bad_message", "send JSON text frames, not binary ones")
    if utf8_size(text) > limit:
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
    if message.get("type") not in MESSAGE_TYPES:
        raise BadMessage("bad_message", "type must be one of " + ", ".join(MESSAGE_TYPES))
    return message


def speed(value: Any) -> float:
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadMessage("bad_message", "speed must be a number between 0.25 and 16")
    if not MIN_SPEED <= float(value) <= MAX_SPEED:
        raise BadMessage("bad_message", "speed must be between 0.25 and 16")
    return float(value)


def display_name(value: Any) -> str:
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


def console_action(value: Any) -> str:
    if value not in CONSOLE_ACTIONS:
        raise BadMessage("bad_message", "action must be one of " + ", ".join(CONSOLE_ACTIONS))
    return str(value)


def undo_count(value: Any) -> int:
    """How many commands to take back: a whole number from 1 to 20."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
        raise BadMessage("bad_message", "count must be a whole number from 1 to 20")
    return int(value)


def command_line(value: Any) -> str:
    """A console line: a string of at most MAX_COMMAND_LINE characters, one line."""
    if not isinstance(value, str):
        raise BadMessage("bad_message", "line must be a string, e.g. \"kubectl get pods\"")
    if len(value) > MAX_COMMAND_LINE:
        raise BadMessage("too_large", f"a console line is at most {MAX_COMMAND_LINE} characters; "
                                      "put long content in the editor and use kubectl apply -f -")
    if "\n" in value.strip():
        raise BadMessage("bad_message", "one command per line in the console")
    return value


def manifest(value: Any) -> str:
    if not isinstance(value, str):
        raise BadMessage("bad_message", "manifest must be a string of YAML")
    return value


def ack_token(value: Any) -> str:
    """The token of a step frame that an `ack` says was read (see `backpressure`)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ACK_TOKEN:
        raise BadMessage("bad_message", "ack must be the `ack` string of a step frame")
    return value


def lint_seq(value: Any) -> int | None:
    """The number a client gives a `lint` message, echoed so it can drop stale answers."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LINT_SEQ:
        raise BadMessage("bad_message", "seq must be a whole number from 0 to 2**53 - 1, or null")
    return int(value)


def challenge_key(value: Any) -> str | None:
    """`lesson-slug/challenge-slug`, or None for free play."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 200 or value.count("/") != 1:
        raise BadMessage("bad_message", "challenge must be `lesson-slug/challenge-slug` or null")
    return value


def scenario_slug(value: Any) -> str | None:
    """A scenario slug, or None for the default world."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 100:
        raise BadMessage("bad_message", "scenario must be a scenario slug or null")
    return value


def control_action(value: Any) -> str:
    if value not in CONTROL_ACTIONS:
        raise BadMessage("bad_message", "action must be pause, resume, step, finish or speed")
    return str(value)


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


def build_request(value: Any) -> BuildRequest | None:
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
    if utf8_size(dockerfile) > MAX_DOCKERFILE_BYTES:
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


# --- what we send ------------------------------------------------------------------------------


def frame(type_: str, **payload: Any) -> dict[str, Any]:
    return {"version": PROTOCOL_VERSION, "type": type_, **payload}


def frame_text(value: dict[str, Any]) -> str:
    """A prepared frame's JSON text, compact (`{"version":1,"type":…`), UTF-8 characters as
    they are. orjson writes it about ten times faster than the standard library, which was an
    eighth of a run's work in its worker; what orjson refuses (a lone surrogate a paste can
    carry, an integer past 64 bits) is written by the standard library, escaped, in the same
    compact shape, so `run_cache` can renumber either."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, separators=(",", ":"))


def _size(value: Any) -> int:
    """Bytes `value` takes in a frame as `send_json` writes it (ASCII-escaped JSON)."""
    return len(json.dumps(value))


def _clip(value: Any, limit: int = ERROR_TEXT) -> Any:
    """A text cut at `limit` characters, and shorter still if its escapes make it long."""
    if not isinstance(value, str):
        return value
    if len(value) > limit:
        value = value[:limit] + "…"
    while _size(value) > ERROR_TEXT_BYTES * limit // ERROR_TEXT:
        value = value[:len(value) // 2] + "…"
    return value


def _more(count: int) -> dict[str, Any]:
    return {"message": f"… and {count} more problems", "line": None, "column": None,
            "path": None, "severity": "error", "hint": None}


def _bounded(problems: list[dict[str, Any]], budget: int | None = None) -> list[dict[str, Any]]:
    """At most ERROR_PROBLEMS problems, and only as many as fit in `budget` bytes (then one
    saying how many more), each text cut by `_clip`: problems may quote what the client sent.
    A first problem too big for the budget is cut harder rather than left out."""
    if budget is not None:
        budget -= _size(_more(len(problems))) + 2
    shown: list[dict[str, Any]] = []
    used = 0
    for problem in problems[:ERROR_PROBLEMS]:
        clipped = {key: _clip(value) for key, value in problem.items()}
        if budget is not None and used + _size(clipped) + 2 > budget:
            if shown:
                break
            clipped = {key: _clip(value, ERROR_TEXT // 5) for key, value in problem.items()}
            if _size(clipped) + 2 > budget:
                break
        shown.append(clipped)
        used += _size(clipped) + 2
    more = len(problems) - len(shown)
    if more > 0:
        shown.append(_more(more))
    return shown


def error_frame(code: str, message: str,
                problems: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An `error` frame under ERROR_FRAME_BYTES whatever it echoes (see `_bounded`)."""
    envelope = frame("error", code=code, message=_clip(message), problems=[])
    envelope["problems"] = _bounded(problems or [], ERROR_FRAME_BYTES - _size(envelope))
    return envelope


def lint_frame(seq: int | None, problems: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer to a `lint` message: the editor's problems, bounded as an error frame's."""
    return frame("lint", seq=seq, problems=_bounded(problems))


def utf8_size(text: str) -> int:
    """The bytes `text` takes on the wire (a lone surrogate counted as UTF-8 would write it)."""
    return len(text.encode("utf-8", "surrogatepass"))
