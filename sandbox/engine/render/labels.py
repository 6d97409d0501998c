"""Text made safe for Mermaid, and the sizes and digests the charts print.

Text that came from a manifest or a scenario goes through `text()`, which makes it safe in every
diagram kind the charts use: a label, a Gantt task, a sequence message cannot end early or start
a new statement. Sizes and digests are spelt once here so every chart shows them alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .flow import escape

# A summary lists at most this many items, then says how many it left out.
_MAX_SUMMARY_ITEMS = 12

# diagrams.escape() covers quoted flowchart labels. A Gantt task name ends at `:`, `%` starts a
# comment in the Gantt and sequence grammars, `,` and `@` end a sequence participant, `&` would
# start an HTML entity; the last four characters are Mermaid's own entity placeholders.
_EXTRA = re.compile("[:%&,@\u00b0\u00b6\u00df\ufb02]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_DANGLING = re.compile(r"#\d*$")  # an entity escape() cut in half at its length limit
_SHORT_DIGEST = re.compile(r"[a-z0-9]{1,16}:[0-9a-f]{1,12}")
_SIZE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


@lru_cache(maxsize=8192)
def text(value: str, limit: int = 120) -> str:
    """Manifest or scenario text made safe as a label, message, task or section name.
    (Cached: the same names and answers recur in every chart of every run.)

    Cut before encoding, so an entity is never split; whitespace (newlines included) collapses
    to single spaces, so nothing can start a new statement.
    """
    raw = " ".join(_CONTROL.sub("", value).split())
    if len(raw) > limit:
        raw = raw[: limit - 1] + "…"
    safe = _DANGLING.sub("", escape(raw))
    return _EXTRA.sub(lambda m: f"#{ord(m.group(0))};", safe)


def human_size(size: int) -> str:
    """Decimal units with three significant digits, as registries count: `48 MB`, `1.5 kB`."""
    value = float(max(size, 0))
    unit = 0
    while value >= 999.5 and unit < len(_SIZE_UNITS) - 1:
        value /= 1000
        unit += 1
    if unit == 0:
        return f"{int(value)} B"
    return f"{value:.3g} {_SIZE_UNITS[unit]}"


def short_digest(digest: str | None) -> str:
    """`sha256:` and the first 12 hex digits, as `docker images` shows an ID; safe text."""
    if not digest:
        return "unknown digest"
    algorithm, _, hexdigits = digest.partition(":")
    short = f"{algorithm}:{hexdigits[:12]}"
    return short if _SHORT_DIGEST.fullmatch(short) else text(digest, 19)


def counted(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def summarized(items: Sequence[str], what: str) -> str:
    """Items (already safe text) joined into sentences, capped so a big evaluation stays short."""
    shown = list(items[:_MAX_SUMMARY_ITEMS])
    if len(items) > _MAX_SUMMARY_ITEMS:
        shown.append(f"and {len(items) - _MAX_SUMMARY_ITEMS} more {what}")
    return ". ".join(shown)


def name_list(names: Sequence[str], limit: int = 4) -> str:
    """Safe text listing a few names, then how many more."""
    listed = ", ".join(text(name, 60) for name in names[:limit])
    return listed + (f" and {len(names) - limit} more" if len(names) > limit else "")
