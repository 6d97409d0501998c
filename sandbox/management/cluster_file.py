"""The cluster FILE of `manage.py kubectl`: a learner's cluster kept on disk between calls.

The file is a JSON envelope around the console's state:

    {"lunchbox": "cluster", "version": 1, "scenario": "private-registry",
     "scenario_sha256": "…", "key": "<64 hex digits>", "state": {…}}

`scenario` is what the cluster was made from: the slug of one of the course's scenarios, the
absolute path of a scenario file, or null for the default cluster. `scenario_sha256` is the hash
of that file when the cluster was made, so a scenario edited since is noticed before the engine
meets nodes or registries the state does not know. `state` is `ClusterState.to_json()` as it is,
canonical and compact, so the same history gives the same bytes there.

`key` is the cluster's own fingerprint key, 32 random bytes made with the file. The state keeps
a keyed fingerprint of each registry password instead of the password (see
`sandbox.engine.credentials.fingerprint`), and the key next to it lets the simulated registry
check them. On the server the key stays out of the database; here the file is the user's own,
written readable by its owner only: whoever can read it can test guesses of those passwords, so
it deserves the care of a `~/.docker/config.json` (which holds the passwords themselves).

The file is replaced atomically (a temporary file in the same directory, then `os.replace`),
so an interrupted call leaves the old cluster or the new one, never half of one; and a file that
is not a cluster of ours is reported and left alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.engine import ManifestError, Scenario, default_scenario, load_scenario
from sandbox.engine.console import MAX_BYTES, ClusterState, new_cluster
from sandbox.management import STDIN, BadInput, problem_lines, read_input

MAGIC = "cluster"
VERSION = 1
KEY_BYTES = 32
# The state's own bound, with room for the envelope: a larger file is not one we wrote.
MAX_FILE_BYTES = MAX_BYTES + 64 * 1024
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class ScenarioSource:
    """Where a cluster's scenario comes from: a course slug, a file, or None (the default)."""

    ref: str | None  # what the envelope stores: a slug, an absolute path, or None
    path: Path | None  # the file it names, None for the default cluster


@dataclass
class ClusterFile:
    """One cluster FILE, read (or just made) and ready to be run against and saved."""

    path: Path
    source: ScenarioSource
    scenario_sha256: str | None
    key: bytes
    state: ClusterState
    created: bool  # no file was there (or --reset): it must be written even if nothing changes

    def to_text(self) -> str:
        """The envelope: one header field a line, then the canonical state as the engine made
        it (its bytes are the same for the same history)."""
        header = {"lunchbox": MAGIC, "version": VERSION, "scenario": self.source.ref,
                  "scenario_sha256": self.scenario_sha256, "key": self.key.hex()}
        lines = [f"  {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)},"
                 for name, value in header.items()]
        return "{\n" + "\n".join(lines) + f'\n  "state": {self.state.to_json()}\n}}\n'

    def save(self) -> None:
        """Replace the file with this cluster atomically, readable by its owner only."""
        text = self.to_text().encode("utf-8")
        directory = self.path.parent
        # mkstemp makes the file 0600, and os.replace keeps that mode.
        handle, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                        dir=directory)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise


def course_scenarios() -> Path:
    """The directory of the course's scenario files (`lessons/content/scenarios/`)."""
    from lessons.loader import SCENARIO_DIR, default_content_dir

    return default_content_dir() / SCENARIO_DIR


def resolve_scenario(value: str | None) -> ScenarioSource:
    """`--scenario`'s value as a source: an existing file, else the slug of a course scenario."""
    if value is None:
        return ScenarioSource(None, None)
    if value == STDIN:
        raise BadInput(["--scenario: the scenario is read again on every later call, so it "
                        "cannot come from standard input; give a file or a scenario's name"])
    path = Path(value)
    if path.is_file():
        return ScenarioSource(str(path.resolve()), path.resolve())
    course = course_scenarios()
    if SLUG.fullmatch(value) and (course / f"{value}.yaml").is_file():
        return ScenarioSource(value, (course / f"{value}.yaml").resolve())
    names = ", ".join(sorted(p.stem for p in course.glob("*.yaml"))) or "none"
    raise BadInput([f"--scenario: {value}: no such file, and no scenario of the course has that "
                    f"name (the course's: {names})"])


def read_scenario_source(source: ScenarioSource) -> tuple[Scenario, str | None]:
    """The scenario a source names, and the SHA-256 of its file (None for the default)."""
    if source.path is None:
        return default_scenario(), None
    label, data = read_input(str(source.path))
    try:
        scenario = load_scenario(data)
    except ManifestError as error:
        raise BadInput(problem_lines(label, error)) from None
    return scenario, hashlib.sha256(data).hexdigest()


def open_cluster(path: Path, scenario_option: str | None, *, reset: bool) -> ClusterFile:
    """The cluster in `path`, or a new one from the scenario when there is none (or `reset`).

    Raises BadInput, naming the file, when it is not a cluster of ours, when `--scenario` names
    another scenario than the one it was made from, or when that scenario has changed since.
    """
    given = resolve_scenario(scenario_option) if scenario_option is not None else None
    envelope = _read_envelope(path, reset=reset)
    if envelope is not None and not reset:
        stored = _stored_source(path, envelope)
        if given is not None and given.path != stored.path:
            raise BadInput([f"{path}: this cluster was made from {_describe(stored)}, not "
                            f"{_describe(given)}; leave out --scenario, or add --reset to start "
                            "again from the new one"])
        try:
            scenario, sha = read_scenario_source(stored)
        except BadInput as error:
            raise BadInput([f"{path}: this cluster was made from {_describe(stored)}, which "
                            "cannot be read now:", *error.lines]) from None
        if sha != envelope["scenario_sha256"]:
            raise BadInput([f"{path}: {_describe(stored)} has changed since this cluster was "
                            "made from it; add --reset to start again from its new version"])
        try:
            state = ClusterState.from_json(json.dumps(envelope["state"]), scenario)
        except ValueError as error:
            raise BadInput([f"{path}: the stored cluster cannot be read ({error}); add --reset "
                            "to start again from the scenario"]) from None
        return ClusterFile(path, stored, sha, bytes.fromhex(envelope["key"]), state, False)
    if given is None:
        # --reset keeps the scenario the file was made from, when that can still be read.
        given = _stored_source(path, envelope) if envelope is not None else resolve_scenario(None)
    scenario, sha = read_scenario_source(given)
    key = secrets.token_bytes(KEY_BYTES)
    return ClusterFile(path, given, sha, key, new_cluster(scenario, key=key), True)


def _read_envelope(path: Path, *, reset: bool) -> dict[str, Any] | None:
    """The file's envelope, checked; None when there is no file yet.

    With `reset` a damaged envelope is None too (it will be replaced), but a file that is not a
    cluster envelope at all, say a manifest given to --cluster by mistake, is never overwritten.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise BadInput([f"{path}: no such directory to keep the cluster in"]) from None
        return None
    except OSError as error:
        raise BadInput([f"{path}: cannot read: {error.strerror or error}"]) from None
    try:
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"it is larger than any cluster Lunchbox writes "
                             f"({MAX_FILE_BYTES // 1000} kB)")
        envelope = json.loads(data.decode("utf-8"))
        if not isinstance(envelope, dict) or envelope.get("lunchbox") != MAGIC:
            raise ValueError('it has no "lunchbox": "cluster" field')
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise BadInput([f"{path}: not a Lunchbox cluster file ({error}); it was left as it is: "
                        "give --cluster a new file name, or remove this one"]) from None
    try:
        _check_envelope(envelope)
    except ValueError as error:
        if reset:
            return None
        raise BadInput([f"{path}: damaged cluster file ({error}); it was left as it is: add "
                        "--reset to start again from the scenario"]) from None
    return envelope


def _check_envelope(envelope: dict[str, Any]) -> None:
    if envelope.get("version") != VERSION:
        raise ValueError(f"version {envelope.get('version')!r}, this Lunchbox writes {VERSION}")
    key = envelope.get("key")
    if not isinstance(key, str) or not re.fullmatch(f"[0-9a-f]{{{2 * KEY_BYTES}}}", key):
        raise ValueError(f'"key" is not {KEY_BYTES} bytes in hex')
    if not isinstance(envelope.get("scenario"), str | None):
        raise ValueError('"scenario" is not a name, a path or null')
    if not isinstance(envelope.get("scenario_sha256"), str | None):
        raise ValueError('"scenario_sha256" is not a hash or null')
    if not isinstance(envelope.get("state"), dict):
        raise ValueError('"state" is not an object')


def _stored_source(path: Path, envelope: dict[str, Any]) -> ScenarioSource:
    ref = envelope["scenario"]
    if ref is None:
        return ScenarioSource(None, None)
    if os.path.isabs(ref):
        return ScenarioSource(ref, Path(ref))
    try:
        return resolve_scenario(ref)
    except BadInput:
        raise BadInput([f"{path}: this cluster was made from the course scenario {ref!r}, "
                        "which no longer exists; add --reset and --scenario to start again"]
                       ) from None


def _describe(source: ScenarioSource) -> str:
    if source.ref is None:
        return "the default cluster (no --scenario)"
    return f"the scenario {source.ref}"
