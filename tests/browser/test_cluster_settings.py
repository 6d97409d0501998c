"""The Cluster settings group in a real browser (issue 11): a scenario's learner settings go
with each Run, change what the shared node does, and a challenge is passed only with the right
setting."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from manifest_editor import fill_manifest, manifest_editor
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 30_000
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


def run(page: Page) -> None:
    page.select_option("#speed", "16")
    manifest_editor(page).focus()
    page.keyboard.press("Control+Enter")


def reports_status(page: Page, status: str) -> None:
    expect(page.locator("#get-pods")).to_contain_text(
        re.compile(rf"reports\s+\d/1\s+{status}\b"), timeout=RUN_TIMEOUT_MS)


def test_turning_the_gate_on_in_cluster_settings_stops_team_b_using_team_as_image(
    page: Page, sandbox_server: LiveServer
) -> None:
    page.goto(f"{sandbox_server.url}/sandbox/?scenario=shared-node")
    expect(page.locator("#connection-state")).to_have_text("connected")
    group = page.get_by_role("group", name="Cluster settings")
    expect(group).to_be_visible()
    expect(group).to_contain_text("The kubelet's configuration on every node")
    gate = group.get_by_role("checkbox", name="featureGates: KubeletEnsureSecretPulledImages")
    policy = group.get_by_role("combobox", name="imagePullCredentialsVerificationPolicy")
    always_pull = group.get_by_role("checkbox", name="AlwaysPullImages admission plugin")
    # The scenario's own values: the gate off, no policy set, no AlwaysPullImages.
    expect(gate).not_to_be_checked()
    expect(policy).to_have_value("null")
    expect(always_pull).not_to_be_checked()

    fill_manifest(page, TWO_TEAMS)
    run(page)
    reports_status(page, "Running")  # the hole: no credentials, team A's cached copy

    gate.check()
    run(page)
    reports_status(page, "ErrImageNeverPull")

    gate.uncheck()
    policy.select_option(label="AlwaysVerify")
    run(page)
    problems = page.locator("#problems")
    expect(problems).to_contain_text("these cluster settings cannot be used",
                                     timeout=RUN_TIMEOUT_MS)
    expect(problems).to_contain_text("must not be set if KubeletEnsureSecretPulledImages feature "
                                     "gate is not enabled")

    page.select_option("#scenario", "two-nodes")
    expect(group).to_be_hidden()


def test_a_challenge_that_needs_the_gate_is_passed_once_it_is_on(
    page: Page, sandbox_server: LiveServer
) -> None:
    page.goto(f"{sandbox_server.url}/sandbox/?challenge=shared-nodes/turn-the-gate-on")
    expect(page.locator("#connection-state")).to_have_text("connected")
    section = page.locator("#challenge")
    run(page)
    expect(section).to_have_attribute("data-state", "incomplete", timeout=RUN_TIMEOUT_MS)
    page.get_by_role("checkbox", name="featureGates: KubeletEnsureSecretPulledImages").check()
    run(page)
    expect(section).to_have_attribute("data-state", "complete", timeout=RUN_TIMEOUT_MS)
