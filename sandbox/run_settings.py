"""A run's cluster `settings` (docs/protocol.md): the kubelet and admission settings a learner
picked, where the scenario lets them (`learnerSettings:`, docs/scenarios.md).

`choices` checks the shape a client sent (an object of known setting paths to true, false, a
short string or null); `apply` hands them to the engine, which checks them against the
scenario and the kubelet's own rules. The parsed scenario for each distinct set of choices is
cached (`lessons.lookups.scenario_with_settings`).
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from lessons import lookups
from sandbox.engine import ManifestError, Scenario, SettingsError, default_scenario
from sandbox.engine.scenario import SETTABLE
from sandbox.protocol import BadMessage

MAX_VALUE = 64  # characters of a string value: the longest policy name is 28
Choices = tuple[tuple[str, bool | str | None], ...]


def choices(value: Any) -> Choices:
    """The `settings` object as sorted (path, value) pairs; () when there is none."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise BadMessage("bad_message", "settings must be an object of setting to value, or null")
    if len(value) > len(SETTABLE):
        raise BadMessage("bad_message", f"settings may hold at most {len(SETTABLE)} settings")
    picked: list[tuple[str, bool | str | None]] = []
    for path, choice in value.items():
        if path not in SETTABLE:
            raise BadMessage("bad_message", f"settings has no setting {str(path)[:60]!r}; it "
                                            "takes " + ", ".join(SETTABLE))
        if not (choice is None or isinstance(choice, bool)
                or (isinstance(choice, str) and len(choice) <= MAX_VALUE)):
            raise BadMessage("bad_message", f"settings[{path!r}] must be true, false, null or a "
                                            f"string of at most {MAX_VALUE} characters")
        picked.append((path, choice))
    return tuple(sorted(picked))


async def apply(slug: str | None, scenario: Scenario, value: Any) -> Scenario:
    """`scenario` (the one `slug` names, already resolved) with the learner's settings in
    force; the same scenario when they picked none."""
    picked = choices(value)
    if not picked:
        return scenario
    source = "" if slug is None else lookups.cached_source(slug)
    if source is lookups.MISSING:
        source = await database_sync_to_async(lookups.scenario_source)(slug)
    try:
        return await sync_to_async(lookups.scenario_with_settings, thread_sensitive=False)(
            source or "", picked)
    except SettingsError as err:
        raise BadMessage("invalid_settings", "these cluster settings cannot be used; nothing ran",
                         [p.to_dict() for p in err.problems]) from None


async def scenario_for(slug: str | None) -> Scenario:
    """The world of scenario `slug`: from `lookups`' cache when it is fresh (no query, no thread
    hop), else read once in a thread."""
    if slug is None:
        return default_scenario()
    world = lookups.cached_scenario(slug)
    if world is lookups.MISSING:
        try:
            world = await database_sync_to_async(lookups.scenario_for_run)(slug)
        except ManifestError as err:
            raise BadMessage("invalid_scenario",
                             f"scenario {slug!r} is broken; tell the instructor",
                             [p.to_dict() for p in err.problems]) from None
    if world is None:
        raise BadMessage("unknown_scenario",
                         f"there is no scenario {slug!r}; pick one from the list")
    assert isinstance(world, Scenario)
    return world
