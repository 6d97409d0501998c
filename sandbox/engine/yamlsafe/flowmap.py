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

import ruamel.yaml.events as ev

from .flowquote import Rewrite, Unproven

__all__ = ["mapped_events"]


class _Mark:
    """A start mark in the original text (what the composer reads of one)."""

    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line, self.column = line, column


_SCALAR, _START, _END = ev.ScalarEvent, ev.CollectionStartEvent, ev.CollectionEndEvent
_NODE = (ev.ScalarEvent, ev.AliasEvent, ev.MappingStartEvent, ev.SequenceStartEvent)


def mapped_events(done: Rewrite, events: Iterator[ev.Event]) -> Iterator[ev.Event]:
    """The C parser's events for `done.text`, as the pure parser gives them for the original."""
    inserted, empties = done.inserted, done.empties
    quotes = iter(done.quotes)
    quote = next(quotes, None)
    quote_line, quote_column = quote[:2] if quote else (-1, -1)
    # Per open collection: [is a mapping, is flow, nodes read so far].
    stack: list[list[int]] = []
    held: ev.ScalarEvent | None = None  # an empty block value, waiting for the next event
    for event in events:
        mark = event.start_mark
        line, column = mark.line, mark.column
        if line > quote_line >= 0 or line == quote_line and column >= quote_column:
            assert quote is not None
            if _is_quoted(event, quote, stack):
                quote = next(quotes, None)
                quote_line, quote_column = quote[:2] if quote else (-1, -1)
        shifted = inserted.get(line)
        if shifted:
            column -= bisect_left(shifted, column)
            event.start_mark = _Mark(line, column)
        if held is not None:
            held.start_mark = _Mark(line, column) if (line, column) < done.end else \
                _Mark(*done.end)
            yield held
            held = None
        value = False
        if stack and isinstance(event, _NODE):
            parent = stack[-1]
            value = parent[0] == 1 and parent[2] % 2 == 1
            parent[2] += 1
        if isinstance(event, _SCALAR):
            if not event.value and not event.style and _held(event, value, stack, empties):
                held = event
                continue
        elif isinstance(event, _START):
            stack.append(_opened(event, line, column, stack, done))
        elif isinstance(event, _END):
            stack.pop()
        yield event
    if quote is not None or held is not None:
        raise Unproven


def _held(event: ev.ScalarEvent, value: bool, stack: list[list[int]],
          empties: dict[tuple[int, int], tuple[int, int]]) -> bool:
    """Place an empty scalar as the pure parser does; True when it waits for the next event.
    (One with an anchor or a tag starts at that in both parsers.)"""
    if event.anchor or event.tag is not None:
        return False
    if stack and stack[-1][1]:
        mark = event.start_mark
        moved = empties.get((mark.line, mark.column))
        if moved is not None:
            event.start_mark = _Mark(*moved)
        return False
    return value


def _opened(event: ev.CollectionStartEvent, line: int, column: int, stack: list[list[int]],
            done: Rewrite) -> list[int]:
    flow = 1 if event.flow_style else 0
    if flow and not (stack and stack[-1][1]) and (line, column) not in done.collections:
        raise Unproven  # a flow collection the scan did not read
    return [int(isinstance(event, ev.MappingStartEvent)), flow, 0]


def _is_quoted(event: ev.Event, quote: tuple[int, int, int, str],
               stack: list[list[int]]) -> bool:
    """Whether `event`, at or past the next inserted quote, is its scalar (made plain again)."""
    line, column, closing, value = quote
    mark = event.start_mark
    if (mark.line, mark.column) != (line, column):
        raise Unproven  # the C parser read an inserted quote as something else
    if not isinstance(event, ev.ScalarEvent):
        return False  # a collection starting at the same place (`[a:b: c]`)
    end = event.end_mark
    if (event.style != "'" or event.value != value or event.tag is not None or not stack
            or not stack[-1][1] or (end.line, end.column) != (line, closing + 1)):
        raise Unproven
    event.style, event.implicit = None, (True, False)
    return True
