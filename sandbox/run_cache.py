"""Runs already prepared, kept by what they were made from: an identical run is evaluated once.

In a workshop most runs are the same few pastes (the starter, the seed's examples, a learner
pressing Run again to watch once more), in the same scenario with the same settings. The engine
is deterministic (`sandbox.prepare`), so the frames of such a run are the frames of the last
identical one; only the run number inside each frame differs, and it sits at the same place at
the start of every frame's text (`{"version": 1, "type": "step", "run": 7, …`), so it is
rewritten there. A hit costs the event loop microseconds and takes no worker, so it never waits
behind a neighbour's evaluation.

The key is a digest of everything `prepare_run` reads: the paste, the scenario's pickle digest
(`workers.Shipped`, made once per scenario object), the build request, the goals and predict
mode. The paste itself is never kept, only its digest, and a paste that carries credentials is
never kept at all: a cached run's speed must not confirm a guessed password. What a hit hands
out is the learner's own: per-run state (predict mode's answers) is made fresh, and the goal
dicts are copied, so no two runs share anything they may change.

Bounded by bytes (MAX_BYTES, least recently used first out), and a run bigger than MAX_RUN_BYTES
is not kept: a 500-pod run is rare, large, and only worth evaluating again.
"""

from __future__ import annotations

import copy
import hashlib
import pickle
import re
import threading
from collections import OrderedDict
from dataclasses import replace

from sandbox.engine import BuildRequest, Scenario
from sandbox.predictions import Questions
from sandbox.prepare import PreparedRun, PreparedStep
from sandbox.protocol import PROTOCOL_VERSION

__all__ = ["MAX_BYTES", "MAX_RUN_BYTES", "RunCache", "CACHE"]

MAX_BYTES = 48 * 1024 * 1024  # per server process (LUNCHBOX_RUN_CACHE_BYTES)
MAX_RUN_BYTES = 2 * 1024 * 1024
_CREDENTIALS = re.compile(r"secret|password|passwd|auth|token|dockerconfig|docker-registry",
                          re.IGNORECASE)


def _prefix(type_: str, run: int) -> str:
    return f'{{"version":{PROTOCOL_VERSION},"type":"{type_}","run":{run},'


def _restamped(text: str, type_: str, old: int, new: int) -> str:
    before = _prefix(type_, old)
    if not text.startswith(before):
        raise ValueError(f"a {type_} frame that does not start as frames do")
    return _prefix(type_, new) + text[len(before):]


def size_of(prepared: PreparedRun) -> int:
    """About the memory the run's texts take (characters; they are mostly ASCII)."""
    return len(prepared.accepted) + len(prepared.result) + sum(
        len(f.text) + 64 for f in prepared.frames)


class RunCache:
    """Prepared runs by key; `get` hands out a copy numbered as the caller's run."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_run_bytes: int = MAX_RUN_BYTES) -> None:
        self.max_bytes, self.max_run_bytes = max_bytes, max_run_bytes
        self._runs: OrderedDict[bytes, tuple[PreparedRun, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # the event loop uses it; a test's threads may too
        self.hits = self.misses = 0

    @staticmethod
    def key(manifest: str, scenario_digest: bytes, build: BuildRequest | None,
            goals: str | None, predict: bool) -> bytes | None:
        """The digest of what a run is made from; None when the run is not to be kept: when it
        cannot be made, or when the paste carries credentials (a Secret, a docker-registry
        command, a password or token), since a kept run answers faster, and that speed would
        tell a stranger who guessed a whole paste that someone ran it."""
        if _CREDENTIALS.search(manifest):
            return None
        try:
            inputs = pickle.dumps((manifest, build, goals, bool(predict)),
                                  protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return None
        return hashlib.blake2b(inputs + scenario_digest, digest_size=20).digest()

    def get(self, key: bytes | None, run: int) -> PreparedRun | None:
        if key is None:
            return None
        with self._lock:
            found = self._runs.get(key)
            if found is None:
                self.misses += 1
                return None
            self._runs.move_to_end(key)
            self.hits += 1
        return _numbered(found[0], run)

    def put(self, key: bytes | None, prepared: PreparedRun) -> None:
        if key is None:
            return
        size = size_of(prepared)
        if size > self.max_run_bytes:
            return
        with self._lock:
            old = self._runs.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._runs[key] = (_numbered(prepared, prepared.run), size)  # its own goal dicts
            self._bytes += size
            while self._bytes > self.max_bytes and self._runs:
                _, (_, dropped) = self._runs.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()
            self._bytes = self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._runs)

    @property
    def bytes(self) -> int:
        return self._bytes


def _numbered(prepared: PreparedRun, run: int) -> PreparedRun:
    """The kept run as run number `run`, with nothing shared that a run may change."""
    old = prepared.run
    frames = prepared.frames if run == old else tuple(
        PreparedStep(f.index, f.time, _restamped(f.text, "step", old, run),
                     f.size + len(str(run)) - len(str(old))) for f in prepared.frames)
    questions = None if prepared.questions is None else Questions(run, prepared.questions.points)
    return replace(
        prepared, run=run, frames=frames,
        accepted=_restamped(prepared.accepted, "accepted", old, run),
        result=_restamped(prepared.result, "result", old, run),
        goals=copy.deepcopy(prepared.goals), summary=copy.deepcopy(prepared.summary),
        questions=questions)


def scenario_digest(scenario: Scenario) -> bytes:
    """The digest `workers.Shipped` keeps for this scenario object (pickled once per object)."""
    from sandbox.workers import Shipped
    return Shipped(scenario).digest


CACHE = RunCache()
