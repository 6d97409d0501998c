"""What a sandbox run needs from the course: a challenge's goals and a scenario's world.

Synchronous ORM lookups for the websocket (which calls them through `database_sync_to_async`).
Visibility is the lesson pages' own (`Lesson.objects.visible_to`): a challenge of an unpublished
lesson exists only for staff.

A scenario's world is kept per slug (`cached_scenario`), so a run in a known scenario costs no
query and no thread hop: an edit saved in this process (the admin, `load_content`) drops the
entry at once, and an entry is read again after SCENARIO_SECONDS, so an edit made through another
server process shows there within that time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models.signals import post_delete, post_save

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


SCENARIO_SECONDS = 10.0
# slug: (read at, world or None, its YAML or None)
_SCENARIOS: dict[str, tuple[float, Scenario | None, str | None]] = {}
MISSING: Any = object()  # what `cached_scenario` returns when it holds no fresh entry


def _fresh(slug: str) -> tuple[float, Scenario | None, str | None] | None:
    entry = _SCENARIOS.get(slug)
    if entry is None or time.monotonic() - entry[0] > SCENARIO_SECONDS:
        return None
    return entry


def cached_scenario(slug: str) -> Any:
    """The world of scenario `slug` if it was read less than SCENARIO_SECONDS ago (None when
    there is no such scenario); `MISSING` when it must be read (`scenario_for_run`).
    A dict lookup: safe to call on the event loop."""
    entry = _fresh(slug)
    return MISSING if entry is None else entry[1]


def cached_source(slug: str) -> Any:
    """The YAML `cached_scenario` read for `slug` (None when there is no such scenario), or
    `MISSING`: learner settings are applied to the text (`scenario_with_settings`), and a run
    has just resolved its scenario, so this spares a second query."""
    entry = _fresh(slug)
    return MISSING if entry is None else entry[2]


def scenario_for_run(slug: str) -> Scenario | None:
    """Query and parse scenario `slug`, and keep it (`cached_scenario`); None if there is none.
    Raises ManifestError (and keeps nothing) if it is broken."""
    read_at = time.monotonic()
    source = scenario_source(slug)
    world = None if source is None else parsed_scenario(source)
    _SCENARIOS[slug] = (read_at, world, source)
    if len(_SCENARIOS) > 256:  # slugs come from clients: keep the known ones, not every guess
        for stale in [s for s, (_, w, _) in _SCENARIOS.items() if w is None]:
            del _SCENARIOS[stale]
    return world


def forget_scenarios(**kwargs: Any) -> None:
    """A scenario was saved or deleted here: read every scenario afresh."""
    _SCENARIOS.clear()


post_save.connect(forget_scenarios, sender=ScenarioModel, dispatch_uid="lookups-scenarios")
post_delete.connect(forget_scenarios, sender=ScenarioModel, dispatch_uid="lookups-scenarios-del")
