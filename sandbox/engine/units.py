"""Parse the human units scenarios are written in: sizes, bandwidths and durations.

Each parser takes what YAML gave (a string or a number) and raises `ValueError` with a message
fit to show an instructor; `load_scenario` adds the line and column.
"""

from __future__ import annotations

import math
import re

# Decimal units are powers of 10 (as registries and `docker images` count), binary ones of 2.
SIZE_UNITS: dict[str, int] = {
    "B": 1,
    "kB": 10**3, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
}
# Bits per second units, the way network links are sold.
BIT_UNITS: dict[str, int] = {
    "bit": 1, "kbit": 10**3, "Kbit": 10**3, "Mbit": 10**6, "Gbit": 10**9,
}
DURATION_UNITS: dict[str, float] = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}

MAX_SIZE = 2**50  # 1 PiB: anything larger is a typo, and keeps arithmetic exact
MAX_DURATION = 7 * 24 * 3600.0  # a week of simulated time

_NUMBER_UNIT = re.compile(r"\s*(\d{1,15}(?:\.\d{1,9})?)\s*([A-Za-z]*)\s*")
_DURATION_PART = re.compile(r"(\d{1,9}(?:\.\d{1,9})?)(ms|s|m|h)")


def _plain_number(value: object, what: str) -> float | None:
    """The value as a number when YAML gave one, None when it is a string."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number or a string like the examples, not a boolean")
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise ValueError(f"{what} must be a finite number not below zero, got {value!r}")
        return number
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a number or a string, got {type(value).__name__}")
    return None


def _split(text: str, what: str, example: str) -> tuple[float, str]:
    match = _NUMBER_UNIT.fullmatch(text)
    if match is None:
        raise ValueError(f"{what} {text!r} is not a number with a unit, like {example}")
    return float(match.group(1)), match.group(2)


def parse_size(value: object) -> int:
    """Bytes from `48MB`, `1.5GiB`, `512` (a plain number is bytes)."""
    number = _plain_number(value, "a size")
    if number is None:
        assert isinstance(value, str)
        number, unit = _split(value, "size", "'48MB' or '12MiB'")
        unit = unit or "B"
        if unit not in SIZE_UNITS:
            known = ", ".join(SIZE_UNITS)
            raise ValueError(f"unknown size unit {unit!r} in {value!r}: use one of {known}")
        number *= SIZE_UNITS[unit]
    if number > MAX_SIZE:
        raise ValueError(f"size {value!r} is larger than 1 PiB")
    if number != int(number):
        raise ValueError(f"size {value!r} is not a whole number of bytes")
    return int(number)


def parse_bandwidth(value: object) -> int:
    """Bytes per second from `20MB/s`, `100Mbit/s`, or a plain number of bytes per second."""
    number = _plain_number(value, "a bandwidth")
    if number is None:
        assert isinstance(value, str)
        text = value.strip()
        if not text.endswith("/s"):
            raise ValueError(f"bandwidth {value!r} must end in /s, like '20MB/s' or '100Mbit/s'")
        number, unit = _split(text[:-2], "bandwidth", "'20MB/s' or '100Mbit/s'")
        unit = unit or "B"
        if unit in SIZE_UNITS:
            number *= SIZE_UNITS[unit]
        elif unit in BIT_UNITS:
            number = number * BIT_UNITS[unit] / 8
        else:
            known = ", ".join(f"{u}/s" for u in (*SIZE_UNITS, *BIT_UNITS))
            raise ValueError(f"unknown bandwidth unit {unit!r} in {value!r}: use one of {known}")
    if number > MAX_SIZE:
        raise ValueError(f"bandwidth {value!r} is larger than 1 PiB/s")
    if int(number) < 1:
        raise ValueError(f"bandwidth {value!r} must be at least 1 byte per second")
    return int(number)


def parse_duration(value: object) -> float:
    """Seconds from `60s`, `2m`, `1m30s`, `500ms`, `1h`, or a plain number of seconds."""
    number = _plain_number(value, "a duration")
    if number is None:
        assert isinstance(value, str)
        text = value.strip()
        parts = _DURATION_PART.findall(text)
        if not text or "".join(n + u for n, u in parts) != text:
            raise ValueError(
                f"duration {value!r} is not like '60s', '2m', '1m30s' or '500ms' "
                "(units: ms, s, m, h)"
            )
        number = sum(float(n) * DURATION_UNITS[u] for n, u in parts)
    if number > MAX_DURATION:
        raise ValueError(f"duration {value!r} is longer than a week")
    return number
