"""client-go's event recorder: how a run's occurrences become the Event objects the API holds.

A trace lists every occurrence while the API server holds counted Event objects: aggregation,
combining and the spam filter decide which (`tools/record/events_cache.go`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from ..runtime import RenderError
from ..trace import Event, Recording

# --- the event recorder (client-go tools/record) -----------------------------------------------

AGGREGATE_WINDOW = 600.0  # seconds: events_cache.go defaultAggregateIntervalInSeconds
AGGREGATE_MAX = 10  # distinct messages before they are combined
SPAM_BURST = 25
SPAM_REFILL = 300.0  # one token per 5 minutes per source and object
EVENT_TTL = 3600.0  # the API server's default --event-ttl
COMBINED = "(combined from similar events): "


@dataclass
class RecordedEvent:
    """One Event object as the API server holds it: counted, first and last seen."""

    type: str
    reason: str
    message: str
    pod: str
    source: str
    field_path: str | None
    first: float
    last: float
    count: int = 1


@dataclass
class _Aggregate:
    last: float
    messages: list[str] = field(default_factory=list)


def _correlate(event: Event, aggregates: dict[tuple[str, ...], _Aggregate]
               ) -> tuple[tuple[str | None, ...], str]:
    """EventAggregator: the logger key and message after the combining rule."""
    group = (event.source, event.pod, event.type, event.reason)
    record = aggregates.get(group)
    if record is None or event.time - record.last > AGGREGATE_WINDOW:
        record = aggregates[group] = _Aggregate(event.time)
    record.last = event.time
    if event.message not in record.messages:
        record.messages.append(event.message)
    if len(record.messages) < AGGREGATE_MAX:
        return (*group, event.field_path, event.message), event.message
    # Go drops an arbitrary remembered message; the oldest one is dropped here.
    record.messages.pop(0)
    return (*group, "combined"), COMBINED + event.message


def _replay(occurred: Sequence[Event]) -> list[tuple[Recording, tuple[str | None, ...]]]:
    """Run the recorder over occurrences in time order: what it did with each, and the key of
    the Event object it wrote or counted into."""
    aggregates: dict[tuple[str, ...], _Aggregate] = {}
    buckets: dict[tuple[str, str], tuple[float, float]] = {}
    observed: dict[tuple[str | None, ...], tuple[int, float]] = {}  # the recorder's (count, first)
    ids: dict[tuple[str | None, ...], int] = {}  # key -> Event object number
    written: set[tuple[str | None, ...]] = set()
    result: list[tuple[Recording, tuple[str | None, ...]]] = []
    for event in occurred:
        key, message = _correlate(event, aggregates)
        # eventObserve counts the occurrence before the spam filter looks at it, so a dropped
        # occurrence still raises the count that the next written one carries.
        count, first = observed.get(key, (0, event.time))
        count += 1
        observed[key] = (count, first)
        number = ids.setdefault(key, len(ids))
        tokens, since = buckets.get((event.source, event.pod), (float(SPAM_BURST), event.time))
        tokens = min(float(SPAM_BURST), tokens + (event.time - since) / SPAM_REFILL)
        if tokens < 1.0:  # the spam filter drops it: nothing is written to the API server
            buckets[(event.source, event.pod)] = (tokens, event.time)
            action: Literal["created", "counted", "dropped"] = "dropped"
        else:
            buckets[(event.source, event.pod)] = (tokens - 1.0, event.time)
            action = "counted" if key in written else "created"
            written.add(key)
        result.append((Recording(action, number, count, first, message,
                                 message != event.message), key))
    return result


def recordings(events: Sequence[Event]) -> list[Recording]:
    """What the recorder did with each event, in the given order: a new Event object, a count
    into an existing one, or dropped by the spam filter (its occurrence still counted into the
    `count` its object carries when next written). Occurrences are replayed in time order,
    ties in the given order, as `record_events` does."""
    if not all(isinstance(e, Event) for e in events):
        raise RenderError("expected a list of Event")
    order = sorted(range(len(events)), key=lambda i: events[i].time)
    replayed = _replay([events[i] for i in order])
    result: list[Recording | None] = [None] * len(events)
    for i, (recording, _) in zip(order, replayed, strict=True):
        result[i] = recording
    return [r for r in result if r is not None]


def annotate_events(events: Sequence[Event]) -> tuple[Event, ...]:
    """The events with `recorded` filled in by `recordings`."""
    return tuple(replace(e, recorded=r) for e, r in zip(events, recordings(events), strict=True))


def record_events(events: Iterable[Event], now: float) -> list[RecordedEvent]:
    """The Event objects a client-go recorder would have written by `now`, as listed by the
    API server (oldest first). Identical events are counted; a reason with ten different
    messages within 600 s gets one `(combined from similar events)` event; each source may write
    25 events per pod then one per 300 s, and a dropped occurrence still counts towards the next
    written one (`(x31 over …)`); events untouched for an hour are gone (TTL)."""
    events = list(events)
    if not all(isinstance(e, Event) for e in events):
        raise RenderError("expected a list of Event")
    occurred = sorted((e for e in events if e.time <= now), key=lambda e: e.time)
    objects: dict[tuple[str | None, ...], RecordedEvent] = {}
    for event, (recording, key) in zip(occurred, _replay(occurred), strict=True):
        if recording.action == "dropped":
            continue
        existing = objects.get(key)
        if existing is None:
            objects[key] = RecordedEvent(event.type, event.reason, recording.message, event.pod,
                                         event.source, event.field_path, recording.first,
                                         event.time, recording.count)
        else:
            existing.count, existing.last = recording.count, event.time
            existing.message = recording.message
    return [e for e in objects.values() if e.last >= now - EVENT_TTL]
