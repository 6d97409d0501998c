"""Check YAML fields with the engine and report each problem with its line and column.

The engine is imported inside the functions: the app (admin, migrations, views) keeps working
while an engine module is broken or missing, and only validation needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

if TYPE_CHECKING:
    from sandbox.engine import Scenario as WorldScenario
    from sandbox.engine.problems import Problem


def scenario_problems(text: str) -> list[Problem]:
    """What `load_scenario` finds wrong with a scenario's YAML; empty when it loads."""
    from sandbox.engine.problems import ManifestError
    from sandbox.engine.scenario import load_scenario

    try:
        load_scenario(text)
    except ManifestError as error:
        return list(error.problems)
    return []


def manifest_problems(text: str) -> list[Problem]:
    """What `load_manifests` finds wrong with a manifest; a blank manifest is fine."""
    if not text.strip():
        return []
    from sandbox.engine.manifests import load_manifests
    from sandbox.engine.problems import ManifestError

    try:
        load_manifests(text)
    except ManifestError as error:
        return list(error.problems)
    return []


def goal_problems(text: str) -> list[Problem]:
    """Goals must be a YAML list of one-key mappings (`- noRegistryPulls: true`) the engine knows,
    with values it can read; read by the engine's own goal reader (hostile-input safe), so every
    problem carries its line and column."""
    from sandbox.engine import ManifestError, load_goals

    if not text.strip():
        return []
    try:
        load_goals(text)
    except ManifestError as error:
        return list(error.problems)
    return []






def setup_problems(setup: str, scenario: WorldScenario | None, starter: str) -> list[Problem]:
    """Each setup line must succeed in a fresh cluster of the challenge's scenario (`-f -` is the
    starter manifest); a failing one is reported at its line with kubectl's own error."""
    from sandbox.engine import Problem as EngineProblem
    from sandbox.engine import default_scenario
    from sandbox.engine.console import DEFAULT_KEY, new_cluster, run_command

    if not setup.strip():
        return []
    world = scenario if scenario is not None else default_scenario()
    state = new_cluster(world, key=DEFAULT_KEY)
    problems: list[Problem] = []
    for number, line in enumerate(setup.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        state, result = run_command(state, line, files={"-": starter}, key=DEFAULT_KEY)
        if result.exit_code:
            problems.append(EngineProblem(result.error.strip()[:500] or "the command failed",
                                          number, 1, hint="every setup command must succeed"))
    return problems


# Goals no run of a manifest can meet: the learner's own answers count for them.
LEARNER_GOALS = frozenset({"predictions"})


def settings_world(source: str, world: WorldScenario | None,
                   settings: Any) -> tuple[WorldScenario | None, list[Problem]]:
    """The scenario with a challenge's `solution_settings` in force, as a learner would pick
    them (`apply_settings`); problems name each setting that cannot be picked."""
    from sandbox.engine import Problem as EngineProblem
    from sandbox.engine import SettingsError, apply_settings, default_scenario

    if not isinstance(settings, dict):
        return world, [EngineProblem("solution settings must be a mapping of setting to value")]
    picked = []
    for path, value in settings.items():
        if not (value is None or isinstance(value, (bool, str))):
            return world, [EngineProblem(f"{path} must be true, false, null or a name",
                                         path=str(path))]
        picked.append((str(path), value))
    try:
        return apply_settings(source, world or default_scenario(), picked), []
    except SettingsError as error:
        return world, list(error.problems)


def solvability_problems(starter: str, solution: str, goals: str,
                         scenario: WorldScenario | None,
                         solved_in: WorldScenario | None = None) -> dict[str, list[Problem]]:
    """Run the solution and the starter through the engine against the goals: the solution must
    meet every goal a run can meet, and the starter must not meet them all already (or the
    challenge is solved before the learner starts). Each failure names the goal and what the
    run showed, keyed by the field to fix. Only called once the fields themselves are valid.
    The solution runs in `solved_in` when given: the scenario with its solution settings."""
    from sandbox.engine import ManifestError, default_scenario, evaluate, load_goals
    from sandbox.engine import Problem as EngineProblem

    read = tuple(g for g in load_goals(goals) if g.name not in LEARNER_GOALS
                 ) if goals.strip() else ()
    if not read:
        return {}
    world = scenario if scenario is not None else default_scenario()

    def results(manifest: str, where: WorldScenario | None = None) -> tuple[Any, ...] | list[
            Problem]:
        try:
            return tuple(evaluate(manifest, where or world, goals=read).goals or ())
        except ManifestError as error:
            return list(error.problems)

    problems: dict[str, list[Problem]] = {}
    if not solution.strip():
        problems["solution"] = [EngineProblem(
            "a challenge with goals needs a solution that meets them",
            hint="paste the manifest that solves it; saving runs it against the goals")]
    elif isinstance(solved := results(solution, solved_in), list):
        problems["solution"] = solved
    else:
        problems["solution"] = [EngineProblem(
            f"the solution does not meet the goal “{r.goal}”: expected {r.expected}, the run "
            f"showed {r.seen}"[:500], hint="fix the solution or the goal")
            for r in solved if not r.passed]
    if starter.strip():
        started = results(starter)
        if isinstance(started, list):
            problems["starter_manifest"] = started
        elif started and all(r.passed for r in started):
            problems["starter_manifest"] = [EngineProblem(
                "the starter already meets every goal, so the challenge is solved before the "
                "learner starts", hint="start from a manifest that fails at least one goal")]
    return {name: found for name, found in problems.items() if found}


def yaml_problem(error: YAMLError) -> Problem:
    """A ruamel syntax error as a positioned Problem (ruamel counts from 0, we from 1)."""
    from sandbox.engine.problems import Problem

    mark = getattr(error, "problem_mark", None) if isinstance(error, MarkedYAMLError) else None
    message = getattr(error, "problem", None) or str(error)
    if mark is None:
        return Problem(f"invalid YAML: {message}")
    return Problem(f"invalid YAML: {message}", line=mark.line + 1, column=mark.column + 1)




def format_problem(problem: Problem) -> str:
    """`Line 3, column 7: <message> (<hint>)`, the way the admin shows it."""
    where = ""
    if problem.line is not None:
        where = f"Line {problem.line}, column {problem.column or 1}: "
    hint = f" ({problem.hint})" if problem.hint else ""
    return f"{where}{problem.message}{hint}"


def raise_for_problems(problems_by_field: Mapping[str, Sequence[Problem]]) -> None:
    """Raise one ValidationError keyed by field, one message per problem, if there are any."""
    errors = {
        name: [ValidationError(format_problem(p), code="invalid") for p in problems]
        for name, problems in problems_by_field.items()
        if problems
    }
    if errors:
        raise ValidationError(errors)
