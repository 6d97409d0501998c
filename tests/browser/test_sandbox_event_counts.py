"""The live Events table and the `describe` text agree after a long failing run: the table
follows the event recorder (spam filter, counts), not every occurrence the kubelet emitted."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from manifest_editor import fill_manifest, manifest_editor
from playwright.sync_api import Page, expect

from sandbox.engine import load_paste
from sandbox.engine.kubectl import describe_events
from sandbox.engine.simulator import simulate
from sandbox.engine.trace import Event
from sandbox.run_frames import event_dict

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 30_000
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
COUNT = re.compile(r"\(x(\d+) over")
FEED_TABLE = """async ([src, events, horizon]) => {
  const { EventsTable } = await import(src);
  const box = document.createElement("div");
  document.body.append(box);
  const table = new EventsTable(box);
  for (const event of events) table.add(event);
  table.advance(horizon);
  return [...box.querySelectorAll("tr")].map((tr) => tr.innerText);
}"""


def test_table_fed_the_trace_events_shows_the_describe_back_off_count(
    page: Page, sandbox_server: LiveServer
) -> None:
    trace = simulate(load_paste(FAILING_POD))
    described = re.search(r"BackOff .*\(x(\d+) over", describe_events(trace.events, trace.horizon))
    assert described is not None
    page.goto(f"{sandbox_server.url}/healthz")
    rows = page.evaluate(FEED_TABLE, [f"{sandbox_server.url}/static/sandbox/events.js",
                                      trace.to_dict()["events"], trace.horizon])
    back_off = [row for row in rows if row.split("\t")[1:2] == ["BackOff"]]
    assert len(back_off) == 1
    shown = COUNT.search(back_off[0])
    assert shown is not None
    assert shown.group(1) == described.group(1)


def test_back_off_count_in_the_table_equals_the_describe_count(
    page: Page, sandbox_server: LiveServer
) -> None:
    if "recorded" not in event_dict(Event(0.0, "Normal", "Scheduled", "", "default/web")):
        pytest.skip("sandbox/protocol.py event_dict does not send `recorded` yet")
    page.goto(f"{sandbox_server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")
    fill_manifest(page, FAILING_POD)
    page.select_option("#speed", "16")
    manifest_editor(page).focus()
    page.keyboard.press("Control+Enter")
    page.click("#finish")
    expect(page.locator("#results")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#describe")).to_contain_text("BackOff")

    described = re.search(r"BackOff .*\(x(\d+) over", page.locator("#describe").inner_text())
    assert described is not None
    rows = page.locator("#events tr", has_text="Back-off pulling image")
    expect(rows).to_have_count(1)
    shown = COUNT.search(rows.first.inner_text())
    assert shown is not None
    assert shown.group(1) == described.group(1)
