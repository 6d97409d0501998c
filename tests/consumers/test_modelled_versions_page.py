"""The sandbox page and the lesson pages say which Kubernetes and containerd each scenario
models (issue 12, docs/versions.md): `runtime.modelled_versions` of the scenario's profile."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client

from lessons.models import Challenge, Lesson, Scenario
from lessons.versions import scenario_versions
from sandbox.engine.runtime import DEFAULT_PROFILE, PROFILES, modelled_versions

pytestmark = pytest.mark.django_db

CLASSIC = "Kubernetes 1.27 · containerd 1.6.20"
K8S_137 = "Kubernetes 1.37 · containerd 2.3.4"
DEFAULT = modelled_versions(DEFAULT_PROFILE)


def scenarios() -> None:
    Scenario.objects.create(slug="plain", title="Plain", source="name: plain\n", order=0)
    Scenario.objects.create(slug="old", title="Old cluster", source="name: old\nprofile: classic\n",
                            order=1)
    Scenario.objects.create(slug="new", title="New cluster",
                            source="name: new\nprofile: k8s-1.37\n", order=2)


def options(content: str) -> dict[str, str]:
    """The picker's scenario slug -> the versions the page has for it (#scenario-versions)."""
    match = re.search(r'<script id="scenario-versions" type="application/json">(.*?)</script>',
                      content)
    assert match, "the page has no scenario-versions data"
    data: dict[str, str] = json.loads(match.group(1))
    picker = content.split('<select id="scenario"', 1)[1].split("</select>", 1)[0]
    slugs = re.findall(r'<option value="([^"]*)"', picker)
    assert set(slugs) <= set(data), "every option has its versions"
    return data


def versions_line(content: str) -> str:
    match = re.search(r'<p id="modelled-versions" class="hint">([^<]*)</p>', content)
    assert match, "the page has no modelled-versions line"
    return html.unescape(match.group(1))


def test_the_expected_versions_are_the_profiles() -> None:
    assert modelled_versions(PROFILES["classic"]) == CLASSIC
    assert modelled_versions(PROFILES["k8s-1.37"]) == K8S_137


def test_every_scenario_option_carries_the_versions_its_scenario_models(client: Client) -> None:
    scenarios()
    content = client.get("/sandbox/").content.decode()
    assert options(content) == {"": DEFAULT, "plain": DEFAULT, "old": CLASSIC, "new": K8S_137}
    assert 'aria-describedby="scenario-description modelled-versions"' in content


@pytest.mark.parametrize(("query", "expected"), [
    ("", DEFAULT),  # the first scenario, which uses the default profile
    ("?scenario=old", CLASSIC),
    ("?scenario=new", K8S_137),
    ("?scenario=nope", DEFAULT),  # no such option: the browser shows the default cluster
])
def test_the_versions_line_is_the_selected_scenarios(client: Client, query: str,
                                                     expected: str) -> None:
    scenarios()
    content = client.get(f"/sandbox/{query}").content.decode()
    assert versions_line(content) == f"Modelled cluster: {expected}"


def test_a_challenge_page_states_its_scenarios_versions(client: Client) -> None:
    scenarios()
    lesson = Lesson.objects.create(slug="old-days", title="Old days", published=True,
                                   scenario=Scenario.objects.get(slug="old"))
    Challenge.objects.create(lesson=lesson, slug="as-it-was", title="As it was",
                             prompt="Run it.", goals="- allPodsRunning: true\n")
    Challenge.objects.create(lesson=lesson, slug="newer", title="Newer", prompt="Run it.",
                             goals="- allPodsRunning: true\n",
                             scenario=Scenario.objects.get(slug="new"))
    sandbox = client.get("/sandbox/?challenge=old-days/as-it-was").content.decode()
    assert versions_line(sandbox) == f"Modelled cluster: {CLASSIC}"
    lesson_page = html.unescape(client.get("/lessons/old-days/").content.decode())
    lines = re.findall(r'<p class="challenge-versions">([^<]*)</p>', lesson_page)
    assert lines == [f"Modelled cluster: {CLASSIC}", f"Modelled cluster: {K8S_137}"]


def test_a_scenario_that_does_not_load_has_no_versions() -> None:
    assert scenario_versions("name: broken\nprofile: k8s-9.99\n") == ""
    assert scenario_versions(None) == DEFAULT
