"""Every entry point of the engine answers hostile input with its domain error or a result.

The corpus (`hostile_corpus.py`) was minimized from fuzzing; each case names the first problem
expected and where it is. Anything else (another exception, a hang) fails the test run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hostile_corpus import DOCKERFILES, GOALS, OK, PASTES, POD, REFERENCES, SCENARIOS, Case

from sandbox.engine import (
    InvalidReference,
    ManifestError,
    check_goals,
    default_scenario,
    load_scenario,
    parse_reference,
    simulate,
)
from sandbox.engine.dockerfile import build_image
from sandbox.engine.paste import created_objects, load_paste
from sandbox.engine.registry import DigestLookupError, resolve_digest
from sandbox.engine.render import report
from sandbox.engine.trace import Trace
from sandbox.engine.world import Image, Layer

BASES = {"docker.io/library/python:3.12-slim": Image("3.12-slim", (Layer("debian", 29_000_000),))}


def ids(case: Case) -> str:
    return case.id


def outcome(case: Case, call: Callable[[], Any]) -> Any:
    """The call's result when the case expects one; else check the first problem and place."""
    if case.expected is OK:
        return call()
    with pytest.raises(ManifestError) as caught:
        call()
    first = caught.value.problems[0]
    assert first.message.startswith(case.expected.fragment), first
    assert (first.line, first.column) == (case.expected.line, case.expected.column), first
    return None


def assert_json_safe(trace: Trace) -> None:
    """What the websocket sends: strict JSON (no NaN or Infinity) and the kubectl texts."""
    json.dumps(trace.to_dict(), allow_nan=False)
    report.describe_pods(trace)
    report.get_pods(trace)
    for pull in trace.pulls:
        report.docker_pull_lines(pull)


@pytest.mark.parametrize("case", PASTES, ids=ids)
def test_a_hostile_paste_is_simulated_or_refused_with_a_positioned_error(case: Case) -> None:
    def run() -> Trace:
        objects = load_paste(case.text)
        if isinstance(case.text, str):
            created_objects(case.text, objects)
        return simulate(objects)

    trace = outcome(case, run)
    if trace is not None:
        assert_json_safe(trace)


@pytest.mark.parametrize("case", SCENARIOS, ids=ids)
def test_a_hostile_scenario_loads_and_runs_or_is_refused_with_a_positioned_error(
    case: Case,
) -> None:
    scenario = outcome(case, lambda: load_scenario(case.text))
    if scenario is not None:
        assert_json_safe(simulate(load_paste(POD), scenario))
        resolve_digest(scenario, "nginx:1.25")


@pytest.mark.parametrize("case", GOALS, ids=ids)
def test_hostile_goals_are_checked_or_refused_with_a_positioned_error(case: Case) -> None:
    text = case.text
    assert isinstance(text, str)
    trace = simulate(load_paste(POD))
    results = outcome(case, lambda: check_goals(trace, text))
    if results is not None:
        json.dumps([r.to_dict() for r in results], allow_nan=False)


@pytest.mark.parametrize("case", DOCKERFILES, ids=ids)
def test_a_hostile_dockerfile_builds_or_is_refused_with_a_positioned_error(case: Case) -> None:
    text = case.text
    assert isinstance(text, str)
    outcome(case, lambda: build_image(text, {"app.py": "v1"}, base=BASES.get, build_id="b"))


@pytest.mark.parametrize("case", REFERENCES, ids=ids)
def test_a_hostile_image_reference_parses_or_is_an_invalid_reference(case: Case) -> None:
    assert isinstance(case.text, str)
    if case.expected is OK:
        parse_reference(case.text)
    else:
        with pytest.raises(InvalidReference) as caught:
            parse_reference(case.text)
        assert str(caught.value).startswith(case.expected.fragment)


@pytest.mark.parametrize("case", REFERENCES, ids=ids)
def test_a_digest_lookup_of_a_hostile_reference_is_a_lookup_error(case: Case) -> None:
    assert isinstance(case.text, str)
    with pytest.raises(DigestLookupError):  # none of them is in the default scenario
        resolve_digest(default_scenario(), case.text)


@pytest.mark.parametrize("at", [float("nan"), float("inf"), -1.0, True, "3", None],
                         ids=repr)
def test_a_digest_lookup_at_a_hostile_time_is_a_lookup_error(at: Any) -> None:
    with pytest.raises(DigestLookupError, match="the simulated time must be a number"):
        resolve_digest(default_scenario(), "nginx:1.25", at=at)


@pytest.mark.parametrize("architecture", ["", "x" * 100_000, "arm64\x00", 5, "../"], ids=repr)
def test_a_digest_lookup_for_a_hostile_architecture_is_a_lookup_error(architecture: Any) -> None:
    with pytest.raises(DigestLookupError, match="unknown architecture"):
        resolve_digest(default_scenario(), "nginx:1.25", architecture=architecture)


@pytest.mark.parametrize("image", [5, None, b"nginx"], ids=repr)
def test_a_digest_lookup_of_a_non_string_is_a_lookup_error(image: Any) -> None:
    with pytest.raises(DigestLookupError, match="an image is a string"):
        resolve_digest(default_scenario(), image)


@pytest.mark.parametrize("goals", [[1], [{"event": None}], [{"maxBytesPulled": float("nan")}],
                                   [{1: 2}], {"a": 1}, 5, b"- a\n",
                                   [{"maxBytesPulled": 10**30}]], ids=repr)
def test_goals_given_as_hostile_python_data_are_refused(goals: Any) -> None:
    with pytest.raises(ManifestError):
        check_goals(simulate(load_paste(POD)), goals)
