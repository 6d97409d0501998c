"""An identical run is evaluated once (`sandbox.run_cache`): the kept frames, numbered as the new
run, are exactly the frames a fresh evaluation gives; nothing a run may change is shared; the
cache is bounded; and through the real ASGI application a second learner's identical run is
played without a worker while a different paste is evaluated (test_run_settings.py runs one
paste under different settings and sees each outcome: the settings are part of the key)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from sandbox_socket import connect, send

from sandbox import prepare, run_cache
from sandbox.engine import default_scenario, load_scenario
from sandbox.run_cache import RunCache, scenario_digest
from sandbox.workers import POOL

ROOT = Path(__file__).resolve().parents[2]

POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
       "  - name: web\n    image: nginx:1.25\n")
DEPLOYMENT = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
              "  replicas: 3\n  selector:\n    matchLabels:\n      app: web\n  template:\n"
              "    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n"
              "      - name: web\n        image: nginx:latest\n")


def texts(run: prepare.PreparedRun) -> list[str]:
    return [run.accepted, *(f.text for f in run.frames), run.result]


def key_for(manifest: str, predict: bool = False) -> bytes:
    key = RunCache.key(manifest, scenario_digest(default_scenario()), None, None, predict)
    assert key is not None
    return key


@pytest.mark.parametrize("predict", [False, True])
def test_a_kept_run_renumbered_is_what_a_fresh_evaluation_gives(predict: bool) -> None:
    cache = RunCache()
    first = prepare.prepare_run(DEPLOYMENT, default_scenario(), None, None, 3, predict)
    cache.put(key_for(DEPLOYMENT, predict), first)
    for run in (3, 4, 10, 123):
        kept = cache.get(key_for(DEPLOYMENT, predict), run)
        fresh = prepare.prepare_run(DEPLOYMENT, default_scenario(), None, None, run, predict)
        assert kept is not None and kept.run == run
        assert texts(kept) == texts(fresh)
        assert [f.size for f in kept.frames] == [f.size for f in fresh.frames]
        assert (kept.goals, kept.summary, kept.steps) == (fresh.goals, fresh.summary, fresh.steps)
        if predict:
            assert kept.questions is not None and fresh.questions is not None
            assert kept.questions.run == run and kept.questions.points == fresh.questions.points
        assert all(json.loads(t)["run"] == run for t in texts(kept))


def test_nothing_a_run_may_change_is_shared() -> None:
    cache = RunCache()
    first = prepare.prepare_run(POD, default_scenario(), None, "- allPodsRunning: true", 1, True)
    key = RunCache.key(POD, scenario_digest(default_scenario()), None, "- allPodsRunning: true",
                       True)
    cache.put(key, first)
    assert first.goals and first.questions is not None
    first.goals[0]["passed"] = "changed by the first learner"
    first.summary["outcome"] = "changed"
    first.questions.answers["q"] = "a"
    second = cache.get(key, 2)
    assert second is not None and second.goals is not None and second.questions is not None
    assert second.goals[0]["passed"] is True and second.summary.get("outcome") != "changed"
    assert second.questions.answers == {} and not second.questions.closed
    second.goals[0]["passed"] = False
    third = cache.get(key, 3)
    assert third is not None and third.goals is not None and third.goals[0]["passed"] is True


def test_the_key_holds_every_input_and_not_the_paste() -> None:
    digest = scenario_digest(default_scenario())
    other = scenario_digest(load_scenario("name: Other\nnodes:\n  - name: n1\n"))
    keys = {
        RunCache.key(POD, digest, None, None, False),
        RunCache.key(POD + "\n", digest, None, None, False),
        RunCache.key(POD, other, None, None, False),
        RunCache.key(POD, digest, None, "- allPodsRunning: true", False),
        RunCache.key(POD, digest, None, None, True),
    }
    assert len(keys) == 5
    key = RunCache.key(POD.replace("web", "hunter22"), digest, None, None, False)
    assert key is not None and b"hunter22" not in key
    assert scenario_digest(default_scenario()) == digest  # the same scenario object, once


@pytest.mark.parametrize("paste", [
    "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: b}\n",
    "kubectl create secret docker-registry r --docker-server=x --docker-username=u "
    "--docker-password=p\n",
    POD + "    env: [{name: PASSWORD, value: hunter22}]\n",
    POD.replace("spec:", "spec:\n  imagePullSecrets: [{name: regcred}]"),
])
def test_a_paste_with_credentials_is_never_kept(paste: str) -> None:
    """A kept run answers faster: its speed must not confirm someone's guessed password."""
    assert RunCache.key(paste, scenario_digest(default_scenario()), None, None, False) is None


def test_the_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    first = prepare.prepare_run(POD, default_scenario(), None, None, 1)
    size = run_cache.size_of(first)
    cache = RunCache(max_bytes=size * 2 + 10, max_run_bytes=size)
    keys = [bytes([n]) * 20 for n in range(3)]
    cache.put(keys[0], first)
    cache.put(keys[1], first)
    assert cache.get(keys[0], 2) is not None  # now the most recently used
    cache.put(keys[2], first)
    assert cache.get(keys[1], 2) is None and cache.get(keys[0], 2) is not None
    assert len(cache) == 2 and cache.bytes <= cache.max_bytes
    small = RunCache(max_run_bytes=size - 1)
    small.put(keys[0], first)
    assert len(small) == 0  # too big to keep: evaluated again next time


async def frames_of(socket: WebsocketCommunicator, **message: Any) -> list[dict[str, Any]]:
    await send(socket, type="run", speed=16, **message)
    frames = []
    while True:
        frame = json.loads(await socket.receive_from(timeout=20))
        frames.append(frame)
        if frame["type"] in ("result", "error"):
            return frames


@pytest.mark.django_db(transaction=True)
async def test_a_second_learners_identical_run_is_played_without_a_worker() -> None:
    before = POOL.answered["prepare_run"]
    ada, bob = await connect(), await connect()
    first = await frames_of(ada, manifest=DEPLOYMENT)
    assert POOL.answered["prepare_run"] == before + 1
    await frames_of(bob, manifest=POD)  # bob's run 1: another paste
    second = await frames_of(bob, manifest=DEPLOYMENT)  # bob's run 2: ada's paste
    assert POOL.answered["prepare_run"] == before + 2 and run_cache.CACHE.hits == 1
    assert [f["type"] for f in second] == [f["type"] for f in first]
    assert {f["run"] for f in second} == {2} and {f["run"] for f in first} == {1}
    for ours, theirs in zip(first, second, strict=True):
        ours.pop("ack", None), theirs.pop("ack", None)
        ours["run"] = theirs["run"] = 0
        assert ours == theirs
    await ada.disconnect()
    await bob.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_with_no_cache_bytes_every_run_is_evaluated() -> None:
    before = POOL.answered["prepare_run"]
    with override_settings(LUNCHBOX_RUN_CACHE_BYTES=0):
        socket = await connect()
        await frames_of(socket, manifest=POD)
        await frames_of(socket, manifest=POD)
        await socket.disconnect()
    assert POOL.answered["prepare_run"] == before + 2 and len(run_cache.CACHE) == 0


def test_a_scenario_pickles_the_same_before_and_after_a_run_read_its_digests() -> None:
    """Layers and images work out their digests when first asked and keep them on the object;
    a run evaluated in the server's own process (LUNCHBOX_EVAL_PROCESSES=0) asks them of the
    shared scenario itself. Were they pickled, the same scenario would get another key after its
    first run, and the run cache would miss an identical run in a twin loaded before (or in the
    default scenario, made anew per run around the catalogue's shared registries)."""
    source = (ROOT / "lessons/content/scenarios/private-registry.yaml").read_text()
    scenario, twin = load_scenario(source), load_scenario(source)  # neither has run yet
    before = pickle.dumps(scenario, protocol=pickle.HIGHEST_PROTOCOL)
    prepare.prepare_run(DEPLOYMENT, scenario, None, None, 1)
    assert pickle.dumps(scenario, protocol=pickle.HIGHEST_PROTOCOL) == before
    assert scenario_digest(scenario) == scenario_digest(twin)
    copied = pickle.loads(before)
    assert (prepare.prepare_run(DEPLOYMENT, copied, None, None, 1)
            == prepare.prepare_run(DEPLOYMENT, scenario, None, None, 1))
