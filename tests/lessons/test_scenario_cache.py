"""A run in a known scenario costs no query (issue 13), yet an edit is never served stale."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lessons import lookups
from lessons.models import Scenario
from sandbox.engine import ManifestError

pytestmark = pytest.mark.django_db

ONE_NODE = "name: One node\nnodes:\n  - name: node-a\n"
TWO_NODES = "name: Two nodes\nnodes:\n  - name: node-a\n  - name: node-b\n"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    lookups.forget_scenarios()
    yield
    lookups.forget_scenarios()


def test_a_scenario_read_once_is_served_without_a_query() -> None:
    Scenario.objects.create(slug="one", title="One", source=ONE_NODE)
    assert lookups.cached_scenario("one") is lookups.MISSING
    world = lookups.scenario_for_run("one")
    assert world is not None and [n.name for n in world.nodes] == ["node-a"]
    with CaptureQueriesContext(connection) as queries:
        assert lookups.cached_scenario("one") is world
    assert len(queries) == 0


def test_saving_a_scenario_drops_what_was_kept() -> None:
    row = Scenario.objects.create(slug="one", title="One", source=ONE_NODE)
    lookups.scenario_for_run("one")
    row.source = TWO_NODES
    row.save()
    assert lookups.cached_scenario("one") is lookups.MISSING
    world = lookups.scenario_for_run("one")
    assert world is not None and [n.name for n in world.nodes] == ["node-a", "node-b"]


def test_deleting_a_scenario_drops_what_was_kept() -> None:
    Scenario.objects.create(slug="one", title="One", source=ONE_NODE)
    lookups.scenario_for_run("one")
    Scenario.objects.filter(slug="one").delete()
    assert lookups.cached_scenario("one") is lookups.MISSING
    assert lookups.scenario_for_run("one") is None


def test_an_edit_made_elsewhere_shows_once_the_entry_is_old(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another server process's edit fires no signal here: the entry's age bounds how stale."""
    Scenario.objects.create(slug="one", title="One", source=ONE_NODE)
    lookups.scenario_for_run("one")
    Scenario.objects.filter(slug="one").update(source=TWO_NODES)  # no post_save, as elsewhere
    assert lookups.cached_scenario("one") is not lookups.MISSING
    monkeypatch.setattr(lookups, "SCENARIO_SECONDS", -1.0)
    assert lookups.cached_scenario("one") is lookups.MISSING


def test_an_unknown_slug_is_none_and_a_broken_scenario_is_not_kept() -> None:
    assert lookups.scenario_for_run("nowhere") is None
    assert lookups.cached_scenario("nowhere") is None
    Scenario.objects.create(slug="broken", title="Broken", source="nodes: [")
    with pytest.raises(ManifestError):
        lookups.scenario_for_run("broken")
    assert lookups.cached_scenario("broken") is lookups.MISSING
