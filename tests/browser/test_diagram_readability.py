"""Diagrams read well: text measured on the rendered SVG, nothing cut off, one light theme.

The rendered size of a label is its computed font size times the scale the page draws its SVG
at (the SVG's box on the page against its viewBox): Mermaid shrinks a wide chart to fit its
container unless told not to, and the sequence diagram's text came out at about 8 px on a
desktop and 4 px on a phone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from manifest_editor import fill_manifest
from playwright.sync_api import Browser, Locator, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 60_000
SMALLEST_PX = 12
WIDTHS = (1280, 390)
LESSONS_WITH_DIAGRAMS = ("layers", "tags-and-digests", "pull-policies", "pull-secrets",
                         "shared-nodes", "production-webapp")

# Not on either node of `two-nodes`: twenty replicas, twenty pulls (most of them waits), the
# case whose Gantt labels were cut off.
TWENTY_REPLICAS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 20
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""

# Every text-bearing element of every SVG under `root`: its rendered font size, and whether its
# box reaches outside the SVG's (cut off by the SVG's edge, as the Gantt's left labels were) or
# outside the foreignObject holding it.
MEASURE = """(root) => {
  const found = [];
  for (const svg of root.querySelectorAll("svg")) {
    const view = svg.viewBox.baseVal;
    const box = svg.getBoundingClientRect();
    if (!view || !view.width || !box.width) continue;
    const scale = Math.min(box.width / view.width, box.height / view.height);
    for (const element of svg.querySelectorAll("text, tspan, foreignObject *")) {
      const own = [...element.childNodes].some(
        (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
      if (!own) continue;
      const rect = element.getBoundingClientRect();
      if (!rect.width) continue;
      const outside = (edge) => rect.left < edge.left - 1 || rect.right > edge.right + 1
        || rect.top < edge.top - 1 || rect.bottom > edge.bottom + 1;
      // An HTML label is also cut by its own foreignObject, sized by Mermaid's measurement.
      const label = element.closest("foreignObject");
      found.push({
        text: element.textContent.trim().slice(0, 60),
        px: parseFloat(getComputedStyle(element).fontSize) * scale,
        cut: outside(box) || (label !== null && outside(label.getBoundingClientRect())),
      });
    }
  }
  return found;
}"""


def labels(area: Locator) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = area.evaluate(MEASURE)
    assert found, "no text was found in the diagram"
    return found


def assert_reads_well(area: Locator, what: str) -> None:
    found = labels(area)
    small = [(f["text"], round(f["px"], 1)) for f in found if f["px"] < SMALLEST_PX]
    assert not small, f"{what}: text under {SMALLEST_PX} px: {small[:5]}"
    cut = [f["text"] for f in found if f["cut"]]
    assert not cut, f"{what}: text cut off at the diagram's edge: {cut[:5]}"


def assert_accessible(area: Locator, what: str) -> None:
    """Each SVG names its title and description, as Mermaid does for accTitle and accDescr."""
    for svg in area.locator("svg[aria-roledescription]").all():
        for attribute, tag in (("aria-labelledby", "title"), ("aria-describedby", "desc")):
            ref = svg.get_attribute(attribute)
            assert ref, f"{what}: the SVG has no {attribute}"
            expect(svg.locator(f"{tag}[id='{ref}']")).not_to_have_text("")


def run_twenty_replicas(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/sandbox/?scenario=two-nodes")
    expect(page.locator("#connection-state")).to_have_text("connected")
    fill_manifest(page, TWENTY_REPLICAS)
    page.select_option("#speed", "16")
    page.click("#run")
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)


@pytest.mark.parametrize("width", WIDTHS)
def test_sandbox_diagrams_read_at_12_px_and_more_with_nothing_cut_at_20_replicas(
    browser: Browser, sandbox_server: LiveServer, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        run_twenty_replicas(page, sandbox_server)
        flow = page.locator("#flow")
        expect(flow.locator("svg")).to_be_visible()
        assert_reads_well(flow, f"flowchart at {width} px")
        assert_accessible(flow, "flowchart")
        for name, kind in (("Layers", "flowchart"), ("Pull timeline", "gantt"),
                           ("Registry exchange", "sequence")):
            page.get_by_role("tab", name=name).click()
            panel = page.get_by_role("tabpanel", name=name)
            expect(panel.locator(f"svg[aria-roledescription^='{kind}']")).to_be_visible()
            assert_reads_well(panel, f"{name} at {width} px")
            assert_accessible(panel, name)
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_lesson_diagrams_read_at_12_px_and_more(
    browser: Browser, sandbox_server: LiveServer, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        for slug in LESSONS_WITH_DIAGRAMS:
            page.goto(f"{sandbox_server.url}/lessons/{slug}/")
            lesson = page.locator("#lesson")
            expect(lesson).to_have_attribute("data-diagrams", "drawn")
            assert_reads_well(lesson, f"{slug} at {width} px")
            assert_accessible(lesson, slug)
    finally:
        context.close()


# The luminance contrast of an SVG shape's stroke against the page behind the diagram.
EDGE_CONTRAST = """(path) => {
  const channels = (color) => {
    const canvas = document.createElement("canvas").getContext("2d");
    canvas.fillStyle = color;
    canvas.fillRect(0, 0, 1, 1);
    return [...canvas.getImageData(0, 0, 1, 1).data].slice(0, 3);
  };
  const luminance = (color) => {
    const [r, g, b] = channels(color).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let back = path.closest("pre, section, main, body");
  while (back && getComputedStyle(back).backgroundColor === "rgba(0, 0, 0, 0)") {
    back = back.parentElement;
  }
  const behind = back ? getComputedStyle(back).backgroundColor : "white";
  const [a, b] = [luminance(getComputedStyle(path).stroke), luminance(behind)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_lesson_and_sandbox_diagrams_keep_visible_edges_in_either_colour_scheme(
    browser: Browser, sandbox_server: LiveServer, scheme: str
) -> None:
    """One light theme: with the system dark, edges were pale lines on the light page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{sandbox_server.url}/lessons/pull-policies/")
        expect(page.locator("#lesson")).to_have_attribute("data-diagrams", "drawn")
        edge = page.locator("#lesson pre.mermaid svg path.flowchart-link").first
        expect(edge).to_be_visible()
        assert edge.evaluate(EDGE_CONTRAST) >= 3
        page.goto(f"{sandbox_server.url}/sandbox/")
        expect(page.locator("#connection-state")).to_have_text("connected")
        page.click("#run")
        edge = page.locator("#flow svg path.flowchart-link").first
        expect(edge).to_be_visible(timeout=RUN_TIMEOUT_MS)
        assert edge.evaluate(EDGE_CONTRAST) >= 3
    finally:
        context.close()


def inside_panel(node: Locator, slack: float = 2.0) -> bool:
    """The node's box lies within the visible box of its scrolling #flow panel, once any scroll
    the page started has ended."""
    expect(node).to_be_attached()
    for _ in range(20):
        gaps = node.evaluate(
            "(n) => { const b = n.getBoundingClientRect();"
            " const v = n.closest('#flow').getBoundingClientRect();"
            " return [b.top - v.top, v.bottom - b.bottom, b.left - v.left, v.right - b.right]; }")
        if min(gaps) >= -slack:
            return True
        node.page.wait_for_timeout(100)
    return False


@pytest.mark.parametrize("width", WIDTHS)
def test_the_flowchart_scrolls_its_current_step_into_view_at_natural_size(
    browser: Browser, sandbox_server: LiveServer, width: int
) -> None:
    """Wider and taller than its panel, the chart pans to the step the timeline shows."""
    context = browser.new_context(viewport={"width": width, "height": 800},
                                  reduced_motion="reduce")
    try:
        page = context.new_page()
        run_twenty_replicas(page, sandbox_server)
        flow = page.locator("#flow")
        current = flow.locator("g.node.flow-current")
        expect(current).to_have_attribute("data-flow", "run")
        # Inside #flow's scrolled box (the page around it may put the panel partly off screen:
        # what must hold is that the panel has panned to the step).
        expect(flow).to_have_attribute("data-state", "ready")
        assert inside_panel(current), "the current step is outside the flow panel's view"
        page.get_by_role("slider", name="Timeline").press("Home")  # back to the top of the chart
        expect(current).to_have_attribute("data-flow", "schedule")
        assert inside_panel(current), "the current step is outside the flow panel's view"
    finally:
        context.close()
