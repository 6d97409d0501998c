"""A challenge that needs a cluster setting (issue 11): its `solution_settings` are what a
learner picks under Cluster settings; saving runs the solution with them, refuses settings the
scenario does not offer, and the sandbox page offers the scenario's settings."""

from __future__ import annotations

import json
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from lessons.loader import default_content_dir, load_content
from lessons.models import Challenge, Lesson, Scenario

pytestmark = pytest.mark.django_db

SCENARIOS = Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"
GATE = "kubelet.featureGates.KubeletEnsureSecretPulledImages"
TWO_TEAMS = """\
apiVersion: v1
kind: Pod
metadata: {name: payments, namespace: team-a}
spec:
  imagePullSecrets: [{name: payments-pull}]
  containers: [{name: api, image: registry.company.com/payments/api:1.4}]
---
apiVersion: v1
kind: Pod
metadata: {name: reports, namespace: team-b}
spec:
  containers:
    - {name: api, image: registry.company.com/payments/api:1.4, imagePullPolicy: Never}
"""
GOALS = (f"- setting: {{{GATE}: true}}\n"
         "- waitingReason: {pod: reports, reason: ErrImageNeverPull}\n")


@pytest.fixture
def shared_node() -> Scenario:
    return Scenario.objects.create(slug="shared-node", title="Shared node",
                                   source=(SCENARIOS / "shared-node.yaml").read_text())


def challenge(scenario: Scenario, settings: object) -> Challenge:
    lesson = Lesson.objects.create(slug="l", title="L", scenario=scenario)
    return Challenge(lesson=lesson, slug="c", title="C", prompt="Go", goals=GOALS,
                     starter_manifest=TWO_TEAMS, solution=TWO_TEAMS, solution_settings=settings)


def test_a_challenge_solved_with_its_settings_saves(shared_node) -> None:
    challenge(shared_node, {GATE: True}).full_clean()


def test_without_the_setting_the_solution_is_refused_naming_the_goal(shared_node) -> None:
    with pytest.raises(ValidationError) as caught:
        challenge(shared_node, {}).full_clean()
    first, second = caught.value.message_dict["solution"]
    assert first.startswith(f"the solution does not meet the goal “the cluster runs with {GATE}")
    assert "ErrImageNeverPull" in second


def test_a_setting_the_scenario_does_not_offer_is_refused(shared_node) -> None:
    with pytest.raises(ValidationError) as caught:
        challenge(shared_node, {"kubelet.serializeImagePulls": False}).full_clean()
    (message,) = caught.value.message_dict["solution_settings"]
    assert "does not let learners change kubelet.serializeImagePulls" in message


def test_the_sandbox_page_offers_the_scenarios_settings(client: Client, shared_node) -> None:
    Scenario.objects.create(slug="plain", title="Plain", source="name: plain\n")
    content = client.get("/sandbox/?scenario=shared-node").content.decode()
    data = json.loads(re.search(r'id="cluster-settings-data"[^>]*>(.*?)</script>', content,
                                re.S).group(1))
    assert list(data) == ["shared-node"]
    gate = data["shared-node"][0]
    assert gate == {"path": GATE, "values": [False, True], "value": False, "in_force": False}
    assert '<legend>Cluster settings</legend>' in content


def test_an_unlocked_solution_is_shown_with_the_settings_it_needs(client: Client,
                                                                 shared_node) -> None:
    item = challenge(shared_node, {GATE: True})
    item.lesson.published = True
    item.lesson.save()
    item.save()
    content = client.get("/sandbox/?challenge=l/c").content.decode()
    assert "Run it with these Cluster settings" not in content  # locked: neither is shown
    Challenge.objects.filter(pk=item.pk).update(solution_visible=True)
    for url in ("/sandbox/?challenge=l/c", "/lessons/l/"):
        content = client.get(url).content.decode()
        assert "Run it with these Cluster settings" in content, url
        assert f"<code>{GATE}: true</code>" in content


def test_solution_settings_are_loaded_exported_and_loaded_again(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(default_content_dir(), target)
    load_content(target)
    item = Challenge.objects.get(lesson__slug="shared-nodes", slug="turn-the-gate-on")
    assert item.solution_settings == {GATE: True}
    picked = {GATE: True, "kubelet.imagePullCredentialsVerificationPolicy": None}
    item.solution_settings = picked  # still solves it: null is "not set"
    item.save()
    call_command("export_content", "--path", str(target), stdout=StringIO())
    text = (target / "shared-nodes.yaml").read_text()
    assert f"      {GATE}: true\n      kubelet.imagePullCredentialsVerificationPolicy:" in text
    Challenge.objects.all().delete()
    load_content(target, force=True)
    again = Challenge.objects.get(lesson__slug="shared-nodes", slug="turn-the-gate-on")
    assert again.solution_settings == picked
