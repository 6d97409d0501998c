"""`evaluate`: the one use case every edge calls (websocket, `manage.py simulate`, bench, tests).

A learner's paste (Kubernetes YAML, or kubectl commands) lands in a scenario, optionally after
their own image was built and pushed into it; the simulator runs it; a challenge's goals are
checked on the trace. Text becomes objects here, once (`load_paste`). Rendering (kubectl text,
Mermaid) happens on demand, through `render/`, not inside the simulation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .goals import Goal, GoalResult, check_goals, load_goals
from .objects import Manifests
from .paste import created_objects, load_paste
from .problems import ManifestError, Problem
from .render import all_diagrams, report
from .scenario import BuildRequest, LearnerBuild, apply_learner_build, default_scenario
from .simulator import simulate
from .trace import Trace
from .world import Scenario


class BuildError(ManifestError):
    """The learner's build could not be made; nothing ran."""


class GoalsError(ManifestError):
    """The challenge's goals are malformed: the instructor's problem, not the learner's."""


@dataclass(frozen=True)
class Evaluation:
    """What one paste did in one scenario: the trace, and what the learner is shown beside it."""

    trace: Trace
    objects: Manifests  # the pasted objects (a scenario's own objects are not among them)
    scenario: Scenario  # the world it ran in, with the learner's build pushed when there was one
    created: tuple[dict[str, str], ...] = ()  # objects kubectl commands created, as YAML
    goals: tuple[GoalResult, ...] | None = None  # None: not a challenge
    build: LearnerBuild | None = None

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Non-fatal problems of the paste, with their positions."""
        return tuple(self.objects.warnings)

    @cached_property
    def diagrams(self) -> dict[str, str]:
        """Every Mermaid diagram of the run, drawn the first time it is asked for."""
        return all_diagrams(self.trace)

    @property
    def charts(self) -> dict[str, str]:
        """The diagrams but the decision flowcharts: a result's layer, pull and registry charts.

        The page lights one pod's path on the unmarked flowchart `accepted` brings; the chart
        marked with every pod's path at once is `manage.py simulate`'s, and no page reads it.
        """
        return {k: v for k, v in self.diagrams.items() if k not in ("flow", "flow_plain")}

    def get_pods(self) -> str:
        """`kubectl get pods -o wide` at the end of the run."""
        return report.get_pods(self.trace)

    def describe_pods(self) -> str:
        """`kubectl describe pods` at the end of the run."""
        return report.describe_pods(self.trace)

    def to_dict(self) -> dict[str, Any]:
        """The trace and what goes with it, JSON-safe and deterministic."""
        return {
            "trace": self.trace.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
            "created": [dict(c) for c in self.created],
            "goals": None if self.goals is None else [g.to_dict() for g in self.goals],
            "build": None if self.build is None else self.build.to_dict(),
        }


def evaluate(
    paste: str | bytes | Manifests,
    scenario: Scenario | None = None,
    *,
    build: BuildRequest | None = None,
    goals: str | Sequence[Goal] | list[Any] | None = None,
    horizon: float | None = None,
    max_steps: int = 20_000,
) -> Evaluation:
    """Build and push the learner's image (if any), read the paste, simulate, check the goals.

`paste` is text (Kubernetes YAML or kubectl commands, read by `load_paste`), or the objects
`load_paste` already returned.

    Raises `BuildError` for a build that cannot be made, `ManifestError` for a paste that cannot
    be read, and `GoalsError` for goals that cannot be read; each carries positioned problems.
    Nothing runs unless all of them could be read.
    """
    world = scenario if scenario is not None else default_scenario()
    built = None
    if build is not None:
        try:
            built = apply_learner_build(world, build.dockerfile, build.files, build.push,
                                        architecture=build.architecture,
                                        preloaded=build.preloaded)
        except ManifestError as err:
            raise BuildError(err.problems) from None
        world = built.scenario
    objects = paste if isinstance(paste, Manifests) else load_paste(paste)
    read_goals: tuple[Goal, ...] | None = None
    if goals is not None:
        try:
            read_goals = _read(goals)
        except ManifestError as err:
            raise GoalsError(err.problems) from None
    trace = simulate(objects, world, horizon=horizon, max_steps=max_steps)
    results = None if read_goals is None else tuple(check_goals(trace, read_goals))
    created = tuple(created_objects(paste, objects)) if isinstance(paste, str) else ()
    return Evaluation(trace, objects, world, created, results, built)


def _read(goals: str | Sequence[Goal] | list[Any]) -> tuple[Goal, ...]:
    """Goals as `load_goals` returns them: read now unless they already were."""
    if isinstance(goals, str):
        return load_goals(goals)
    if all(isinstance(goal, Goal) for goal in goals):
        return tuple(goals)
    return load_goals(list(goals))
