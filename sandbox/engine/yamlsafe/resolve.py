"""Plain YAML scalars resolved the way kubectl reads them (go-yaml v2's YAML 1.1 rules).

`yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0755` is octal, `1_000` is 1000, `.inf` and `.nan`
are floats and timestamps stay strings. Integers beyond 64 bits raise `TooLarge`, which the
composer reports as a problem at the scalar's position.
"""

from __future__ import annotations

import math
import re

from .tree import ScalarValue

_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
                    True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
                    False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_FLOATS = {".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}
for _sign, _factor in (("", 1.0), ("+", 1.0), ("-", -1.0)):
    for _word in (".inf", ".Inf", ".INF"):
        _FLOATS[_sign + _word] = _factor * math.inf
_INT = re.compile(r"[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[1-9][0-9_]*|0)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INT_MIN, _UINT_MAX = -(2**63), 2**64 - 1
_MAX_INT_CHARS = 70  # 0b + 64 binary digits + sign + a few underscores


class TooLarge(ValueError):
    """An integer that does not fit in 64 bits (go-yaml refuses it rather than wrapping)."""


def resolve_plain(text: str) -> ScalarValue:
    """The value of a plain (unquoted) scalar, by go-yaml v2's YAML 1.1 rules."""
    if text in _NULLS:
        return None
    if not text or text[0] not in "0123456789+-.ynYNtTfFoO":
        return text
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _FLOATS:
        return _FLOATS[text]
    if _INT.fullmatch(text) and not text.endswith("_"):
        return _to_int(text)
    if _FLOAT.fullmatch(text.replace("_", "")):
        return float(text.replace("_", ""))
    return text


def _to_int(text: str) -> int:
    digits = text.replace("_", "")
    if len(digits) > _MAX_INT_CHARS:
        raise TooLarge(text)
    sign = -1 if digits.startswith("-") else 1
    body = digits.lstrip("+-")
    if body.startswith(("0b", "0x", "0o")):
        number = int(body[2:], {"b": 2, "x": 16, "o": 8}[body[1]])
    elif len(body) > 1 and body.startswith("0"):
        number = int(body, 8)
    else:
        number = int(body)
    number *= sign
    if not _INT_MIN <= number <= _UINT_MAX:
        raise TooLarge(text)
    return number
