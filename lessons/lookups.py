"""What a sandbox run needs from the course: a challenge's goals and a scenario's world.

Synchronous ORM lookups for the websocket (which calls them through `database_sync_to_async`).
Visibility is the lesson pages' own (`Lesson.objects.visible_to`): a challenge of an unpublished
lesson exists only for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lessons.models import Challenge, Lesson
from lessons.models import Scenario as ScenarioModel
from sandbox.engine import Scenario, apply_settings, default_scenario, load_scenario


@dataclass(frozen=True)
class ChallengeRun:
    """A challenge as a run needs it: its goals, and the scenario it runs in (its own, else its
    lesson's; None for the default world)."""

    key: str
    goals: str
    scenario: str | None
    setup: str = ""  # console commands a learner's cluster for it starts with
    starter: str = ""  # the starter manifest, what `-f -` reads in `setup`


def challenge_for_run(key: str, user: Any) -> ChallengeRun | None:
    """The challenge `lesson-slug/challenge-slug` as `user` may see it; None if there is none."""
    lesson, _, slug = key.partition("/")
    row = (Challenge.objects
           .filter(lesson__in=Lesson.objects.visible_to(user), lesson__slug=lesson, slug=slug)
           .values_list("goals", "scenario__slug", "lesson__scenario__slug", "setup",
                        "starter_manifest").first())
    if row is None:
        return None
    goals, own, lessons, setup, starter = row
    scenario = own or lessons
    return ChallengeRun(key, str(goals), str(scenario) if scenario else None, str(setup),
                        str(starter))


def scenario_source(slug: str) -> str | None:
    """The YAML of the scenario `slug`; None if there is none."""
    source: str | None = (ScenarioModel.objects.filter(slug=slug)
                          .values_list("source", flat=True).first())
    return source


@lru_cache(maxsize=64)
def parsed_scenario(source: str) -> Scenario:
    """The engine's world for a scenario's YAML, read once per distinct text (an edit in the
    admin changes the text, so it is never stale). Raises ManifestError if it is broken."""
    return load_scenario(source)


@lru_cache(maxsize=64)
def scenario_with_settings(source: str,
                           choices: tuple[tuple[str, bool | str | None], ...]) -> Scenario:
    """The scenario `source` describes (the default world for "") with a learner's settings
    in force, read once per distinct text and choices. Raises SettingsError (or ManifestError
    for a broken scenario)."""
    base = parsed_scenario(source) if source else default_scenario()
    return apply_settings(source, base, choices)
