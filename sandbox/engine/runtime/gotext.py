"""Go's own renderings that the kubelet's and containerd's texts are built from.

`time.Duration.String()` (the `Pulled` message's `in 1.234s`) and `fmt.Sprintf` of a message with
no operands (containerd 1.x's `%!A(MISSING)` in escaped URLs). `RenderError` is the one error every
text builder (here, `runtime_profiles`, `pullerrors`, `runtime`) raises for bad input.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal


class RenderError(ValueError):
    """Bad input to a text builder (not a Kubernetes outcome): the message says what was wrong."""


# --- Go durations ------------------------------------------------------------------------------

MICROSECOND = 1_000
MILLISECOND = 1_000_000
SECOND = 1_000_000_000
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def to_nanoseconds(seconds: float) -> int:
    """Seconds as whole nanoseconds, rounded from the float's printed decimal (no float drift)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise RenderError(f"a duration must be a number of seconds, not {seconds!r}")
    if isinstance(seconds, int):
        ns = seconds * SECOND
    elif not math.isfinite(seconds):
        raise RenderError(f"a duration must be finite, not {seconds!r}")
    else:
        exact = Decimal(repr(seconds)) * SECOND
        ns = int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))
    if not _INT64_MIN <= ns <= _INT64_MAX:
        raise RenderError(f"{seconds!r} s does not fit in a Go time.Duration (about 292 years)")
    return ns


def _go_rem(value: int, unit: int) -> int:
    """Go's `%` on integers: the remainder has the sign of the dividend."""
    rem = abs(value) % unit
    return rem if value >= 0 else -rem


def truncate_ms(seconds: float) -> int:
    """`time.Duration.Truncate(time.Millisecond)` of `seconds`, in nanoseconds (toward zero)."""
    ns = to_nanoseconds(seconds)
    return ns - _go_rem(ns, MILLISECOND)


def _fraction(value: int, digits: int) -> str:
    """Go's fmtInt+fmtFrac: `value / 10**digits` with trailing zeros (and a bare point) dropped."""
    whole, frac = divmod(value, 10**digits)
    tail = str(frac).rjust(digits, "0").rstrip("0")
    return f"{whole}.{tail}" if tail else str(whole)


def go_duration_ns(ns: int) -> str:
    """Go's `time.Duration.String()` of `ns` nanoseconds: `1.234s`, `512ms`, `1m0s`, `0s`."""
    if isinstance(ns, bool) or not isinstance(ns, int):
        raise RenderError(f"a duration in nanoseconds must be an int, not {ns!r}")
    if not _INT64_MIN <= ns <= _INT64_MAX:
        raise RenderError(f"{ns} ns does not fit in a Go time.Duration")
    magnitude = abs(ns)
    if magnitude == 0:
        return "0s"
    if magnitude < MICROSECOND:
        text = f"{magnitude}ns"
    elif magnitude < MILLISECOND:
        text = _fraction(magnitude, 3) + "µs"
    elif magnitude < SECOND:
        text = _fraction(magnitude, 6) + "ms"
    else:
        whole_seconds = magnitude // SECOND
        text = _fraction(whole_seconds % 60 * SECOND + magnitude % SECOND, 9) + "s"
        minutes, hours = whole_seconds // 60 % 60, whole_seconds // 3600
        if whole_seconds >= 60:
            text = f"{minutes}m{text}"
        if hours:
            text = f"{hours}h{text}"
    return "-" + text if ns < 0 else text


def go_duration(seconds: float) -> str:
    """Go's `time.Duration.String()` of `seconds` (to the nanosecond; no truncation)."""
    return go_duration_ns(to_nanoseconds(seconds))


# --- Go's fmt with a message used as a format string -------------------------------------------


def _go_number(text: str, i: int, bad: str) -> tuple[str, int]:
    """Skip a width or precision; `*` wants an operand there is none of, so Go reports it."""
    if i < len(text) and text[i] == "*":
        return f"%!({bad})", i + 1
    while i < len(text) and text[i] in "0123456789":
        i += 1
    return "", i


def _go_verb(text: str, start: int) -> tuple[str, int]:
    """What Go's fmt prints for the directive after the `%` at `start - 1`, with no operands."""
    i = start
    while i < len(text) and text[i] in "+-# 0":
        i += 1
    out, i = _go_number(text, i, "BADWIDTH")
    if i < len(text) and text[i] == ".":
        precision, i = _go_number(text, i + 1, "BADPREC")
        out += precision
    if i >= len(text):
        return out + "%!(NOVERB)", i
    verb = text[i]
    return out + ("%" if verb == "%" else f"%!{verb}(MISSING)"), i + 1


def go_errorf_without_args(message: str) -> str:
    """`fmt.Sprintf(message)`: what containerd 1.x's `status.Errorf(code, err.Error())` printed.

    Every `%` starts a directive, so URL escapes such as `%3A` become `%!A(MISSING)`.
    """
    out, i = [], 0
    while i < len(message):
        percent = message.find("%", i)
        if percent < 0:
            out.append(message[i:])
            break
        out.append(message[i:percent])
        directive, i = _go_verb(message, percent + 1)
        out.append(directive)
    return "".join(out)
