"""The sandbox page's "Modelled cluster" line follows the scenario picker (issue 12), in a real
browser against the real server: switching to a `classic` or `k8s-1.37` scenario shows its
Kubernetes and containerd before anything runs."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import pytest
from conftest import manage
from playwright.sync_api import Page, expect

from sandbox.engine.runtime import DEFAULT_PROFILE, modelled_versions

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser
DEFAULT = f"Modelled cluster: {modelled_versions(DEFAULT_PROFILE)}"

# Ordered after the shipped course's scenarios, so the page's first scenario stays theirs.
ADD_SCENARIOS = """
from lessons.models import Scenario
for slug, title, profile in [("versions-classic", "Versions: classic", "classic"),
                             ("versions-137", "Versions: 1.37", "k8s-1.37")]:
    Scenario.objects.update_or_create(slug=slug, defaults={
        "title": title, "order": 10_000, "source": f"name: {slug}\\nprofile: {profile}\\n"})
"""


@pytest.fixture
def versioned_scenarios(sandbox_server: LiveServer) -> None:
    database = sandbox_server.log.parent / "lunchbox.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings",
           "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("REDIS_URL", None)
    added = manage(["shell", "-c", ADD_SCENARIOS], env)
    assert added.returncode == 0, added.stderr


def test_the_modelled_versions_follow_the_chosen_scenario(
    page: Page, sandbox_server: LiveServer, versioned_scenarios: None
) -> None:
    page.goto(f"{sandbox_server.url}/sandbox/")
    line = page.locator("#modelled-versions")
    expect(line).to_have_text(DEFAULT)
    picker = page.get_by_role("combobox", name="Scenario", exact=True)
    picker.select_option("versions-classic")
    expect(line).to_have_text("Modelled cluster: Kubernetes 1.27 · containerd 1.6.20")
    picker.select_option("versions-137")
    expect(line).to_have_text("Modelled cluster: Kubernetes 1.37 · containerd 2.3.4")
    picker.select_option("")
    expect(line).to_have_text(DEFAULT)
    # the picker's accessible description includes the versions line
    expect(picker).to_have_accessible_description(re.compile(re.escape(DEFAULT)))


def test_a_scenario_in_the_address_opens_with_its_versions(
    page: Page, sandbox_server: LiveServer, versioned_scenarios: None
) -> None:
    page.goto(f"{sandbox_server.url}/sandbox/?scenario=versions-137")
    expect(page.locator("#modelled-versions")).to_have_text(
        "Modelled cluster: Kubernetes 1.37 · containerd 2.3.4")
