"""Each event carries what client-go's event recorder did with it, so the live Events table can
show exactly the Event objects that `kubectl describe pod` lists (counts, combining, spam)."""

from __future__ import annotations

import re

import pytest

from sandbox.engine import load_paste
from sandbox.engine.cluster import (
    COMBINED,
    SPAM_BURST,
    SPAM_REFILL,
    annotate_events,
    record_events,
    recordings,
)
from sandbox.engine.kubectl import describe_events
from sandbox.engine.runtime import RenderError
from sandbox.engine.simulator import simulate
from sandbox.engine.trace import Event

POD = "default/web"
FIELD = "spec.containers{web}"
LONG_FAILING_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - {name: web, image: "nginx:no-such-tag"}
"""


def back_off(time: float, message: str = 'Back-off pulling image "nginx:1"') -> Event:
    return Event(time, "Normal", "BackOff", message, POD, field_path=FIELD)


def table_rows(events: tuple[Event, ...]) -> dict[int, tuple[str, int, float, float]]:
    """What the browser table keeps: per recorder object (message, count, first, last), from
    the occurrences that were not dropped."""
    rows: dict[int, tuple[str, int, float, float]] = {}
    for event in events:
        recorded = event.recorded
        assert recorded is not None
        if recorded.action != "dropped":
            rows[recorded.object] = (recorded.message, recorded.count, recorded.first, event.time)
    return rows


def test_identical_events_make_one_object_then_are_counted_into_it() -> None:
    actions = [r.action for r in recordings([back_off(t) for t in (0.0, 10.0, 20.0)])]
    assert actions == ["created", "counted", "counted"]
    assert [r.count for r in recordings([back_off(t) for t in (0.0, 10.0, 20.0)])] == [1, 2, 3]


def test_spam_filter_drops_after_the_burst_and_the_next_written_one_counts_the_dropped() -> None:
    burst = [back_off(float(i)) for i in range(SPAM_BURST + 5)]
    later = back_off(SPAM_BURST + 5 + SPAM_REFILL)
    result = recordings([*burst, later])
    assert [r.action for r in result[SPAM_BURST:-1]] == ["dropped"] * 5
    assert result[-1].action == "counted"
    assert result[-1].count == SPAM_BURST + 6
    assert {r.object for r in result} == {0}


def test_tenth_distinct_message_of_a_reason_is_combined_into_a_new_object() -> None:
    events = [back_off(float(i), f"message {i}") for i in range(12)]
    result = recordings(events)
    assert [r.combined for r in result] == [False] * 9 + [True] * 3
    assert [r.action for r in result[9:]] == ["created", "counted", "counted"]
    assert result[9].object == result[11].object != result[8].object
    assert result[11].message == COMBINED + "message 11"
    assert result[11].count == 3


def test_recordings_follow_time_order_but_come_back_in_the_given_order() -> None:
    result = recordings([back_off(20.0), back_off(0.0), back_off(10.0)])
    assert [(r.action, r.count) for r in result] == [("counted", 3), ("created", 1),
                                                       ("counted", 2)]


@pytest.mark.parametrize("events", [[object()], ["BackOff"], [None]])
def test_recordings_reject_what_is_not_an_event(events: list[object]) -> None:
    with pytest.raises(RenderError, match="expected a list of Event"):
        recordings(events)  # type: ignore[arg-type]


def test_annotation_changes_nothing_but_recorded() -> None:
    events = [back_off(0.0), back_off(5.0)]
    annotated = annotate_events(events)
    assert [e.__class__(**{**vars(e), "recorded": None}) for e in annotated] == events
    assert all(e.recorded is not None for e in annotated)


def test_every_simulated_event_is_annotated_and_the_trace_stays_deterministic() -> None:
    first, second = simulate(load_paste(LONG_FAILING_POD)), simulate(load_paste(LONG_FAILING_POD))
    assert all(e.recorded is not None for e in first.events)
    assert first.to_dict() == second.to_dict()
    assert first.to_dict()["events"][0]["recorded"]["action"] == "created"


def test_long_back_off_table_counts_equal_the_describe_counts() -> None:
    trace = simulate(load_paste(LONG_FAILING_POD))
    back_offs = [e for e in trace.events if e.reason == "BackOff"]
    assert any(e.recorded and e.recorded.action == "dropped" for e in back_offs)
    rows = table_rows(trace.events)
    objects = record_events(trace.events, trace.horizon)
    assert sorted((m, c, f, last) for m, c, f, last in rows.values()) == sorted(
        (o.message, o.count, o.first, o.last) for o in objects)
    shown = re.search(r"BackOff .*\(x(\d+) over", describe_events(trace.events, trace.horizon))
    assert shown is not None
    back_off_rows = [c for m, c, _, _ in rows.values() if m.startswith("Back-off")]
    assert back_off_rows == [int(shown.group(1))]
    assert back_off_rows[0] < len(back_offs)  # the old per-occurrence count was wrong
