"""kubectl's JSONPath templates: `-o jsonpath=…`, `-o jsonpath-as-json=…`, `-o custom-columns`.

The grammar and results are client-go's (`k8s.io/client-go/util/jsonpath`: parser.go and
jsonpath.go), read there and written again here: text outside `{…}` is printed as it is; inside,
`.field` (or `['field']`), `[n]`, `[start:end:step]`, `[*]` or `.*`, `..field` (recursive
descent), `[a,b]` unions, `[?(@.x == "y")]` filters (and `[?(@.x)]` for "has x"), quoted text
(`{"\\n"}`), and `{range …}…{end}` blocks. As kubectl get runs it
(`--allow-missing-template-keys` on by default), a field that is not there gives nothing, not
an error. One action's results are joined by spaces; a string prints as it is, a map or list as
Go's `json.Marshal` writes it (keys sorted, compact).

`custom-columns` turns each `NAME:expression` into a column (kubectl's
RelaxedJSONPathExpression: braces and the leading dot may be left out), several results joined
by commas and nothing found printed as `<none>`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .dry_run import go_json
from .jsonpath_parse import (
    Field,
    Filter,
    JSONPathError,
    Keyword,
    Literal,
    Recursive,
    Slice,
    Text,
    Union,
    Wildcard,
    parse,
)
from .printers import tabwrite

__all__ = ["JSONPathError", "custom_columns", "find", "jsonpath"]

MAX_RESULTS = 100_000  # values one template may produce (a recursive descent over a big list)


# --- running it ---------------------------------------------------------------------------------


@dataclass
class _Run:
    produced: int = 0

    def count(self, values: list[Any]) -> list[Any]:
        self.produced += len(values)
        if self.produced > MAX_RESULTS:
            raise JSONPathError(f"the template finds more than {MAX_RESULTS} values")
        return values


def _walk(values: list[Any], nodes: tuple[Any, ...], run: _Run) -> list[Any]:
    for node in nodes:
        values = run.count(_step(values, node, run))
    return values


def find(nodes: tuple[Any, ...], data: Any) -> list[Any]:
    """What one action (`{.a.b}`, parsed) finds in `data`, missing keys allowed."""
    return _walk([data], nodes, _Run())


def _step(values: list[Any], node: Any, run: _Run) -> list[Any]:
    if isinstance(node, Text):
        return [node.text]
    if isinstance(node, Literal):
        return [node.value for _ in values]
    if isinstance(node, Field):
        return [v[node.name] for v in values if isinstance(v, dict) and node.name in v]
    if isinstance(node, Wildcard):
        return [item for v in values for item in _children(v)]
    if isinstance(node, Recursive):
        found: list[Any] = []
        for value in values:
            _descend(value, found, run)
        return found
    if isinstance(node, Slice):
        return [item for v in values if v is not None for item in _sliced(v, node)]
    if isinstance(node, Union):
        return [item for branch in node.branches for item in _walk(values, branch, run)]
    if isinstance(node, Filter):
        return [item for v in values for item in _filtered(v, node, run)]
    if isinstance(node, Keyword):
        if node.name in ("range", "end"):
            return values
        raise JSONPathError(f"unrecognized identifier {node.name}")
    raise JSONPathError(f"unexpected Node {node!r}")


def _children(value: Any) -> list[Any]:
    """What `.*` and `..` step into; a Go string's elements are its bytes (uint8 numbers)."""
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return list(value.encode("utf-8", "surrogatepass"))
    return []


def _descend(value: Any, found: list[Any], run: _Run) -> None:
    children = _children(value)
    if children:
        found.append(value)
        run.count([value])
        for child in children:
            _descend(child, found, run)


def go_type(value: Any) -> str:
    """The Go type an unstructured value has, for client-go's errors."""
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    return "string"


def _sliced(value: Any, node: Slice) -> list[Any]:
    if not isinstance(value, list):
        raise JSONPathError(f"{go_type(value)} is not array or slice")
    length = len(value)
    start = node.start or 0
    start += length if start < 0 else 0
    stop = length if node.stop is None else node.stop
    if stop < 0 or (stop == 0 and node.derived_stop):
        stop += length
    if stop == start:
        return []
    if not 0 <= start < length:
        raise JSONPathError(f"array index out of bounds: index {start}, length {length}")
    if not 0 <= stop <= length:
        raise JSONPathError(f"array index out of bounds: index {stop - 1}, length {length}")
    if start > stop:
        raise JSONPathError(f"starting index {start} is greater than ending index {stop}")
    if node.step is not None and node.step <= 0:
        raise JSONPathError("step must be > 0")
    return value[start:stop:node.step or 1]


def _filtered(value: Any, node: Filter, run: _Run) -> list[Any]:
    if not isinstance(value, list):
        raise JSONPathError(f"{go_text(value)} is not array or slice and cannot be filtered")
    kept = []
    for item in value:
        lefts = _walk([item], node.left, run)
        if node.operator == "exists":
            if lefts:
                kept.append(item)
            continue
        rights = _walk([item], node.right, run)
        if not lefts or not rights:
            continue
        if len(lefts) > 1 or len(rights) > 1:
            raise JSONPathError("can only compare one element at a time")
        if _compare(lefts[0], node.operator, rights[0]):
            kept.append(item)
    return kept


def _compare(left: Any, operator: str, right: Any) -> bool:
    """text/template's eq, ne, lt, gt, le, ge on two basic values of one kind."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
    if operator not in ("==", "!=", "<", ">", "<=", ">="):
        raise JSONPathError(f"unrecognized filter operator {operator}")
    if not numbers and not (type(left) is type(right) and isinstance(left, (str, bool))):
        raise JSONPathError("incompatible types for comparison")
    if isinstance(left, bool) and operator not in ("==", "!="):
        raise JSONPathError("invalid type for comparison")
    outcome: bool = {"==": left == right, "!=": left != right, "<": left < right,
                     ">": left > right, "<=": left <= right, ">=": left >= right}[operator]
    return outcome


# --- printing -----------------------------------------------------------------------------------


def go_marshal(value: Any) -> str:
    """Go's json.Marshal of an unstructured value: compact, map keys sorted, <>& escaped."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{go_json(k)}:{go_marshal(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(go_marshal(v) for v in value) + "]"
    if isinstance(value, str):
        return go_json(value)
    return json.dumps(value)


def go_text(value: Any) -> str:
    """fmt.Fprint of a value (a string as it is, a map as `map[k:v …]`, nil as `<nil>`)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_text(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_text(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


MAX_SHOWN = 4000  # characters of the object an error shows (kubectl shows all of it)


def go_syntax(value: Any, limit: int = MAX_SHOWN) -> str:
    """fmt's %#v of an unstructured value, as kubectl shows the object a template failed on;
    cut after `limit` characters."""
    out: list[str] = []
    size = 0

    def put(text: str) -> None:
        nonlocal size
        out.append(text)
        size += len(text)
        if size > limit:
            raise _Cut

    def walk(item: Any) -> None:
        if item is None:
            put("interface {}(nil)")
        elif isinstance(item, (dict, list)):
            put("map[string]interface {}{" if isinstance(item, dict) else "[]interface {}{")
            entries = sorted(item.items()) if isinstance(item, dict) else enumerate(item)
            for index, (key, child) in enumerate(entries):
                put((", " if index else "") + (f"{_go_quote(key)}:" if isinstance(item, dict)
                                                else ""))
                walk(child)
            put("}")
        elif isinstance(item, str):
            put(_go_quote(item))
        else:
            put(go_text(item))

    try:
        walk(value)
    except _Cut:
        return "".join(out)[:limit] + "…"
    return "".join(out)


class _Cut(Exception):
    pass


def _go_quote(text: str) -> str:
    """strconv.Quote, near enough: printable characters as they are, the rest escaped."""
    return json.dumps(text, ensure_ascii=False)


def _printed(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return go_marshal(value)
    return "null" if value is None else go_text(value)


def _blocks(items: list[Any], start: int = 0, nested: bool = False) -> tuple[list[Any], int]:
    """Items grouped into ("range", expression, body) blocks at `{range …}` / `{end}`."""
    out: list[Any] = []
    index = start
    while index < len(items):
        item = items[index]
        index += 1
        if isinstance(item, tuple) and item and item[0] == Keyword("range"):
            body, index = _blocks(items, index, nested=True)
            out.append(("range", item[1:], body))
        elif isinstance(item, tuple) and item and item[0] == Keyword("end"):
            if not nested:
                raise JSONPathError("not in range, nothing to end")
            return out, index
        else:
            out.append(item)
    return out, index


def _execute(blocks: list[Any], data: Any, run: _Run, out: list[str], as_json: bool) -> None:
    for block in blocks:
        if isinstance(block, Text):
            out.append(json.dumps([block.text], indent=4) + "\n" if as_json else block.text)
        elif isinstance(block, tuple) and block[:1] == ("range",):
            for value in _walk([data], block[1], run):
                _execute(block[2], value, run, out, as_json)
        else:
            results = _walk([data], block, run)
            if as_json:
                out.append(json.dumps(results, indent=4, ensure_ascii=False) + "\n")
            else:
                out.append(" ".join(_printed(v) for v in results))


def jsonpath(template: str, data: Any, *, as_json: bool = False) -> str:
    """What `kubectl get … -o jsonpath=TEMPLATE` prints for `data` (the object, or the List).

    Raises JSONPathError with kubectl's whole message (`error parsing jsonpath …` or `error
    executing jsonpath …`); what was printed before an execution error is on `.printed`."""
    try:
        items = parse(template)
    except JSONPathError as error:
        raise JSONPathError(f"error parsing jsonpath {template}, {error}") from None
    out: list[str] = []
    try:
        blocks, _ = _blocks(items)
        _execute(blocks, data, _Run(), out, as_json)
    except JSONPathError as error:
        failure = JSONPathError(
            f"error executing jsonpath {_go_quote(template)}: Error executing template: {error}. "
            "Printing more information for debugging the template:\n"
            f"\ttemplate was:\n\t\t{template}\n"
            f"\tobject given to jsonpath engine was:\n\t\t{go_syntax(data)}\n")
        failure.printed = "".join(out)  # type: ignore[attr-defined]
        raise failure from None
    return "".join(out)


_RELAXED = re.compile(r"\{\.?([^{}]+)\}|\.?([^{}]+)")


def relaxed(expression: str) -> str:
    """kubectl's RelaxedJSONPathExpression: `{.a.b}`, `{a.b}`, `.a.b` and `a.b` mean the same."""
    if not expression:
        return expression
    found = _RELAXED.fullmatch(expression)
    if found is None:
        raise JSONPathError("unexpected path string, expected a 'name1.name2' or '.name1.name2' "
                            "or '{name1.name2}' or '{.name1.name2}'")
    return "{." + (found.group(1) or found.group(2)) + "}"


def _terminal_safe(text: str) -> str:
    """cli-runtime's EscapeTerminal: no escape sequence reaches the terminal."""
    return text.replace("\x1b", "^[").replace("\r", "\\r")


def custom_columns(spec: str, objects: list[dict[str, Any]]) -> str:
    """`-o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image` (kubectl's
    customcolumn.go): a header row, then one row per object, each cell the column's values
    joined by commas (`<none>` when there are none), aligned as kubectl get aligns."""
    if not spec:
        raise JSONPathError("custom-columns format specified but no custom columns given")
    columns: list[tuple[str, list[Any]]] = []
    for part in spec.split(","):
        name, colon, expression = part.partition(":")
        if not colon:
            raise JSONPathError(f"unexpected custom-columns spec: {part}, expected <header>:"
                                "<json-path-expr>")
        path = relaxed(expression)
        try:
            blocks, _ = _blocks(parse(path))
        except JSONPathError as error:
            raise JSONPathError(f"error parsing jsonpath {path}, {error}") from None
        columns.append((name, blocks))
    rows = ["\t".join(name for name, _ in columns)]
    run = _Run()
    for obj in objects:
        cells = []
        for _, blocks in columns:
            values = [v for block in blocks if isinstance(block, tuple)
                      for v in _walk([obj], block, run)]
            cells.append(",".join(_terminal_safe(go_text(v)) for v in values) or "<none>")
        rows.append("\t".join(cells))
    return tabwrite("\n".join(rows), 6, 3) + "\n"
