"""Sizes, bandwidths and durations as scenarios write them."""

from __future__ import annotations

import pytest

from sandbox.engine.units import parse_bandwidth, parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48MB", 48_000_000),
        ("48 MB", 48_000_000),
        ("1.5GB", 1_500_000_000),
        ("12MiB", 12 * 2**20),
        ("1KiB", 1024),
        ("1kB", 1000),
        ("1KB", 1000),
        ("2GiB", 2 * 2**30),
        ("700B", 700),
        ("700", 700),
        (700, 700),
        (0, 0),
    ],
)
def test_size_units_are_decimal_or_binary_as_written(text: object, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("48 parsecs", "unknown size unit 'parsecs'"),
        ("48Mb", "unknown size unit 'Mb'"),  # bits are for bandwidths only
        ("-1MB", "not a number with a unit"),
        (-5, "not below zero"),
        (True, "not a boolean"),
        (1.5, "whole number of bytes"),
        ("2PB", "unknown size unit"),
        ("999999TiB", "larger than 1 PiB"),
        (float("inf"), "finite"),
        ("", "not a number with a unit"),
        ([1], "must be a number or a string"),
    ],
)
def test_bad_sizes_raise_value_error_with_a_clear_message(text: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_size(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20MB/s", 20_000_000),
        ("100Mbit/s", 12_500_000),
        ("1Gbit/s", 125_000_000),
        ("512KiB/s", 512 * 1024),
        (1_000_000, 1_000_000),
    ],
)
def test_bandwidth_accepts_bytes_and_bits_per_second(text: object, expected: int) -> None:
    assert parse_bandwidth(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("20MB", "must end in /s"),
        ("20 furlongs/s", "unknown bandwidth unit"),
        ("0MB/s", "at least 1 byte per second"),
        (0, "at least 1 byte per second"),
    ],
)
def test_bad_bandwidths_are_refused(text: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_bandwidth(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60s", 60.0),
        ("2m", 120.0),
        ("1m30s", 90.0),
        ("500ms", 0.5),
        ("1h", 3600.0),
        ("1.5s", 1.5),
        (45, 45.0),
        (2.5, 2.5),
    ],
)
def test_durations_read_like_go_durations_or_plain_seconds(text: object,
                                                           expected: float) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["60", "1 minute", "s", "5d", "-3s", "1m-30s", "", "1h 30m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_durations_longer_than_a_week_are_refused() -> None:
    with pytest.raises(ValueError, match="longer than a week"):
        parse_duration("200h")
