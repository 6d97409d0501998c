"""The C parser's events for a `flowquote.Rewrite`, turned into the pure parser's for the
original text, and checked on the way (`Unproven` when the reading is not the same).

* Every inserted quote pair must come back as one single-quoted scalar event, exactly at the
  quotes, directly inside a flow collection, untagged, with the value that was quoted; it is
  made plain again (resolved as written, like the pure parser's plain scalar).
* Every outermost flow collection must be one the scan read.
* Marks on lines with inserted characters are moved back by the characters inserted before.
* Empty values are placed where the pure parser places them (libyaml does the opposite in both
  contexts): in a flow collection right after the colon, in a block mapping where the next
  token starts (the next event's start; at the end of the text, its end).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

import ruamel.yaml.events as ev

from .flowquote import Rewrite, Unproven

__all__ = ["mapped_events"]


@dataclass(frozen=True, slots=True)
class _Mark:
    line: int
    column: int


def mapped_events(done: Rewrite, events: Iterator[ev.Event]) -> Iterator[ev.Event]:
    """The C parser's events for `done.text`, as the pure parser gives them for the original."""
    mapper = _Mapper(done)
    held: ev.ScalarEvent | None = None  # an empty block value, waiting for the next event
    for event in events:
        line, column = mapper.position(event)
        if held is not None:
            held.start_mark = _Mark(line, column) if (line, column) < done.end else \
                _Mark(*done.end)
            yield held
            held = None
        if mapper.place(event, line, column):
            yield event
        else:
            held = event  # type: ignore[assignment]
    if mapper.pending is not None or held is not None:
        raise Unproven


class _Mapper:
    def __init__(self, done: Rewrite) -> None:
        self.done = done
        self.expected = iter(done.quotes)
        self.pending = next(self.expected, None)
        self.open: list[list[int]] = []  # per open collection: is a mapping, is flow, nodes read

    def position(self, event: ev.Event) -> tuple[int, int]:
        """The event's (line, column) in the original text; checks an inserted quote."""
        mark = event.start_mark
        line, column = mark.line, mark.column
        pending = self.pending
        if pending is not None and (line, column) >= pending[:2]:
            if (line, column) > pending[:2]:
                raise Unproven  # the C parser read an inserted quote as something else
            if isinstance(event, ev.ScalarEvent):
                self._check_quoted(event, pending)
                event.style, event.implicit = None, (True, False)
                self.pending = next(self.expected, None)
        shifted = self.done.inserted.get(line)
        if shifted:
            column -= bisect_left(shifted, column)
            event.start_mark = _Mark(line, column)
        return line, column

    def _check_quoted(self, event: ev.ScalarEvent, quote: tuple[int, int, int, str]) -> None:
        line, _, closing, value = quote
        end = event.end_mark
        if (event.style != "'" or event.value != value or event.tag is not None
                or not self.open or not self.open[-1][1]
                or (end.line, end.column) != (line, closing + 1)):
            raise Unproven

    def place(self, event: ev.Event, line: int, column: int) -> bool:
        """Track the open collections; False for an empty block value (placed by the caller)."""
        value = False
        if self.open and isinstance(event, ev.NodeEvent):
            parent = self.open[-1]
            value = parent[0] == 1 and parent[2] % 2 == 1
            parent[2] += 1
        if isinstance(event, ev.CollectionStartEvent):
            flow = 1 if event.flow_style else 0
            if flow and not (self.open and self.open[-1][1]) \
                    and (line, column) not in self.done.collections:
                raise Unproven  # a flow collection the scan did not read
            self.open.append([int(isinstance(event, ev.MappingStartEvent)), flow, 0])
        elif isinstance(event, ev.CollectionEndEvent):
            self.open.pop()
        elif isinstance(event, ev.ScalarEvent) and not event.value and not event.style:
            if self.open and self.open[-1][1]:
                moved = self.done.empties.get((line, column))
                if moved is not None:
                    event.start_mark = _Mark(*moved)
            elif value:
                return False
        return True
