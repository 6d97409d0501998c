"""Kubernetes' own event tests, ported: client-go tools/record/events_cache_test.go
(TestEventAggregatorByReasonFunc, TestEventAggregatorByReasonMessageFunc, TestEventCorrelator,
TestEventSpamFilter), kubectl's DescribeEvents layout (pkg/describe) and apimachinery
pkg/util/duration/duration_test.go (RUNTIME.md §11).

Upstream drives a correlator with a ticking clock and checks each result; here the same
occurrences become a list of trace Events at explicit times, and `record_events` gives the
Event objects the API server would hold. "Skipped" upstream means nothing was written: the object
keeps the count and lastTimestamp of the last written occurrence.
"""

from __future__ import annotations

import pytest

from sandbox.engine.cluster import record_events
from sandbox.engine.kubectl import describe_events, human_duration
from sandbox.engine.runtime import MILLISECOND, SECOND
from sandbox.engine.trace import Event

POD = "my-ns/my-pod"
FIELD = "spec.containers{mycontainer}"


def _event(time: float, reason: str, message: str, *, pod: str = POD,
           field_path: str | None = FIELD, source: str = "kubelet",
           type_: str = "Normal") -> Event:
    return Event(time, type_, reason, message, pod, source, field_path)  # type: ignore[arg-type]


def _similar(count: int, spacing: float, *, reason: str = "similar",
             message: str = "similar message") -> list[Event]:
    """makeSimilarEvents: one reason, messages `<message>-<i>-<message>`."""
    return [_event(i * spacing, reason, f"{message}-{i}-{message}") for i in range(count)]


# --- TestEventAggregatorByReasonFunc / …MessageFunc --------------------------------------------

def test_events_differing_only_by_message_share_one_aggregate() -> None:
    events = _similar(10, 1.0, reason="end-of-world")
    assert record_events(events, 10.0)[-1].message.startswith("(combined from similar events): ")


def test_a_different_reason_is_a_different_aggregate() -> None:
    events = _similar(9, 1.0, reason="end-of-world") + [_event(9, "nevermind", "it was a bug")]
    assert not any(e.message.startswith("(combined") for e in record_events(events, 10.0))


def test_the_aggregate_ignores_the_field_path() -> None:
    # EventAggregatorByReasonFunc's key has source, object, type and reason, not the field path.
    events = [_event(i, "Failed", f"m{i}", field_path=f"spec.containers{{c{i % 2}}}")
              for i in range(10)]
    assert record_events(events, 10.0)[-1].message == "(combined from similar events): m9"


def test_a_different_source_is_a_different_aggregate() -> None:
    events = _similar(9, 1.0) + [_event(9, "similar", "from elsewhere", source="other")]
    assert not any(e.message.startswith("(combined") for e in record_events(events, 10.0))


# --- TestEventCorrelator -----------------------------------------------------------------------

def test_create_a_single_event() -> None:
    [recorded] = record_events([_event(5, "first", "i am first")], 5.0)
    assert (recorded.reason, recorded.message, recorded.count) == ("first", "i am first", 1)
    assert recorded.first == recorded.last == 5


def test_the_same_event_should_just_count() -> None:
    [recorded] = record_events([_event(0, "duplicate", "me again"),
                                _event(5, "duplicate", "me again")], 5.0)
    assert (recorded.count, recorded.first, recorded.last) == (2, 0, 5)


def test_the_same_event_counts_even_past_the_aggregate_limit() -> None:
    events = [_event(t * 30, "duplicate", "me again") for t in range(11)]
    [recorded] = record_events(events, 300.0)
    assert (recorded.message, recorded.count) == ("me again", 11)


def test_the_same_event_is_spam_if_it_happens_too_frequently() -> None:
    # 26 earlier occurrences one second apart, then one more: the 26th and 27th are not written.
    events = [_event(t, "duplicate", "me again") for t in range(27)]
    [recorded] = record_events(events, 26.0)
    assert (recorded.count, recorded.first, recorded.last) == (25, 0, 24)


def test_many_unique_events_on_other_objects_do_not_touch_this_one() -> None:
    events = [_event(i, f"reason-{i}", f"message-{i}", pod=f"ns-{i}/pod-{i}") for i in range(30)]
    events.append(_event(30, "unique", "snowflake"))
    mine = [e for e in record_events(events, 30.0) if e.pod == POD]
    assert [(e.reason, e.message, e.count) for e in mine] == [("unique", "snowflake", 1)]


def test_similar_events_should_aggregate() -> None:
    events = _similar(9, 5.0) + [_event(45, "similar", "similar message")]
    last = record_events(events, 45.0)[-1]
    assert (last.message, last.count, last.field_path) == (
        "(combined from similar events): similar message", 1, FIELD)


def test_similar_events_many_times_count_the_aggregate() -> None:
    events = _similar(10, 5.0) + [_event(50, "similar", "similar message")]
    last = record_events(events, 50.0)[-1]
    assert (last.message, last.count, last.first, last.last) == (
        "(combined from similar events): similar message", 2, 45, 50)


def test_events_from_different_containers_do_not_aggregate() -> None:
    events = [_event(0, "similar", "similar message", field_path="spec.containers{container2}"),
              _event(5, "similar", "similar message", field_path="spec.containers{container1}")]
    assert [(e.field_path, e.count) for e in record_events(events, 5.0)] == [
        ("spec.containers{container2}", 1), ("spec.containers{container1}", 1)]


def test_similar_events_further_apart_than_the_aggregate_interval_do_not_aggregate() -> None:
    events = _similar(9, 601.0) + [_event(9 * 601, "similar", "similar message")]
    last = record_events(events, 9 * 601.0)[-1]
    assert (last.message, last.count) == ("similar message", 1)


def test_similar_events_exactly_the_aggregate_interval_apart_still_aggregate() -> None:
    # EventAggregate starts over only when the gap is greater than 600 s.
    events = _similar(9, 600.0) + [_event(5400, "similar", "similar message")]
    last = record_events(events, 5400.0)[-1]
    assert last.message == "(combined from similar events): similar message"


# --- TestEventSpamFilter (default key: source and object, not reason) ---------------------------

def test_spam_filter_counts_every_reason_of_one_object_together() -> None:
    events = [_event(0, "original", "i am first") for _ in range(25)]
    events.append(_event(0, "duplicate", "me again"))
    assert [e.reason for e in record_events(events, 0.0)] == ["original"]


def test_spam_filter_keeps_a_separate_budget_per_source() -> None:
    events = [_event(0, "original", "i am first") for _ in range(25)]
    events.append(_event(0, "Scheduled", "assigned", source="default-scheduler",
                         field_path=None))
    assert [e.reason for e in record_events(events, 0.0)] == ["original", "Scheduled"]


def test_a_dropped_occurrence_still_counts_towards_the_next_written_one() -> None:
    # eventObserve records the occurrence in its cache before the spam filter runs.
    events = [_event(t, "BackOff", "same") for t in range(30)]
    events.append(_event(400, "BackOff", "same"))
    [recorded] = record_events(events, 400.0)
    assert (recorded.count, recorded.first, recorded.last) == (31, 0, 400)
    assert "0s (x31 over 6m40s)" in describe_events(events, 400.0)


def test_an_event_first_seen_while_dropped_keeps_that_first_timestamp() -> None:
    events = [_event(0, "Pulling", "x") for _ in range(25)]
    events += [_event(25, "BackOff", "wait"), _event(325, "BackOff", "wait")]
    backoff = [e for e in record_events(events, 325.0) if e.reason == "BackOff"]
    assert [(e.count, e.first, e.last) for e in backoff] == [(2, 25, 325)]


def test_an_expired_event_comes_back_with_its_count() -> None:
    # The patch of an expired Event fails with NotFound; the recorder creates it again with the
    # count and firstTimestamp it remembers.
    events = [_event(0, "Pulling", "x"), _event(4000, "Pulling", "x")]
    [recorded] = record_events(events, 4000.0)
    assert (recorded.count, recorded.first, recorded.last) == (2, 0, 4000)


def test_combined_message_prefix() -> None:
    # TestEventAggregatorByReasonMessageFunc
    events = _similar(9, 1.0) + [_event(9, "similar", "it was fun")]
    assert record_events(events, 9.0)[-1].message == (
        "(combined from similar events): it was fun")


# --- kubectl DescribeEvents ----------------------------------------------------------------------

def test_describe_events_age_of_a_single_occurrence_is_since_first() -> None:
    block = describe_events([_event(10, "Pulling", "x")], 70.0, "current")
    assert block.splitlines()[3] == "  Normal  Pulling  60s   kubelet  x"


def test_describe_events_age_of_a_counted_event_is_last_then_count_over_first() -> None:
    events = [_event(t, "Pulling", "x") for t in (0, 100, 200)]
    block = describe_events(events, 330.0, "current")
    assert block == (
        "Events:\n"
        "  Type    Reason   Age                    From     Message\n"
        "  ----    ------   ----                   ----     -------\n"
        "  Normal  Pulling  2m10s (x3 over 5m30s)  kubelet  x\n"
    )


def test_describe_events_rows_are_sorted_by_last_timestamp() -> None:
    events = [_event(0, "Pulling", "x"), _event(5, "Failed", "y", type_="Warning"),
              _event(50, "Pulling", "x")]
    rows = describe_events(events, 60.0, "current").splitlines()[3:]
    assert [row.split()[1] for row in rows] == ["Failed", "Pulling"]


def test_describe_events_trims_the_message_and_shows_the_source_component() -> None:
    block = describe_events([_event(0, "Scheduled", "  assigned \n", source="default-scheduler",
                                    field_path=None)], 1.0, "current")
    assert block.splitlines()[3].split(None, 3)[3] == "default-scheduler  assigned"


def test_describe_events_without_events_prints_none() -> None:
    assert describe_events([], 0.0) == "Events:  <none>\n"


# --- apimachinery HumanDuration ----------------------------------------------------------------

MINUTE, HOUR = 60 * SECOND, 3600 * SECOND
DAY, YEAR = 24 * HOUR, 365 * 24 * HOUR


@pytest.mark.parametrize(("nanoseconds", "printed"), [
    # TestHumanDuration
    (SECOND, "1s"),
    (70 * SECOND, "70s"),
    (190 * SECOND, "3m10s"),
    (70 * MINUTE, "70m"),
    (47 * HOUR, "47h"),
    (49 * HOUR, "2d1h"),
    ((8 * 24 + 2) * HOUR, "8d"),
    (367 * DAY, "367d"),
    (2 * YEAR + 25 * HOUR, "2y1d"),
    (8 * YEAR + 2 * HOUR, "8y"),
    # TestHumanDurationBoundaries
    (-2 * SECOND, "<invalid>"),
    (-2 * SECOND + 1, "0s"),
    (0, "0s"),
    (SECOND - MILLISECOND, "0s"),
    (2 * MINUTE - MILLISECOND, "119s"),
    (2 * MINUTE, "2m"),
    (2 * MINUTE + SECOND, "2m1s"),
    (10 * MINUTE - MILLISECOND, "9m59s"),
    (10 * MINUTE, "10m"),
    (10 * MINUTE + SECOND, "10m"),
    (3 * HOUR - MILLISECOND, "179m"),
    (3 * HOUR, "3h"),
    (3 * HOUR + MINUTE, "3h1m"),
    (8 * HOUR - MILLISECOND, "7h59m"),
    (8 * HOUR, "8h"),
    (8 * HOUR + 59 * MINUTE, "8h"),
    (2 * DAY - MILLISECOND, "47h"),
    (2 * DAY, "2d"),
    (2 * DAY + HOUR, "2d1h"),
    (8 * DAY - MILLISECOND, "7d23h"),
    (8 * DAY, "8d"),
    (8 * DAY + 23 * HOUR, "8d"),
    (2 * YEAR - MILLISECOND, "729d"),
    (2 * YEAR, "2y"),
    (2 * YEAR + 23 * HOUR, "2y"),
    (2 * YEAR + 23 * HOUR + 59 * MINUTE, "2y"),
    (2 * YEAR + DAY - MILLISECOND, "2y"),
    (2 * YEAR + DAY, "2y1d"),
    (3 * YEAR, "3y"),
    (4 * YEAR, "4y"),
    (5 * YEAR, "5y"),
    (6 * YEAR, "6y"),
    (7 * YEAR, "7y"),
    (8 * YEAR - MILLISECOND, "7y364d"),
    (8 * YEAR, "8y"),
    (8 * YEAR + 364 * DAY, "8y"),
    (9 * YEAR, "9y"),
])
def test_human_duration_matches_the_upstream_table(nanoseconds: int, printed: str) -> None:
    # Whole seconds go in as ints; the rest as the float of exactly that many nanoseconds.
    seconds = nanoseconds // SECOND if nanoseconds % SECOND == 0 else nanoseconds / SECOND
    assert human_duration(seconds) == printed


def test_short_human_duration_is_not_modelled() -> None:
    pytest.skip("TestShortHumanDurationBoundaries: kubectl describe and get pods use "
                "HumanDuration only; ShortHumanDuration has no counterpart here")
