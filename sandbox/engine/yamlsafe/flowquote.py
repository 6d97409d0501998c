"""A fast path for flow collections the C parser refuses: quote their colon-holding scalars.

The libyaml bundled with ruamel.yaml.clib stops at a colon inside a plain scalar of a flow
collection (`{name: web, image: nginx:1.25}`), which ruamel's pure-Python parser reads as the
string `nginx:1.25` (about ten times slower). `rewrite` finds, in the flow collections that
start a node, each plain scalar holding `:` or `?` and wraps it in single quotes (doubling any
`'` inside), so the C parser reads the same string; `mapped_events` turns the C events back into
what the pure parser gives for the original text (`flowmap`): the scalar is plain again
(resolved as written) and every mark's column is moved back by the characters inserted before
it.

Nothing is taken on trust. `rewrite` gives up (returns None) on what it does not model exactly:
tabs, tags, `?` keys, block entries or document markers inside a flow collection, a plain
scalar that continues on another line, a quoted scalar of 1 000 characters or more (libyaml
limits simple keys to 1 024), a collection used as a key, unclosed collections. And
`mapped_events` checks that the C parser read each inserted quote pair as one single-quoted
scalar, exactly there, directly inside a flow collection, with the value that was quoted; any
other reading raises `Unproven` and the caller reads the original text with the pure parser.
This module is the scan and the rewrite; `flowmap` maps and checks the events.

The scalar extent follows ruamel's pure scanner in flow context (`scan_plain`, YAML 1.2): a
plain scalar runs until a space, tab or line break, one of `,[]{}`, or a `:` followed by a
space or the end; `:` followed by anything else and `?` belong to it, and after spaces it goes
on unless a `#` or one of those ends it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Rewrite", "Unproven", "rewrite"]

_MAX_QUOTED = 1000  # libyaml forgets a simple key 1 024 characters after its start

# Where a node that is a flow collection starts a line: after the indentation, any `- `
# entries, one `key: ` and an anchor. Block scalars (`key: |`) are found too, to skip their
# text. Anything missed is only slower (the C parser refuses it again); anything taken wrongly
# is caught by the checks in `mapped_events`.
_NODE_START = re.compile(
    r"^[ ]*(?:-[ ]+)*(?:[^\r\n#]*?:[ ]+)??(?P<anchor>&[A-Za-z0-9_-]+[ ]+)?"
    r"(?:(?P<flow>[\[{])|(?P<block>[|>][-+0-9]*[ ]*(?:\#[^\r\n]*)?(?:\r?\n|\Z)))",
    re.M,
)
_CANDIDATE = re.compile(r"[\[{|>]")
_LINE_REST = re.compile(r"[ ]*(?:\#[^\r\n]*)?(?:\r?\n|\Z)")
_INDENT = re.compile(r"[ ]*")

_CHUNK = r"(?:[^ \t\r\n,\[\]{}:]+|:(?![ \t\r\n]|\Z))"  # runs: one alternation per colon
_PLAIN_FIRST = r"(?:[^ \t\r\n\-?:,\[\]{}\#&*!|>'\"%@`]|-(?![ \t\r\n,\[\]{}]|\Z))"
_FLOW_TOKEN = re.compile(
    r"[ ]*(?:"
    r"(?P<nl>\r?\n)"
    r"|(?P<open>[\[{])"
    r"|(?P<close>[\]}])"
    r"|(?P<comma>,)"
    r"|(?P<value>:(?=[ \r\n]|\Z))"
    r"|(?P<tight>:)"
    r"|(?P<comment>\#[^\r\n]*)"
    r"|(?P<quoted>'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<anchor>[&*][A-Za-z0-9_-]+(?=[ \r\n,\]}]|\Z))"
    rf"|(?P<plain>(?>{_PLAIN_FIRST}{_CHUNK}*(?:[ ]+(?!\#){_CHUNK}+)*))"
    r"|(?P<other>.|\Z)"
    r")",
    re.S,
)
# A run of tokens that need nothing done (most of a paste): `{`, `[`, `,`, and plain scalars
# without `:` or `?` followed on their line by `,`, `]`, `}`, or by `: ` and a value. Read with
# one match; what ends it is read by `_FLOW_TOKEN`.
_QUIET = r"[^ \t\r\n,\[\]{}:?]"
# (atomic: a shorter match is never followed by what the run needs, and backtracking into a
# long scalar would cost time in proportion to its length for nothing)
_QUIET_PLAIN = rf"(?>{_PLAIN_FIRST}{_QUIET}*(?:[ ]+[^ \t\r\n,\[\]{{}}:?\#]{_QUIET}*)*)"
_QUIET_RUN = re.compile(
    rf"(?:[ ]*(?:[\[{{,]|{_QUIET_PLAIN}(?:[ ]*:(?=[ ]+[^ ,\]}}\r\n\#])|(?=[ ]*[,\]}}]))))+")
_OPENERS = re.compile(r"[\[{]")
# After a plain scalar at the end of a line: the first character of the next non-blank line.
_NEXT_LINE = re.compile(r"[ ]*(?:\r?\n[ ]*)+(?P<char>[^ \r\n])")
_ENDS_PLAIN = frozenset("#,[]{}")
_DOC_MARKER = re.compile(r"(?:---|\.\.\.)(?:[ \t\r\n]|\Z)")


class Unproven(Exception):
    """The C parser's reading of the rewritten text is not shown to equal the pure one's."""


class _GiveUp(Exception):
    """`rewrite` met something it does not model."""


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The text for the C parser, and where its inserted quotes are (0-based line, column)."""

    text: str
    # line, column of the scalar's event (its anchor, else the opening quote), closing column,
    # value
    quotes: list[tuple[int, int, int, str]]
    inserted: dict[int, list[int]]  # line -> the rewritten columns of inserted characters
    # Where the outermost flow collections' events start (their anchor, else the bracket).
    collections: frozenset[tuple[int, int]]
    # An empty value after `:` in a flow collection: libyaml places it where the next token
    # starts, the pure parser right after the colon. Both as (line, column) of the original.
    empties: dict[tuple[int, int], tuple[int, int]]
    end: tuple[int, int]  # the end of the text (libyaml moves it to a new line)


def rewrite(text: str) -> Rewrite | None:
    """`text` with colon-holding flow scalars quoted, or None when that is not safe to do."""
    if "\t" in text or "\r" in text.replace("\r\n", "") or "\ufeff" in text:
        return None
    found = _Found([], [], [])
    try:
        _scan_blocks(text, found)
    except _GiveUp:
        return None
    if not found.spans:
        return None
    return _apply(text, found)


@dataclass(frozen=True, slots=True)
class _Found:
    """What the scan found, as offsets of the original text."""

    spans: list[tuple[int, int, int]]  # a plain scalar to quote: start, end, its event's start
    collections: list[int]  # where each outermost flow collection's event starts
    empties: list[tuple[int, int]]  # an empty flow value: libyaml's offset, the pure one's


def _scan_blocks(text: str, found: _Found) -> None:
    """Each line with a `[`, `{`, `|` or `>` is matched against `_NODE_START`, once."""
    pos = 0  # always the start of a line: what is before it is read
    for candidate in _CANDIDATE.finditer(text):
        if candidate.start() < pos:
            continue
        line_start = text.rfind("\n", 0, candidate.start()) + 1
        start = _NODE_START.match(text, line_start)
        if start is None:
            newline = text.find("\n", candidate.start())
            pos = len(text) if newline < 0 else newline + 1
        elif start.group("block") is not None:
            pos = _skip_block_scalar(text, line_start, start.end())
        else:
            found.collections.append(start.start("anchor" if start.group("anchor") else "flow"))
            end = _scan_flow(text, start.start("flow"), found)
            rest = _LINE_REST.match(text, end)
            if rest is None:
                raise _GiveUp  # something after the collection on its line (a key?)
            pos = rest.end()


def _skip_block_scalar(text: str, line_start: int, pos: int) -> int:
    """Past the lines of a block scalar: blank ones and those indented deeper than its line."""
    indent = _INDENT.match(text, line_start).end() - line_start  # type: ignore[union-attr]
    size = len(text)
    while pos < size:
        spaces = _INDENT.match(text, pos).end() - pos  # type: ignore[union-attr]
        here = pos + spaces
        if here < size and text[here] not in "\r\n" and spaces <= indent:
            return pos
        newline = text.find("\n", here)
        pos = size if newline < 0 else newline + 1
    return pos


def _scan_flow(text: str, start: int, found: _Found) -> int:
    """The end of the flow collection at `start`, noting its colon-holding plain scalars and
    its empty values in `found`."""
    return _FlowScan(text, found).run(start)


class _FlowScan:
    """One outermost flow collection, token by token (comments and line breaks skipped)."""

    def __init__(self, text: str, found: _Found) -> None:
        self.text, self.found = text, found
        self.stack: list[str] = []
        self.previous = ""  # the kind of the last token
        self.anchor = self.value_end = 0

    def run(self, start: int) -> int:
        text, pos = self.text, start
        while True:
            # (not after a `:`, where a `,` or closer would be an empty value to note)
            quiet = _QUIET_RUN.match(text, pos) if self.previous != "value" else None
            if quiet is not None:
                self._quiet(quiet.group(), quiet.end())
            token = _FLOW_TOKEN.match(text, quiet.end() if quiet else pos)
            assert token is not None  # `other` matches anything, the end too
            pos = token.end()
            kind = token.lastgroup or ""
            if self.previous == "value" and kind in ("comma", "close"):
                self.found.empties.append((token.start(kind), self.value_end))
            if kind == "plain":
                self._plain(*token.span(kind))
            elif kind == "open":
                self.stack.append(token.group(kind))
            elif kind == "close":
                if self._close(token.group(kind)):
                    return token.end()
            elif kind in ("nl", "comment"):
                if kind == "nl" and _DOC_MARKER.match(self.text, token.end()):
                    raise _GiveUp
                continue  # the token before it still counts as the previous one
            elif kind in ("value", "tight"):
                self._value(tight=kind == "tight")
                self.value_end, kind = token.end(), "value"
            elif kind == "anchor":
                self.anchor = token.start(kind)
            elif kind not in ("comma", "quoted"):
                raise _GiveUp
            self.previous = kind

    def _quiet(self, run: str, end: int) -> None:
        """After a quiet run: its brackets are open, its last token is the previous one."""
        self.stack += _OPENERS.findall(run)
        last = run[-1]
        self.previous = "open" if last in "[{" else "comma" if last == "," else \
            "value" if last == ":" else "plain"
        self.value_end = end

    def _plain(self, begin: int, end: int) -> None:
        text = self.text
        if end < len(text) and text[end] in " \r\n":
            _check_single_line(text, end)
        scalar = text[begin:end]
        if ":" not in scalar and "?" not in scalar:
            return
        if end - begin >= _MAX_QUOTED:
            raise _GiveUp
        event = begin
        if self.previous == "anchor":
            if text[self.anchor] != "&" or "\n" in text[self.anchor:begin]:
                raise _GiveUp
            event = self.anchor
        self.found.spans.append((begin, end, event))

    def _close(self, closer: str) -> bool:
        """Whether the outermost collection is closed."""
        if not self.stack or "[{"["]}".index(closer)] != self.stack.pop():
            raise _GiveUp
        return not self.stack

    def _value(self, *, tight: bool) -> None:
        if tight:
            # `{"a":1}`: the pure parser takes `:` as the value indicator after a quoted key.
            if self.previous != "quoted" or self.stack[-1] != "{":
                raise _GiveUp
        elif self.previous in ("close", "open", "comma", "anchor", ""):
            # A collection as a key (its length would grow past libyaml's limit), or an empty
            # key, which the two parsers read differently.
            raise _GiveUp


def _check_single_line(text: str, end: int) -> None:
    """Give up when the plain scalar ending at `end` goes on at the next non-blank line."""
    following = _NEXT_LINE.match(text, end)
    if following is None:
        return  # the scalar ends on its own line (a comment, an indicator follows)
    char = following.group("char")
    at = following.end()
    if char in _ENDS_PLAIN or char == ":" and (at == len(text) or text[at] in " \r\n"):
        return
    raise _GiveUp


def _apply(text: str, found: _Found) -> Rewrite:
    starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def position(offset: int) -> tuple[int, int]:
        line = bisect_right(starts, offset) - 1
        return line, offset - starts[line]

    pieces: list[str] = []
    quotes: list[tuple[int, int, int, str]] = []
    inserted: dict[int, list[int]] = {}
    done = 0
    line = 0
    for begin, end, event in found.spans:
        while line + 1 < len(starts) and starts[line + 1] <= begin:
            line += 1
        scalar = text[begin:end]
        columns = inserted.setdefault(line, [])
        opening = begin - starts[line] + len(columns)
        event_column = event - starts[line] + len(columns)
        columns.append(opening)
        body = scalar
        if "'" in scalar:
            body = scalar.replace("'", "''")
            columns.extend(opening + 1 + index + 1 for index in _doubled(scalar))
        closing = opening + 1 + len(body)
        columns.append(closing)
        quotes.append((line, event_column, closing, scalar))
        pieces += (text[done:begin], "'", body, "'")
        done = end
    pieces.append(text[done:])
    return Rewrite("".join(pieces), quotes, inserted,
                   frozenset(position(offset) for offset in found.collections),
                   {position(libyaml): position(pure) for libyaml, pure in found.empties},
                   position(len(text)))


def _doubled(scalar: str) -> Iterator[int]:
    """The index in the quoted body of each `'` of `scalar` (the copy is inserted after it)."""
    extra = 0
    for index, char in enumerate(scalar):
        if char == "'":
            yield index + extra
            extra += 1
