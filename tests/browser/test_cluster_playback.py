"""The Cluster view during a run, in a real browser: pod chips that change as the run plays,
each pull's layers as `docker pull` shows them (Already exists on the node that held them), the
registry's tag that moves, and every view following Step back and the Timeline slider."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from manifest_editor import fill_manifest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from sandbox.engine import evaluate
from sandbox.engine.scenario import load_scenario

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "screenshot.png"
RUN_TIMEOUT_MS = 30_000
SCENARIO = "moving-tag"
APP = "registry.company.com/app:latest"

# In `moving-tag` both nodes hold app:latest as build-41, and the registry's latest is build-42
# (the same two lower layers, a new top one); a minute in, latest moves to build-43. `cached`
# pulls latest again on node-1: two layers already exist there. `fresh` pulls nginx on node-2,
# which has none of its layers.
TWO_PODS = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: cached
spec:
  nodeName: node-1
  containers:
    - name: app
      image: {APP}
      imagePullPolicy: Always
---
apiVersion: v1
kind: Pod
metadata:
  name: fresh
spec:
  nodeName: node-2
  containers:
    - name: web
      image: nginx:1.25
"""

FAILING_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:no-such-tag
"""


def steps_of_the_run() -> list[str]:
    """The narration of the same run, from the engine, to find the steps to look at."""
    text = (REPO / "lessons" / "content" / "scenarios" / f"{SCENARIO}.yaml").read_text()
    return [step.text for step in evaluate(TWO_PODS, load_scenario(text)).trace.steps]


def first_step(texts: list[str], pattern: str) -> int:
    return next(i for i, text in enumerate(texts) if re.search(pattern, text))


def run(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    slugs = page.locator("#scenario option").evaluate_all("os => os.map(o => o.value)")
    if SCENARIO not in slugs:
        pytest.skip(f"scenario {SCENARIO!r} is not loaded (manage.py load_content)")
    page.select_option("#scenario", SCENARIO)
    fill_manifest(page, TWO_PODS)
    page.select_option("#speed", "16")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)


def node(page: Page, name: str) -> Locator:
    return page.get_by_role("region", name="Cluster").get_by_role("article", name=f"node {name}")


def chip(page: Page, node_name: str, pod: str) -> Locator:
    return node(page, node_name).locator(".pod-chip").filter(has_text=pod)


def bar(page: Page, digest: str, image: str, node_name: str) -> Locator:
    return node(page, node_name).get_by_role(
        "progressbar", name=f"layer {digest} of {image} on {node_name}")


def tag_row(page: Page, tag: str) -> Locator:
    registry = page.get_by_role("region", name="Cluster").get_by_role(
        "article", name="registry registry.company.com")
    return registry.locator("tr").filter(has_text=re.compile(f"^{re.escape(tag)}"))


def test_the_cluster_view_follows_the_run_and_the_timeline(
    page: Page, sandbox_server: LiveServer
) -> None:
    texts = steps_of_the_run()
    run(page, sandbox_server)
    timeline = page.get_by_role("slider", name="Timeline")
    last = int(timeline.get_attribute("max") or 0)
    assert last == len(texts) - 1  # one frame per step: positions are step indexes

    # The end: both pods run; node-1 had two of app:latest's layers, node-2 none of nginx's.
    expect(chip(page, "node-1", "cached")).to_have_text(re.compile(r"cached\s+Running"))
    expect(chip(page, "node-2", "fresh")).to_have_text(re.compile(r"fresh\s+Running"))
    on_node_1 = node(page, "node-1").get_by_role("progressbar")
    expect(on_node_1).to_have_count(3)
    expect(on_node_1.filter(has=page.locator("xpath=self::*[contains(@aria-valuetext, "
                                             "'Already exists')]"))).to_have_count(2)
    expect(bar(page, "9d2681cea265", APP, "node-1")).to_have_attribute(
        "aria-valuetext", re.compile("^Already exists"))
    expect(bar(page, "b9c27f0e1d4a", APP, "node-1")).to_have_attribute(
        "aria-valuetext", re.compile("^Pull complete"))
    on_node_2 = node(page, "node-2").get_by_role("progressbar")
    expect(on_node_2).to_have_count(7)
    expect(node(page, "node-2").get_by_text("Already exists")).to_have_count(0)
    expect(node(page, "node-2").locator(".pull-layer[data-phase='Pull complete']")).to_have_count(7)
    # The pulled image is in node-1's store under latest: build-41 keeps no tag now.
    expect(node(page, "node-1").locator(".image-refs")).to_have_text(["<none>", APP])
    # The timeline moved latest to build-43 a minute in.
    expect(tag_row(page, "latest")).to_contain_text("build-42 → build-43")
    expect(tag_row(page, "latest")).to_contain_text("(moved)")

    # Step back: before the move, latest points at build-42; forward again, the row moves.
    page.get_by_role("button", name="Step back").click()
    expect(timeline).to_have_value(str(last - 1))
    expect(tag_row(page, "latest")).not_to_contain_text("moved")
    expect(tag_row(page, "latest").locator("td").nth(1)).to_have_text("build-42")
    expect(page.locator("#cluster-source")).to_contain_text(f"step {last} of {last + 1}")
    page.get_by_role("button", name="Step forward").click()
    expect(tag_row(page, "latest")).to_have_class("moved tag-moving")
    moving = tag_row(page, "latest").locator("td").first
    assert moving.evaluate("td => getComputedStyle(td).animationName") == "tag-move"
    page.emulate_media(reduced_motion="reduce")
    assert moving.evaluate("td => getComputedStyle(td).animationName") == "none"
    page.emulate_media(reduced_motion="no-preference")

    # Mid-pull: nginx's first layer downloading on node-2, the next one waiting.
    downloading = first_step(texts, r"^b4a8a161eb85: Downloading")
    timeline.fill(str(downloading))
    expect(page.locator("#cluster-source")).to_contain_text(f"step {downloading + 1} of")
    expect(bar(page, "b4a8a161eb85", "nginx:1.25", "node-2")).to_have_attribute(
        "aria-valuetext", re.compile("^Downloading"))
    expect(bar(page, "8461a542ab68", "nginx:1.25", "node-2")).to_have_attribute(
        "aria-valuetext", re.compile("^Waiting"))
    expect(bar(page, "9d2681cea265", APP, "node-1")).to_have_attribute(
        "aria-valuetext", re.compile("^Already exists"))
    expect(chip(page, "node-2", "fresh")).to_have_text(re.compile(r"fresh\s+ContainerCreating"))
    expect(page.locator("#get-pods")).to_contain_text(re.compile(r"fresh\s+0/1\s+ContainerCreating"))

    # The first layer downloaded: it is being unpacked while the second downloads.
    fetched = first_step(texts, r"^8461a542ab68: Downloading")
    timeline.fill(str(fetched))
    expect(bar(page, "b4a8a161eb85", "nginx:1.25", "node-2")).to_have_attribute(
        "aria-valuetext", re.compile("^Extracting"))
    expect(bar(page, "8461a542ab68", "nginx:1.25", "node-2")).to_have_attribute(
        "aria-valuetext", re.compile("^Downloading"))

    # A small layer fetched while the big one below it is still being unpacked: it waits, as
    # `docker pull` says, with Download complete.
    waiting = first_step(texts, r"^e989db971dee: Downloading")
    timeline.fill(str(waiting))
    expect(bar(page, "8461a542ab68", "nginx:1.25", "node-2")).to_have_attribute(
        "aria-valuetext", re.compile("^Extracting"))
    expect(bar(page, "373ed4066d45", "nginx:1.25", "node-2")).to_have_attribute(
        "aria-valuetext", re.compile("^Download complete"))

    # Both pods just bound to their nodes (spec.nodeName): ContainerCreating, nothing pulled, no
    # event yet.
    timeline.fill("1")
    expect(chip(page, "node-1", "cached")).to_have_text(re.compile(r"cached\s+ContainerCreating"))
    expect(chip(page, "node-2", "fresh")).to_have_text(re.compile(r"fresh\s+ContainerCreating"))
    expect(page.get_by_role("region", name="Cluster").get_by_role("progressbar")).to_have_count(0)
    expect(node(page, "node-1").locator(".image-refs")).to_have_text([APP])
    expect(page.locator("#events")).to_have_text("No events yet.")
    expect(page.locator("#describe")).not_to_contain_text("Pulling")

    # nginx's pull begins: the events say Pulling, not Pulled yet; every layer waits.
    pulling = first_step(texts, r"^Pulling 'nginx:1.25'")
    timeline.fill(str(pulling))
    expect(page.locator("#events")).to_contain_text("Pulling")
    expect(page.locator("#events")).not_to_contain_text("Pulled")
    expect(page.locator("#describe")).to_contain_text("Pulling")
    expect(node(page, "node-2").get_by_role("progressbar")).to_have_count(7)
    expect(node(page, "node-2").locator(".pull-layer[data-phase='Waiting']")).to_have_count(7)

    # Forward to where the second pod starts: its chip says Running, the events say Pulled.
    started = first_step(texts, r"^Container web started")
    timeline.fill(str(started))
    expect(chip(page, "node-2", "fresh")).to_have_text(re.compile(r"fresh\s+Running"))
    expect(page.locator("#events")).to_contain_text("Pulled")
    expect(node(page, "node-2").locator(".image-refs")).to_have_text(
        [APP, "docker.io/library/nginx:1.25"])

    # No bar is a live region: a screen reader hears the narration, not every bar.
    region = page.get_by_role("region", name="Cluster")
    expect(region.locator("[aria-live], [role=status], [role=log], [role=alert]")).to_have_count(0)

    if os.environ.get("LUNCHBOX_SCREENSHOT") == "1":
        take_screenshot(page, downloading)


def take_screenshot(page: Page, position: int) -> None:
    """docs/screenshot.png (`make screenshot`): the editor, the console, the timeline, and the
    Cluster view mid-pull, from the top of the page to the bottom of the Cluster region."""
    page.get_by_role("textbox", name="Command").fill("kubectl get nodes")
    page.get_by_role("textbox", name="Command").press("Enter")
    expect(page.get_by_role("log", name="Console output")).to_contain_text("node-2")
    page.get_by_role("slider", name="Timeline").fill(str(position + 2))
    expect(page.locator("#cluster-view[data-source='run'] .pull-layer[data-phase='Downloading']")
           ).to_have_count(1)
    page.locator("#main").focus()
    page.evaluate("window.scrollTo(0, 0)")
    box = page.get_by_role("region", name="Cluster").bounding_box()
    assert box is not None
    page.screenshot(path=str(SCREENSHOT), full_page=True,
                    clip={"x": 0, "y": 0, "width": 1280, "height": box["y"] + box["height"] + 16})
    assert SCREENSHOT.stat().st_size > 0


def test_a_failing_pull_shows_its_error_and_the_chip_follows_the_back_off(
    page: Page, sandbox_server: LiveServer
) -> None:
    page.goto(f"{sandbox_server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    fill_manifest(page, FAILING_POD)
    page.select_option("#speed", "16")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    region = page.get_by_role("region", name="Cluster")
    chip = region.locator(".pod-chip").filter(has_text="web")
    expect(chip).to_have_text(re.compile(r"web\s+ImagePullBackOff"))
    failed = region.locator(".pull-progress.pull-failed").last
    expect(failed).to_contain_text("nginx:no-such-tag for default/web: failed")
    expect(failed).to_contain_text(
        'failed to resolve reference "docker.io/library/nginx:no-such-tag"')
    # The first failure: ErrImagePull, before the kubelet backs off.
    trace = evaluate(FAILING_POD).trace
    assert len(trace.steps) < 1500  # every step is a frame: positions are step indexes
    first_error = next(c.step for c in trace.statuses if c.status == "ErrImagePull")
    timeline = page.get_by_role("slider", name="Timeline")
    timeline.fill(str(first_error))
    expect(chip).to_have_text(re.compile(r"web\s+ErrImagePull$"))
    expect(region.locator(".pull-progress.pull-failed")).to_have_count(1)
    timeline.fill("0")
    expect(chip).to_have_text(re.compile(r"web\s+ContainerCreating"))
    expect(region.locator(".pull-progress")).to_have_count(0)


def test_the_cluster_view_fits_a_390_px_phone(page: Page, sandbox_server: LiveServer) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    run(page, sandbox_server)
    region = page.get_by_role("region", name="Cluster")
    expect(node(page, "node-2").get_by_role("progressbar")).to_have_count(7)
    region.scroll_into_view_if_needed()
    box = region.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
    # Every card inside the phone's width once the layout has settled: measured in the page,
    # all cards in one go, until they fit. Card by card from Playwright, node-1's card once
    # measured wider than the phone: in a fresh clone's full run, and 1 run in 10 with both
    # cores busy (0 in 3 at rest); at the end of the run the same page always measured 332 px.
    fits = """() => [...document.querySelectorAll('.sandbox-cluster article')]
        .every(card => card.getBoundingClientRect().right <= 390)"""
    try:
        page.wait_for_function(fits, timeout=5_000)
    except PlaywrightTimeout:
        wide = page.evaluate("""() => [...document.querySelectorAll('.sandbox-cluster article')]
            .map(card => [card.getAttribute('aria-label'), card.getBoundingClientRect().right])
            .filter(([, right]) => right > 390)""")
        raise AssertionError(f"cards past the 390 px width: {wide}") from None
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_the_sticky_diagram_never_shows_between_the_panels_below_it(
    page: Page, sandbox_server: LiveServer
) -> None:
    """Wide page: the Diagrams panel is sticky and slides down behind the Cluster, Events and
    Result panels; the row gaps between those panels cover it too."""
    page.set_viewport_size({"width": 1280, "height": 900})
    run(page, sandbox_server)
    for upper in (".sandbox-cluster", ".sandbox-events"):
        # Scroll so that the gap below `upper` is halfway down the stuck diagram.
        page.evaluate("""(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            const flow = document.querySelector('.sandbox-flow').getBoundingClientRect();
            window.scrollBy(0, box.bottom - (8 + flow.height / 2)); }""", upper)
        seen = page.evaluate("""(selector) => {
            const gap = document.querySelector(selector).getBoundingClientRect().bottom + 8;
            const flow = document.querySelector('.sandbox-flow').getBoundingClientRect();
            const hit = document.elementFromPoint(flow.left + 40, gap);
            return {behind: flow.top < gap && flow.bottom > gap, gap, top: flow.top,
                    bottom: flow.bottom,
                    hit: hit && hit.closest('section') ? hit.closest('section').id
                         || hit.closest('section').className : null}; }""", upper)
        assert seen["behind"], f"the diagram is not behind this gap, so it proves nothing: {seen}"
        assert seen["hit"] != "diagrams", f"the diagram shows through the gap below {upper}"
