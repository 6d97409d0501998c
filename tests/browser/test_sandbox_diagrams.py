"""The result's extra diagrams, docker pull output and kubectl-created objects, in a browser."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from manifest_editor import fill_manifest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer, NetworkLog

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 30_000

# Not on either node of `two-nodes`, so the kubelet pulls it.
PULLED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
"""

# Already on node-1 of `two-nodes`, and the only pod: nothing is pulled.
CACHED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
"""

# The company registry is private and the pod names no pull secret: every pull is refused.
PRIVATE_POD_WITHOUT_SECRET = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  nodeName: node-b
  containers:
    - name: app
      image: registry.company.com/webapp:v1
"""

CREATE_SECRET = (
    "kubectl create secret docker-registry regcred --docker-server=registry.company.com "
    "--docker-username=myuser --docker-password=mypass123\n"
)


def run(page: Page, server: LiveServer, scenario: str, manifest: str) -> None:
    page.goto(f"{server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    slugs = page.locator("#scenario option").evaluate_all("options => options.map(o => o.value)")
    if scenario not in slugs:
        pytest.skip(f"scenario {scenario!r} is not loaded (manage.py load_content); have {slugs}")
    page.select_option("#scenario", scenario)
    fill_manifest(page, manifest)
    page.select_option("#speed", "16")
    page.click("#run")
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)


def test_pulled_image_offers_each_diagram_as_a_tab_drawn_when_first_opened(
    page: Page, sandbox_server: LiveServer, network: NetworkLog
) -> None:
    run(page, sandbox_server, "two-nodes", PULLED_POD)

    tabs = page.locator("#diagrams [role=tab]:visible")
    expect(tabs).to_have_text(["Decision flow", "Layers", "Pull timeline", "Registry exchange"])
    expect(page.get_by_role("tab", name="Decision flow")).to_have_attribute("aria-selected", "true")
    # Lazy: nothing but the flowchart is drawn before its tab opens.
    expect(page.locator("#diagram-panel-layers svg")).to_have_count(0)
    expect(page.locator("#diagram-panel-pulls svg")).to_have_count(0)

    page.get_by_role("tab", name="Layers").click()
    layers = page.get_by_role("tabpanel", name="Layers")
    expect(layers).to_be_visible()
    expect(layers.locator("svg[aria-roledescription^='flowchart']")).to_have_count(1)
    expect(layers.locator("svg > title")).to_have_text(
        "Image layer stacks, base layer at the bottom"
    )
    expect(layers.locator("svg > desc")).to_contain_text("node-1")
    expect(layers.locator("table")).to_contain_text("nginx:1.27")
    expect(layers.locator("table")).to_contain_text("1 layer, 42 MB")
    expect(page.locator("#diagram-panel-flow")).to_be_hidden()

    # The rest with the keyboard: arrows move focus and selection together, and wrap.
    page.get_by_role("tab", name="Layers").focus()
    page.keyboard.press("ArrowRight")
    timeline_tab = page.get_by_role("tab", name="Pull timeline")
    expect(timeline_tab).to_be_focused()
    expect(timeline_tab).to_have_attribute("aria-selected", "true")
    timeline = page.get_by_role("tabpanel", name="Pull timeline")
    expect(timeline.locator("svg[aria-roledescription='gantt']")).to_have_count(1)
    expect(timeline.locator("svg > title")).to_have_text(
        "Image pulls on each node over simulated time"
    )
    expect(timeline.locator("table")).to_contain_text("Downloaded newer image for nginx:1.27")

    page.keyboard.press("ArrowRight")
    registry = page.get_by_role("tabpanel", name="Registry exchange")
    expect(registry.locator("svg[aria-roledescription='sequence']")).to_have_count(1)
    expect(registry.locator("svg > title")).to_have_text("Registry exchange of one image pull")
    expect(registry.locator("ol")).to_contain_text("HEAD /v2/library/nginx/manifests/1.27")
    expect(layers).to_be_hidden()

    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Decision flow")).to_be_focused()
    expect(page.locator("#flow svg")).to_be_visible()
    page.keyboard.press("End")
    expect(page.get_by_role("tab", name="Registry exchange")).to_be_focused()
    page.keyboard.press("Home")
    expect(page.get_by_role("tab", name="Decision flow")).to_have_attribute("aria-selected", "true")
    # Roving tabindex: only the selected tab is in the tab order.
    expect(page.locator("#diagrams [role=tab][tabindex='0']")).to_have_count(1)

    pull = page.locator("#docker-pulls details")
    expect(pull).to_have_count(1)
    expect(pull.locator("summary")).to_have_text(
        re.compile(r"^nginx:1\.27 on node-\d \(default/web\)$")
    )
    expect(pull.locator("pre")).to_be_hidden()
    pull.locator("summary").click()
    output = pull.locator("pre")
    expect(output).to_contain_text("Pull complete")
    expect(output).to_contain_text("Already exists")
    expect(output).to_contain_text("Status: Downloaded newer image for nginx:1.27")
    expect(page.locator("#created-block")).to_be_hidden()

    # The lazily loaded gantt and sequence chunks came from our own server too.
    assert any("/static/vendor/mermaid/chunks/" in url for url in network.requested)
    assert network.refused == []


def test_no_pull_means_no_tabs_and_no_docker_pull_panel(
    page: Page, sandbox_server: LiveServer
) -> None:
    run(page, sandbox_server, "two-nodes", CACHED_POD)

    expect(page.locator("#flow svg")).to_have_count(1)
    expect(page.locator("#diagrams [role=tablist]")).to_be_hidden()
    expect(page.locator("#diagram-panel-flow")).to_be_visible()
    expect(page.locator("#diagram-panel-flow")).not_to_have_attribute("role", "tabpanel")
    expect(page.locator("#docker-pulls-block")).to_be_hidden()


def test_new_run_goes_back_to_the_flowchart_and_forgets_old_charts(
    page: Page, sandbox_server: LiveServer
) -> None:
    run(page, sandbox_server, "two-nodes", PULLED_POD)
    page.get_by_role("tab", name="Pull timeline").click()
    expect(page.locator("#diagram-panel-pulls svg")).to_have_count(1)

    page.select_option("#speed", "16")
    page.click("#run")
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_role("tab", name="Decision flow")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#diagram-panel-pulls")).to_be_hidden()
    expect(page.locator("#diagram-panel-pulls svg")).to_have_count(0)


def test_kubectl_paste_shows_the_created_secret_without_its_password(
    page: Page, sandbox_server: LiveServer, network: NetworkLog
) -> None:
    run(page, sandbox_server, "private-registry", CREATE_SECRET)

    block = page.locator("#created-block")
    expect(block).to_be_visible()
    expect(block.get_by_role("heading")).to_have_text("kubectl would create:")
    expect(block).to_contain_text("Secret values are hidden")
    yaml = block.locator("pre")
    expect(yaml).to_have_count(1)
    expect(yaml).to_contain_text("kind: Secret")
    expect(yaml).to_contain_text("name: regcred")
    expect(yaml).to_contain_text("type: kubernetes.io/dockerconfigjson")
    expect(yaml).to_contain_text('"username":"myuser"')
    expect(block.locator("figcaption")).to_have_text("Secret default/regcred")

    # Only the editor, which holds what the learner typed, may show the password.
    outside_the_editor = page.evaluate("""() => {
        const body = document.body.cloneNode(true);
        body.querySelector(".cm-editor")?.remove();
        return body.outerHTML;
    }""")
    assert "kind: Secret" in outside_the_editor
    assert "mypass123" not in outside_the_editor
    assert network.refused == []


def test_failed_pull_has_no_layers_tab_and_marks_the_pull_failed(
    page: Page, sandbox_server: LiveServer
) -> None:
    run(page, sandbox_server, "private-registry", PRIVATE_POD_WITHOUT_SECRET)

    tabs = page.locator("#diagrams [role=tab]:visible")
    expect(tabs).to_have_text(["Decision flow", "Pull timeline", "Registry exchange"])
    page.get_by_role("tab", name="Decision flow").focus()
    page.keyboard.press("ArrowLeft")  # wraps to the last visible tab
    registry = page.get_by_role("tabpanel", name="Registry exchange")
    expect(registry.locator("svg[aria-roledescription='sequence']")).to_have_count(1)
    expect(registry).to_contain_text("The pull failed")

    failed = page.locator("#docker-pulls details[data-outcome='failed']")
    expect(failed.first.locator("summary")).to_have_text(
        "registry.company.com/webapp:v1 on node-b (default/app) failed"
    )
    expect(page.locator("#docker-pulls details[data-outcome='pulled']")).to_have_count(0)
    failed.first.locator("summary").press("Enter")
    expect(failed.first.locator("pre")).to_contain_text("pull access denied")
