"""The run's timeline in a real browser: Step back / Step forward, the Timeline slider, narration
lines that jump, the Pod picker lighting one pod's flow, replay, and the summarised live region."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from manifest_editor import fill_manifest
from playwright.sync_api import Locator, Page, expect

from sandbox.engine import evaluate
from sandbox.engine.kubectl import describe_events

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 30_000

# In `two-nodes` node-1 holds nginx:1.25 and node-2 nothing: one pod starts from the cache, the
# other pulls first.
TWO_PODS = """\
apiVersion: v1
kind: Pod
metadata:
  name: cached
spec:
  nodeName: node-1
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
---
apiVersion: v1
kind: Pod
metadata:
  name: pulled
spec:
  nodeName: node-2
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
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

# Counts every change of the live region's text, and keeps the texts.
WATCH_LIVE_REGION = """() => {
  window.announced = [];
  const region = document.getElementById("narration-live");
  new MutationObserver(() => window.announced.push(region.textContent))
    .observe(region, { childList: true, characterData: true, subtree: true });
}"""


def run(page: Page, server: LiveServer, manifest: str, scenario: str | None = None) -> None:
    page.goto(f"{server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    if scenario is not None:
        slugs = page.locator("#scenario option").evaluate_all("os => os.map(o => o.value)")
        if scenario not in slugs:
            pytest.skip(f"scenario {scenario!r} is not loaded (manage.py load_content)")
        page.select_option("#scenario", scenario)
    fill_manifest(page, manifest)
    page.select_option("#speed", "16")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)


def slider(page: Page) -> Locator:
    return page.get_by_role("slider", name="Timeline")


def lit(page: Page) -> Locator:
    return page.locator("#flow g.node.flow-visited")


def event_rows(page: Page) -> Locator:
    return page.locator("#events tbody tr")


def test_step_back_shows_an_earlier_state_in_every_view(
    page: Page, sandbox_server: LiveServer
) -> None:
    run(page, sandbox_server, TWO_PODS, "two-nodes")
    timeline = slider(page)
    last = int(timeline.get_attribute("max") or 0)
    expect(timeline).to_have_value(str(last))
    pods = page.locator("#get-pods")
    expect(pods).to_contain_text(re.compile(r"pulled\s+1/1\s+Running"))
    page.get_by_role("combobox", name="Pod").select_option("default/pulled")
    expect(lit(page).locator("xpath=self::*[@data-flow='pulled']")).to_have_count(1)
    rows_at_end, lit_at_end = event_rows(page).count(), lit(page).count()

    back = page.get_by_role("button", name="Step back")
    for _ in range(10):  # before the pull finished (its layers' progress is the last steps)
        back.click()
    expect(timeline).to_have_value(str(last - 10))
    expect(pods).to_contain_text(re.compile(r"pulled\s+0/1\s+ContainerCreating"))
    expect(pods).to_contain_text(re.compile(r"cached\s+1/1\s+Running"))
    assert event_rows(page).count() < rows_at_end
    expect(page.locator("#events")).not_to_contain_text("Successfully pulled")
    assert lit(page).count() < lit_at_end
    expect(page.locator("#flow g.node.flow-visited[data-flow='run']")).to_have_count(0)
    expect(page.locator("#describe-note")).to_contain_text("events up to here")
    expect(page.locator("#describe")).not_to_contain_text("Successfully pulled")
    expect(page.locator("#describe")).to_contain_text('Pulling image "nginx:1.25"')

    page.get_by_role("button", name="Step forward").click()
    expect(timeline).to_have_value(str(last - 9))


def test_the_timeline_slider_scrubs_to_the_start_and_back_to_the_end(
    page: Page, sandbox_server: LiveServer
) -> None:
    run(page, sandbox_server, TWO_PODS, "two-nodes")
    timeline = slider(page)
    last = timeline.get_attribute("max")
    pods = page.locator("#get-pods")

    timeline.focus()
    page.keyboard.press("Home")  # a native range input: the keys move it
    expect(timeline).to_have_value("0")
    expect(timeline).to_have_attribute("aria-valuetext", re.compile(r"^Step 1 of \d+"))
    # Step 0 schedules the first pod: the second does not exist yet, nothing has happened.
    expect(pods).to_contain_text(re.compile(r"cached\s+0/1\s+ContainerCreating"))
    expect(pods).not_to_contain_text("pulled")
    expect(page.locator("#events")).to_contain_text("No events yet.")
    expect(lit(page)).to_have_count(1)
    expect(page.get_by_role("button", name="Step back")).to_be_disabled()

    page.keyboard.press("ArrowRight")
    expect(timeline).to_have_value("1")
    expect(pods).to_contain_text(re.compile(r"pulled\s+0/1\s+ContainerCreating"))

    page.keyboard.press("End")
    expect(timeline).to_have_value(last or "")
    expect(pods).to_contain_text(re.compile(r"pulled\s+1/1\s+Running"))
    expect(page.locator("#get-pods-note")).to_have_text("At the end of the run.")
    expect(page.locator("#describe")).to_contain_text("Successfully pulled")
    expect(page.get_by_role("button", name="Step forward")).to_be_disabled()


def test_a_narration_line_jumps_there_and_the_pod_select_changes_the_lit_path(
    page: Page, sandbox_server: LiveServer
) -> None:
    run(page, sandbox_server, TWO_PODS, "two-nodes")
    pod = page.get_by_role("combobox", name="Pod")
    # Both pods run, one from the cache and one after a pull: the first is shown.
    expect(pod).to_have_value("default/cached")
    expect(page.locator("#flow g.node.flow-visited[data-flow='cached']")).to_have_count(1)
    expect(page.locator("#flow g.node.flow-visited[data-flow='pull']")).to_have_count(0)
    expect(page.locator("#flow-path")).to_contain_text("Lit for default/cached")

    pod.select_option("default/pulled")
    expect(page.locator("#flow g.node.flow-visited[data-flow='pull']")).to_have_count(1)
    expect(page.locator("#flow g.node.flow-visited[data-flow='cached']")).to_have_count(0)
    expect(page.locator("#flow path.flow-taken[data-id^='L_pulled_run_']")).to_have_count(1)

    lines = page.locator("#narration button")
    cached_line = lines.filter(has_text="Using the cached image")
    cached_line.click()
    position = cached_line.get_attribute("data-position")
    expect(slider(page)).to_have_value(position or "")
    expect(cached_line).to_have_attribute("aria-current", "step")
    expect(pod).to_have_value("default/cached")  # the line's pod is shown
    expect(page.locator("#flow g.node.flow-current[data-flow='cached']")).to_have_count(1)
    expect(page.locator("#flow g.node.flow-visited[data-flow='run']")).to_have_count(0)
    # One tab stop in the list, the current line; the arrow keys move between lines.
    expect(lines.and_(page.locator("[tabindex='0']"))).to_have_count(1)
    cached_line.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(slider(page)).to_have_value(str(int(position or 0) + 1))


def test_play_replays_the_stored_steps_and_pause_stops_it(
    page: Page, sandbox_server: LiveServer
) -> None:
    run(page, sandbox_server, TWO_PODS, "two-nodes")
    timeline = slider(page)
    last = timeline.get_attribute("max") or ""
    play = page.get_by_role("button", name="Play")
    expect(play).to_be_enabled()
    expect(page.get_by_role("button", name="Finish")).to_be_disabled()

    # At a quarter speed each step stays at least a second: a slow machine's poll still sees
    # the replay at its first step, and a replay not paused would move within the 1.5 s below.
    page.select_option("#speed", "0.25")
    play.click()  # from the end, a replay starts over
    pause = page.get_by_role("button", name="Pause")
    expect(pause).to_be_visible()
    expect(timeline).to_have_value("0")
    pause.click()
    stopped = timeline.input_value()
    page.wait_for_timeout(1500)  # a replay would have moved on by now
    expect(timeline).to_have_value(stopped)

    page.select_option("#speed", "16")
    page.get_by_role("button", name="Play").click()
    expect(timeline).to_have_value(last, timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    expect(page.locator("#get-pods-note")).to_have_text("At the end of the run.")


def test_the_live_region_says_each_decision_of_a_failing_pod_at_most_once(
    page: Page, sandbox_server: LiveServer
) -> None:
    trace = evaluate(FAILING_POD).trace
    decisions = {(step.flow, step.outcome) for step in trace.steps}
    assert len(trace.steps) > 100  # every frame announced would be more than a hundred
    page.goto(f"{sandbox_server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    page.evaluate(WATCH_LIVE_REGION)
    fill_manifest(page, FAILING_POD)
    page.select_option("#speed", "16")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#narration li")).to_have_count(len(trace.steps))
    page.wait_for_timeout(1500)  # what waits in the queue goes out within a second

    announced = page.evaluate("window.announced")
    assert 1 <= len(announced) <= len(decisions), announced
    assert any("ImagePullBackOff" in text for text in announced), announced
    assert sum("imagePullPolicy is IfNotPresent" in text for text in announced) == 1, announced
    expect(page.locator("#narration")).not_to_have_attribute("aria-live", re.compile("."))
    expect(page.locator("#narration-live")).to_have_attribute("aria-live", "polite")


def test_describe_at_a_step_lists_the_events_kubectl_would_have_listed_then(
    page: Page, sandbox_server: LiveServer
) -> None:
    trace = evaluate(FAILING_POD).trace
    step = 60
    expected = describe_events([e for e in trace.events if e.step <= step],
                               trace.steps[step].time, trace.profile)
    run(page, sandbox_server, FAILING_POD)
    page.locator(f"#narration button[data-position='{step}']").click()
    expect(slider(page)).to_have_value(str(step))
    expect(page.locator("#describe-note")).to_contain_text(f"step {step + 1} of")

    shown = page.locator("#describe").inner_text()
    assert shown[shown.index("Events:"):] == expected
    # The status columns are the step's: the pod had failed its first pulls by then.
    expect(page.locator("#get-pods")).to_contain_text(re.compile(r"web\s+0/1\s+ImagePullBackOff"))


def test_while_the_run_streams_step_back_stays_put_and_play_follows_it_again(
    page: Page, sandbox_server: LiveServer
) -> None:
    page.goto(f"{sandbox_server.url}/sandbox/?scenario=two-nodes")
    expect(page.locator("#connection-state")).to_have_text("connected")
    fill_manifest(page, TWO_PODS)
    page.select_option("#speed", "0.25")
    page.get_by_role("button", name="Run").click()
    timeline = slider(page)
    # Any step from the third to the sixteenth (none later than 1 s of the run's 3.1 s): a poll can
    # miss one step's text when two arrive close together, as CI's slower machine showed.
    expect(timeline).to_have_attribute("aria-valuetext", re.compile(r"^Step ([3-9]|1[0-6]) of"),
                                       timeout=RUN_TIMEOUT_MS)
    page.get_by_role("button", name="Pause").click()  # the server's stream
    page.get_by_role("button", name="Step back").click()
    held = int(timeline.input_value())
    expect(page.locator(f"#narration button[data-position='{held}']")).to_have_attribute(
        "aria-current", "step")
    page.get_by_role("button", name="Step forward").click()
    expect(timeline).to_have_value(str(held + 1))

    page.get_by_role("button", name="Play").click()  # resumes the stream, and follows it
    expect(timeline).not_to_have_value(str(held + 1))
    page.get_by_role("button", name="Finish").click()
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(timeline).to_have_value(timeline.get_attribute("max") or "")
