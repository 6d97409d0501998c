"""Every challenge of the shipped course can be solved, and is not solved before the learner starts.

Read straight from the content files (no database): each challenge's solution meets all its goals
with `evaluate`, its starter does not, a console challenge's `setup` runs without an error and
leaves a cluster that does not meet the goals yet, and the commands a learner would type after it
solve the challenge in the console too.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from sandbox.engine import (
    Scenario,
    Trace,
    apply_settings,
    check_goals,
    evaluate,
    load_goals,
    load_scenario,
)
from sandbox.engine.console import DEFAULT_KEY, ClusterState, new_cluster, run_command
from sandbox.engine.render.predict import prediction_points, score

WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./:@-]*[A-Za-z0-9]")
CONTENT = Path(__file__).resolve().parents[2] / "lessons" / "content"


@dataclass(frozen=True)
class Shipped:
    """One challenge as its lesson file defines it."""

    lesson: str
    slug: str
    scenario: str
    prompt: str
    starter: str
    goals: str
    hints: tuple[str, ...]
    solution: str
    setup: str
    # The cluster settings the solution is run with, as a learner picks them (`learnerSettings:`)
    solution_settings: tuple[tuple[str, bool | str | None], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.lesson}/{self.slug}"


def _hints(value: object) -> tuple[str, ...]:
    """Hints as the loader reads them: a YAML list, or one hint per paragraph."""
    if isinstance(value, list):
        return tuple(" ".join(str(hint).split()) for hint in value)
    paragraphs = str(value or "").split("\n\n")
    return tuple(" ".join(p.split()) for p in paragraphs if p.strip())


def _shipped() -> list[Shipped]:
    found = []
    for path in sorted(CONTENT.glob("*.yaml")):
        if path.name == "course.yaml":
            continue
        lesson = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        for item in lesson.get("challenges") or ():
            found.append(Shipped(
                lesson=lesson["slug"], slug=item["slug"],
                scenario=item.get("scenario") or lesson["scenario"], prompt=item["prompt"],
                starter=item.get("starter_manifest", ""), goals=item.get("goals", ""),
                hints=_hints(item.get("hints")), solution=item.get("solution", ""),
                setup=item.get("setup", ""),
                solution_settings=tuple((item.get("solution_settings") or {}).items()),
            ))
    return found


CHALLENGES = _shipped()
CONSOLE = [c for c in CHALLENGES if c.setup.strip()]

# What a learner types in the console after the setup, with the challenge's solution in the
# editor (`-f -`). A Pod's spec cannot change once it exists, so those challenges delete it first.
CONSOLE_STEPS = {
    "pull-policies/defaulted-once": ["kubectl apply -f -"],
    "pull-policies/find-the-node-with-crictl": ["kubectl apply -f -"],
    "pull-secrets/make-the-pass": ["kubectl delete pod private-app", "kubectl apply -f -"],
    "tags-and-digests/the-tag-moved": ["kubectl apply -f -"],
    "shared-nodes/always-pull-images-rewrites": [
        "kubectl delete pod reports -n team-b", "kubectl apply -f -"],
    "production-webapp/find-the-real-digest": ["kubectl apply -f -"],
}


def scenario_text(slug: str) -> str:
    return (CONTENT / "scenarios" / f"{slug}.yaml").read_text(encoding="utf-8")


@cache
def scenario(slug: str, settings: tuple[tuple[str, bool | str | None], ...] = ()) -> Scenario:
    world = load_scenario(scenario_text(slug))
    return apply_settings(scenario_text(slug), world, settings) if settings else world


def passed(challenge: Shipped, manifest: str,
           settings: tuple[tuple[str, bool | str | None], ...] = ()) -> dict[str, bool]:
    """Each goal met or not; a `predictions` goal as for a learner who predicts every question
    of the run rightly in predict mode."""
    evaluation = evaluate(manifest, scenario(challenge.scenario, settings), goals=challenge.goals)
    assert evaluation.goals is not None
    points = prediction_points(evaluation.trace)
    perfect = score(points, {p.id: p.answer for p in points})
    results = check_goals(evaluation.trace, challenge.goals, perfect)
    return {result.goal: result.passed for result in results}


def on_trace(challenge: Shipped, trace: Trace) -> dict[str, bool]:
    return {r.goal: r.passed for r in check_goals(trace, load_goals(challenge.goals))}


def run_lines(state: ClusterState, lines: list[str], editor: str) -> tuple[ClusterState, Trace]:
    """Run console lines; every one must succeed. The trace of the last one that changed
    the cluster, the one the console checks goals on."""
    last: Trace | None = None
    for line in lines:
        state, result = run_command(state, line, files={"-": editor}, key=DEFAULT_KEY)
        assert result.exit_code == 0, (line, result.error)
        if result.changed and result.trace is not None:
            last = result.trace
    assert last is not None, "no command changed the cluster"
    return state, last


def setup_lines(challenge: Shipped) -> list[str]:
    return [line for line in challenge.setup.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def ids(challenges: list[Shipped]) -> list[str]:
    return [c.key for c in challenges]


# --- the course as a whole ---------------------------------------------------------------------

def test_the_course_has_at_least_sixteen_challenges_with_unique_keys():
    keys = ids(CHALLENGES)
    assert len(keys) >= 16, keys
    assert len(set(keys)) == len(keys)


def test_every_console_challenge_has_the_steps_a_learner_would_type():
    assert set(CONSOLE_STEPS) == set(ids(CONSOLE))


# --- each challenge ----------------------------------------------------------------------------

@pytest.mark.parametrize("challenge", CHALLENGES, ids=ids(CHALLENGES))
def test_solution_meets_every_goal(challenge: Shipped) -> None:
    results = passed(challenge, challenge.solution, challenge.solution_settings)
    assert results and all(results.values()), results


@pytest.mark.parametrize("challenge", CHALLENGES, ids=ids(CHALLENGES))
def test_starter_does_not_meet_every_goal(challenge: Shipped) -> None:
    results = passed(challenge, challenge.starter)
    assert not all(results.values()), results


@pytest.mark.parametrize("challenge", CHALLENGES, ids=ids(CHALLENGES))
def test_challenge_is_complete_and_its_last_hint_points_at_the_solution(
    challenge: Shipped,
) -> None:
    assert challenge.prompt.strip() and challenge.starter.strip() and challenge.goals.strip()
    assert 2 <= len(challenge.hints) <= 4, challenge.hints
    # The last hint is nearly the answer: a word it quotes as code is one the solution adds to
    # the starter or takes away from it.
    quoted = {word for code in re.findall(r"`([^`]+)`", challenge.hints[-1])
              for word in WORD.findall(code)}
    # A setting the solution needs counts as what it adds: its name and the value picked.
    picked = " ".join(f"{path.rsplit('.', 1)[-1]} {str(value).lower()}"
                      for path, value in challenge.solution_settings)
    solution, starter = Counter(WORD.findall(f"{challenge.solution}\n{picked}")), Counter(
        WORD.findall(challenge.starter))
    assert any(solution[word] != starter[word] for word in quoted), quoted


@pytest.mark.parametrize("challenge", CONSOLE, ids=ids(CONSOLE))
def test_console_challenge_setup_runs_and_leaves_it_unsolved(challenge: Shipped) -> None:
    assert "console" in challenge.prompt.lower()
    state = new_cluster(scenario(challenge.scenario), key=DEFAULT_KEY)
    _, trace = run_lines(state, setup_lines(challenge), challenge.starter)
    results = on_trace(challenge, trace)
    assert not all(results.values()), results


@pytest.mark.parametrize("challenge", CONSOLE, ids=ids(CONSOLE))
def test_console_challenge_is_solved_by_typing_its_solution(challenge: Shipped) -> None:
    state = new_cluster(scenario(challenge.scenario), key=DEFAULT_KEY)
    state, _ = run_lines(state, setup_lines(challenge), challenge.starter)
    _, trace = run_lines(state, CONSOLE_STEPS[challenge.key], challenge.solution)
    results = on_trace(challenge, trace)
    assert all(results.values()), results


# --- the capstone and the KEP-2535 challenges --------------------------------------------------

def by_key(key: str) -> Shipped:
    return next(c for c in CHALLENGES if c.key == key)


def test_the_capstone_makes_the_seed_deployment_production_safe_on_three_nodes():
    capstone = by_key("production-webapp/production-safe")
    assert "image: registry.company.com/webapp@sha256:abc123" in capstone.starter
    world = scenario(capstone.scenario)
    assert len(world.nodes) == 3
    # One node holds an older build under the tag the registry has since moved.
    stale = [(node.name, image) for node in world.nodes for image in node.images
             if image.ref == "registry.company.com/webapp:v2"]
    assert len(stale) == 1
    goals = {goal.name for goal in load_goals(capstone.goals)}
    assert {"sameImageEverywhere", "pullSecretsFrom", "podCount", "allPodsRunning"} <= goals
    assert "pullSecretsFrom: ServiceAccount" in capstone.goals
    assert "serviceAccountName:" in capstone.solution
    assert "imagePullSecrets" not in capstone.solution.split("kind: Deployment")[1]
    # Tag v2 instead of a digest splits the replicas: node-a starts its cached old build.
    by_tag = capstone.solution.replace(
        re.search(r"webapp@sha256:[0-9a-f]{64}", capstone.solution).group(0), "webapp:v2")
    assert not passed(capstone, by_tag)["every replica runs the same image"]


def test_kep_2535_challenges_use_scenarios_with_each_cluster_setting():
    settings = {}
    for challenge in CHALLENGES:
        if challenge.lesson != "shared-nodes":
            continue
        world = scenario(challenge.scenario, challenge.solution_settings)
        settings[challenge.slug] = (world.kubelet.ensure_secret_pulled_images,
                                    world.kubelet.verification_policy, world.always_pull_images)
    assert settings == {
        "never-after-the-upgrade": (True, "NeverVerifyPreloadedImages", False),
        "baked-image-always-verified": (True, "AlwaysVerify", False),
        "always-pull-images-rewrites": (False, "NeverVerify", True),
        # the learner changes the setting themselves, under Cluster settings
        "turn-the-gate-on": (True, "NeverVerifyPreloadedImages", False),
        "enable-always-pull-images": (False, "NeverVerify", True),
        "verify-the-baked-image": (True, "AlwaysVerify", False),
    }


SETTING_CHALLENGES = [c for c in CHALLENGES if c.solution_settings]


def test_some_challenges_are_passed_only_by_changing_a_cluster_setting():
    assert {c.key for c in SETTING_CHALLENGES} >= {
        "shared-nodes/turn-the-gate-on", "shared-nodes/enable-always-pull-images",
        "shared-nodes/verify-the-baked-image"}


@pytest.mark.parametrize("challenge", SETTING_CHALLENGES, ids=ids(SETTING_CHALLENGES))
def test_the_solution_without_its_settings_does_not_pass(challenge: Shipped) -> None:
    assert not all(passed(challenge, challenge.solution).values())
