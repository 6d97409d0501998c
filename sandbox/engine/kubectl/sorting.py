"""`kubectl get --sort-by=JSONPATH`: kubectl's sorter (pkg/cmd/get/sorter.go), over the objects
as the API server lists them.

Each object's sort key is the first value the JSONPath finds in it (missing keys allowed). An
object without one sorts first; `null` before any value; numbers by value when both are integers
or both are not; strings as resource quantities when both parse as one (`100m` < `1`, `2Gi` >
`900Mi`), else byte by byte, which orders RFC 3339 timestamps in time; anything else (a bool,
a map, a list, a number beside a string) stops kubectl with a fatal `unsortable type`. Sorting is
Go's `sort.Sort` (pattern-defeating quicksort, insertion sort up to 12 elements), ported whole,
so objects with equal keys end in the order a real kubectl leaves them, not a stable sort's.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from ..cluster import SIMULATED_EPOCH
from ..reference import go_quote
from .jsonpath import JSONPathError, find, go_type, relaxed
from .jsonpath_parse import parse

_MISSING = object()
# The shifts of sort's xorshift: 13, 7, 17 since Go 1.24 (golang/go#70144), which kubectl 1.3x
# is built with; Go 1.19-1.23 shifted by 13, 17, 5.
XORSHIFT = (13, 7, 17)


class Unsortable(Exception):
    """kubectl's klog.Exitf: `Field {.x} in … is an unsortable type: interface, err: …`."""


def klog_fatal(at: float, file: str, line: int) -> str:
    """The header klog puts before a fatal line (`Fmmdd hh:mm:ss.uuuuuu pid file:line] `), at
    simulated time `at`; the simulated kubectl's process ID is 1."""
    when = datetime.datetime.fromtimestamp(SIMULATED_EPOCH + at, datetime.UTC)
    return f"F{when:%m%d %H:%M:%S.%f} {1:7d} {file}:{line}] "


# --- the keys ------------------------------------------------------------------------------------


def sort_field(expression: str) -> str:
    """The template kubectl sorts by: RelaxedJSONPathExpression, or the text as given when it is
    not one (then it is parsed as a template of its own)."""
    try:
        return relaxed(expression)
    except JSONPathError:
        return expression


def first_values(field: str, objects: list[Any]) -> list[Any]:
    """The first value of the template's first action in each object (`_MISSING` if none);
    raises JSONPathError if the template does not parse or finds nothing in any object."""
    try:
        items = parse(field)
    except JSONPathError as error:
        raise JSONPathError(f"sorting error: {error}") from None
    action = next((item for item in items if isinstance(item, tuple)), None)
    keys = []
    for obj in objects:
        found = find(action, obj) if action is not None else []
        keys.append(found[0] if found else _MISSING)
    if objects and all(key is _MISSING for key in keys):
        raise JSONPathError(f"couldn't find any field with path {go_quote(field)} in the list "
                            "of objects")
    return keys


# Go's resource.ParseQuantity, as far as comparing two quantities needs: the number, then a
# binary suffix (Ki … Ei), a decimal one (n u m "" k M G T P E) or an exponent (e3, E-2).
_NUMBER = re.compile(r"([+-]?)0*([0-9]*)(?:\.([0-9]*))?")
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_SUFFIX = re.compile(r"[eEinumkKMGTP]*[+-]?[0-9]*")


def quantity(text: str) -> Fraction | None:
    """The value of `text` as a Kubernetes resource quantity, None if it is not one."""
    if not text:
        return None
    number = _NUMBER.match(text)
    assert number is not None  # every part of the pattern may be empty
    suffix = text[number.end():]
    if _SUFFIX.fullmatch(suffix) is None:
        return None
    sign, whole, fraction = number.group(1), number.group(2) or "0", number.group(3) or ""
    value = Fraction(int(whole + fraction), 10 ** len(fraction))
    if suffix in _BINARY:
        value *= 2 ** _BINARY[suffix]
    elif suffix in _DECIMAL:
        value *= Fraction(10) ** _DECIMAL[suffix]
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        value *= Fraction(10) ** int(suffix[1:])
    else:
        return None
    return -value if sign == "-" else value


def is_less(left: Any, right: Any) -> bool:
    """sorter.go `isLess` for two values of an unstructured object (Go's interface kind)."""
    if left is None or right is None:
        return left is None and right is not None
    kind = go_type(left)
    if kind in ("bool", "map[string]interface {}", "[]interface {}"):
        raise Unsortable(f"unsortable type: {kind}")
    if kind != go_type(right):
        raise Unsortable("unsortable interface: interface")
    if kind == "string":
        mine, theirs = quantity(left), quantity(right)
        if mine is not None and theirs is not None:
            return mine < theirs
    return bool(left < right)


def key_less(left: Any, right: Any) -> bool:
    """TableSorter.Less / RuntimeSort.Less: an object without a value sorts first."""
    if left is _MISSING:
        return True
    if right is _MISSING:
        return False
    return is_less(left, right)


# --- Go's sort.Sort --------------------------------------------------------------------------


class _Data:
    def __init__(self, items: list[Any], less: Callable[[Any, Any], bool]) -> None:
        self.items, self._less = items, less

    def less(self, i: int, j: int) -> bool:
        return self._less(self.items[i], self.items[j])

    def swap(self, i: int, j: int) -> None:
        self.items[i], self.items[j] = self.items[j], self.items[i]


def go_sort(items: list[Any], less: Callable[[Any, Any], bool]) -> list[Any]:
    """`items` in the order Go's sort.Sort leaves them (a new list)."""
    data = _Data(list(items), less)
    if len(items) > 1:
        _pdqsort(data, 0, len(items), len(items).bit_length())
    return data.items


def _insertion_sort(data: _Data, a: int, b: int) -> None:
    for i in range(a + 1, b):
        j = i
        while j > a and data.less(j, j - 1):
            data.swap(j, j - 1)
            j -= 1


def _sift_down(data: _Data, lo: int, hi: int, first: int) -> None:
    root = lo
    while True:
        child = 2 * root + 1
        if child >= hi:
            return
        if child + 1 < hi and data.less(first + child, first + child + 1):
            child += 1
        if not data.less(first + root, first + child):
            return
        data.swap(first + root, first + child)
        root = child


def _heap_sort(data: _Data, a: int, b: int) -> None:
    first, hi = a, b - a
    for i in range((hi - 1) // 2, -1, -1):
        _sift_down(data, i, hi, first)
    for i in range(hi - 1, -1, -1):
        data.swap(first, first + i)
        _sift_down(data, 0, i, first)


_UNKNOWN, _INCREASING, _DECREASING = 0, 1, 2


def _pdqsort(data: _Data, a: int, b: int, limit: int) -> None:
    was_balanced = was_partitioned = True
    while True:
        length = b - a
        if length <= 12:
            _insertion_sort(data, a, b)
            return
        if limit == 0:
            _heap_sort(data, a, b)
            return
        if not was_balanced:
            _break_patterns(data, a, b)
            limit -= 1
        pivot, hint = _choose_pivot(data, a, b)
        if hint == _DECREASING:
            _reverse_range(data, a, b)
            pivot = (b - 1) - (pivot - a)
            hint = _INCREASING
        if was_balanced and was_partitioned and hint == _INCREASING \
                and _partial_insertion_sort(data, a, b):
            return
        if a > 0 and not data.less(a - 1, pivot):
            a = _partition_equal(data, a, b, pivot)
            continue
        mid, was_partitioned = _partition(data, a, b, pivot)
        left, right = mid - a, b - mid
        threshold = length // 8
        if left < right:
            was_balanced = left >= threshold
            _pdqsort(data, a, mid, limit)
            a = mid + 1
        else:
            was_balanced = right >= threshold
            _pdqsort(data, mid + 1, b, limit)
            b = mid


def _partition(data: _Data, a: int, b: int, pivot: int) -> tuple[int, bool]:
    data.swap(a, pivot)
    i, j = a + 1, b - 1
    while i <= j and data.less(i, a):
        i += 1
    while i <= j and not data.less(j, a):
        j -= 1
    if i > j:
        data.swap(j, a)
        return j, True
    data.swap(i, j)
    i, j = i + 1, j - 1
    while True:
        while i <= j and data.less(i, a):
            i += 1
        while i <= j and not data.less(j, a):
            j -= 1
        if i > j:
            break
        data.swap(i, j)
        i, j = i + 1, j - 1
    data.swap(j, a)
    return j, False


def _partition_equal(data: _Data, a: int, b: int, pivot: int) -> int:
    data.swap(a, pivot)
    i, j = a + 1, b - 1
    while True:
        while i <= j and not data.less(a, i):
            i += 1
        while i <= j and data.less(a, j):
            j -= 1
        if i > j:
            return i
        data.swap(i, j)
        i, j = i + 1, j - 1


def _partial_insertion_sort(data: _Data, a: int, b: int) -> bool:
    max_steps, shortest_shifting = 5, 50
    i = a + 1
    for _ in range(max_steps):
        while i < b and not data.less(i, i - 1):
            i += 1
        if i == b:
            return True
        if b - a < shortest_shifting:
            return False
        data.swap(i, i - 1)
        if i - a >= 2:  # shift the smaller one to the left
            for j in range(i - 1, 0, -1):
                if not data.less(j, j - 1):
                    break
                data.swap(j, j - 1)
        if b - i >= 2:  # shift the greater one to the right
            for j in range(i + 1, b):
                if not data.less(j, j - 1):
                    break
                data.swap(j, j - 1)
    return False


def _break_patterns(data: _Data, a: int, b: int) -> None:
    length = b - a
    if length < 8:
        return
    random = length  # xorshift, seeded with the length
    modulus = 1 << length.bit_length()
    mask = (1 << 64) - 1
    start = a + (length // 4) * 2 - 1
    left, right, last = XORSHIFT
    for index in range(start, start + 3):
        random ^= (random << left) & mask
        random ^= random >> right
        random ^= (random << last) & mask
        other = random & (modulus - 1)
        if other >= length:
            other -= length
        data.swap(index, a + other)


def _choose_pivot(data: _Data, a: int, b: int) -> tuple[int, int]:
    length = b - a
    swaps = [0]
    i, j, k = a + length // 4 * 1, a + length // 4 * 2, a + length // 4 * 3
    if length >= 8:
        if length >= 50:  # Tukey's ninther
            i = _median(data, i - 1, i, i + 1, swaps)
            j = _median(data, j - 1, j, j + 1, swaps)
            k = _median(data, k - 1, k, k + 1, swaps)
        j = _median(data, i, j, k, swaps)
    if swaps[0] == 0:
        return j, _INCREASING
    if swaps[0] == 12:
        return j, _DECREASING
    return j, _UNKNOWN


def _order2(data: _Data, a: int, b: int, swaps: list[int]) -> tuple[int, int]:
    if data.less(b, a):
        swaps[0] += 1
        return b, a
    return a, b


def _median(data: _Data, a: int, b: int, c: int, swaps: list[int]) -> int:
    a, b = _order2(data, a, b, swaps)
    b, c = _order2(data, b, c, swaps)
    a, b = _order2(data, a, b, swaps)
    return b


def _reverse_range(data: _Data, a: int, b: int) -> None:
    i, j = a, b - 1
    while i < j:
        data.swap(i, j)
        i, j = i + 1, j - 1


def sorted_positions(field: str, objects: list[Any]) -> list[int]:
    """The objects' indexes in the order `kubectl get --sort-by` prints them. Raises
    JSONPathError (kubectl's `error: …`) or Unsortable (its fatal exit)."""
    keys = first_values(field, objects)
    order = go_sort(list(range(len(objects))), lambda i, j: key_less(keys[i], keys[j]))
    return order
