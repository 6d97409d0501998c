"""Label selectors (`kubectl get pods -l app=web`) as the API server reads and matches them.

The grammar, the matching rules and every error text are apimachinery's
(`pkg/labels/selector.go`, read at master in 2026): requirements separated by commas, each one
of `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`,
`key>1` and `key<1`; every requirement must match. `in` and `notin` are keywords only where an
operator may stand (`x in (in)` is fine). A key that exists with an empty value matches `key=`.

A selector that does not parse is the API server's 400; kubectl wraps its message in
`Unable to find … that match label selector …` (`selector_error`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..reference import go_quote
from ..scenario.providers import qualified_name_errors

# Tokens, as the lexer names them.
END, CLOSE, COMMA, NOT, DOUBLE_EQUALS, EQUALS, GREATER, IDENTIFIER, IN, LESS, NOT_EQUALS, \
    NOT_IN, OPEN, ERROR = range(14)
_SYMBOLS = {")": CLOSE, ",": COMMA, "!": NOT, "==": DOUBLE_EQUALS, "=": EQUALS, ">": GREATER,
            "in": IN, "<": LESS, "!=": NOT_EQUALS, "notin": NOT_IN, "(": OPEN}
_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")
# The binary operators, as apimachinery lists them when it expected one.
_OPERATORS = {IN: "in", NOT_IN: "notin", EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=",
              GREATER: "gt", LESS: "lt"}
_EXPECTED_OPERATOR = ", ".join(_OPERATORS.values())
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_LABEL_VALUE_MESSAGE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_INT64 = 2**63


class SelectorError(ValueError):
    """The selector does not parse; the message is the API server's."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # exists, !, =, ==, !=, in, notin, gt, lt
    values: tuple[str, ...] = ()  # sorted, as the parser's set lists them

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator in ("in", "=", "=="):
            return present and value in self.values
        if self.operator in ("notin", "!="):
            return not present or value not in self.values
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        # gt and lt: both sides must read as 64-bit integers, or it does not match.
        if not present or value is None or not _is_int64(value):
            return False
        limit = int(self.values[0])
        return int(value) > limit if self.operator == "gt" else int(value) < limit


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...] = ()  # by key, as the parser sorts them

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)


def _is_int64(text: str) -> bool:
    """Go's strconv.ParseInt(text, 10, 64) succeeds."""
    return _INTEGER.fullmatch(text) is not None and -_INT64 <= int(text) < _INT64


def _tokens(text: str) -> list[tuple[int, str]]:
    """The lexer's tokens, END last. Like Go's, it reads a NUL character as the end of the text
    (a NUL ends a word; one where a token would start ends the selector)."""
    position = 0

    def read() -> str:
        nonlocal position
        if position < len(text):
            position += 1
            return text[position - 1]
        return "\0"

    found: list[tuple[int, str]] = []
    while True:
        ch = read()
        while ch in _SPACE:
            ch = read()
        if ch == "\0":
            found.append((END, ""))
            return found
        position -= 1
        if ch in _SPECIAL:
            token, literal, position = _symbol(text, position)
            found.append((token, literal))
            continue
        word = []
        while (ch := read()) != "\0":
            if ch in _SPECIAL or ch in _SPACE:
                position -= 1
                break
            word.append(ch)
        literal = "".join(word)
        found.append((_SYMBOLS.get(literal, IDENTIFIER), literal))


def _symbol(text: str, start: int) -> tuple[int, str, int]:
    """The operator at `start`: operator characters taken while they still make a token (`!=`,
    `==`), and where the lexer goes on reading."""
    best: tuple[int, str, int] | None = None
    end = start
    while end < len(text) and text[end] in _SPECIAL:
        end += 1
        token = _SYMBOLS.get(text[start:end])
        if token is not None:
            best = (token, text[start:end], end)
        elif best is not None:
            break
    if best is None:  # cannot happen (each operator character is a token), kept as Go has it
        return ERROR, f"error expected: keyword found '{text[start:end]}'", end
    return best


class _Parser:
    def __init__(self, text: str) -> None:
        self.items = _tokens(text)
        self.at = 0

    def peek(self, values: bool = True) -> tuple[int, str]:
        token, literal = self.items[self.at]
        return (IDENTIFIER if values and token in (IN, NOT_IN) else token), literal

    def take(self, values: bool = True) -> tuple[int, str]:
        found = self.peek(values)
        self.at += 1
        return found

    def selector(self) -> Selector:
        requirements: list[Requirement] = []
        while True:
            token, literal = self.peek()
            if token == END:
                break
            if token not in (IDENTIFIER, NOT):
                raise SelectorError(
                    f"found '{literal}', expected: !, identifier, or 'end of string'")
            try:
                requirements.append(self.requirement())
            except SelectorError as error:
                raise SelectorError(f"unable to parse requirement: {error}") from None
            token, literal = self.take()
            if token == END:
                break
            if token != COMMA:
                raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            following, literal = self.peek()
            if following not in (IDENTIFIER, NOT):
                raise SelectorError(f"found '{literal}', expected: identifier after ','")
        return Selector(tuple(sorted(requirements, key=lambda r: r.key)))

    def requirement(self) -> Requirement:
        token, key = self.take()
        operator = ""
        if token == NOT:
            operator = "!"
            token, key = self.take()
        if token != IDENTIFIER:
            raise SelectorError(f"found '{key}', expected: identifier")
        problems = qualified_name_errors(key)
        if problems:
            raise SelectorError(f"<nil>: Invalid value: {go_quote(key)}: {'; '.join(problems)}")
        if operator == "!":
            return Requirement(key, "!")
        if self.peek()[0] in (END, COMMA):
            return Requirement(key, "exists")
        token, literal = self.take(values=False)
        if token not in _OPERATORS:
            raise SelectorError(f"found '{literal}', expected: {_EXPECTED_OPERATOR}")
        operator = _OPERATORS[token]
        values = self.set_values() if token in (IN, NOT_IN) else self.exact_value()
        return _checked(Requirement(key, operator, tuple(sorted(values))))

    def set_values(self) -> set[str]:
        token, literal = self.take()
        if token != OPEN:
            raise SelectorError(f"found '{literal}' expected: '('")
        token, literal = self.peek()
        if token == CLOSE:  # `()`: the empty value
            self.take()
            return {""}
        if token not in (IDENTIFIER, COMMA):
            raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self.value_list()
        if self.take()[0] != CLOSE:  # Go quotes the token it looked at before the list
            raise SelectorError(f"found '{literal}', expected: ')'")
        return values

    def value_list(self) -> set[str]:
        """Comma-separated values, any of them empty (`(,a)` holds "" and "a")."""
        values: set[str] = set()
        while True:
            token, literal = self.take()
            if token == IDENTIFIER:
                values.add(literal)
                following, literal = self.peek()
                if following == CLOSE:
                    return values
                if following != COMMA:
                    raise SelectorError(f"found '{literal}', expected: ',' or ')'")
            elif token == COMMA:
                if not values:
                    values.add("")
                following, _ = self.peek()
                if following == CLOSE:
                    values.add("")
                    return values
                if following == COMMA:
                    values.add("")
            else:
                raise SelectorError(f"found '{literal}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        if self.peek()[0] in (END, COMMA):
            return {""}
        token, literal = self.take()
        if token != IDENTIFIER:
            raise SelectorError(f"found '{literal}', expected: identifier")
        return {literal}


def _checked(requirement: Requirement) -> Requirement:
    """NewRequirement's checks of the values (the key was checked as it was read)."""
    errors: list[str] = []
    for index, value in enumerate(requirement.values):
        if requirement.operator in ("gt", "lt") and not _is_int64(value):
            errors.append(f"values[{index}]: Invalid value: {go_quote(value)}: for 'Gt', 'Lt' "
                          "operators, the value must be an integer")
    for index, value in enumerate(requirement.values):
        problems = []
        if len(value.encode("utf-8", "surrogatepass")) > 63:  # Go counts bytes
            problems.append("must be no more than 63 characters")
        if not _LABEL_VALUE.fullmatch(value):
            problems.append(_LABEL_VALUE_MESSAGE)
        if problems:
            errors.append(f"values[{index}][{requirement.key}]: Invalid value: "
                          f"{go_quote(value)}: {'; '.join(problems)}")
    unique = list(dict.fromkeys(errors))
    if len(unique) == 1:
        raise SelectorError(unique[0])
    if unique:
        raise SelectorError("[" + ", ".join(unique) + "]")
    return requirement


def parse_selector(text: str) -> Selector:
    """`-l`'s selector; raises SelectorError with the API server's message."""
    return _Parser(text).selector()


def format_labels(labels: Mapping[str, str]) -> str:
    """The LABELS column (`--show-labels`): `k=v` sorted by key and joined by commas, or
    `<none>` (apimachinery's labels.FormatLabels)."""
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels)) or "<none>"


_EXPRESSION_OPERATORS = {"In": "in", "NotIn": "notin", "Exists": "", "DoesNotExist": "!"}


def selector_text(selector: Any) -> str:
    """A LabelSelector object (`matchLabels`, `matchExpressions`) as apimachinery's
    FormatLabelSelector writes it: requirements by key, `k=v`, `k in (a,b)`, `k notin (a,b)`,
    `k`, `!k`, joined by commas; `<none>` when it selects by nothing, `<error>` when an
    expression's operator is not one of the four."""
    if not isinstance(selector, dict):
        return "<none>"
    parts: list[tuple[str, str]] = []
    labels = selector.get("matchLabels")
    for key, value in (labels.items() if isinstance(labels, dict) else ()):
        parts.append((str(key), f"{key}={value}"))
    expressions = selector.get("matchExpressions")
    for expression in expressions if isinstance(expressions, list) else ():
        if not isinstance(expression, dict):
            return "<error>"
        key, operator = str(expression.get("key", "")), expression.get("operator")
        if operator not in _EXPRESSION_OPERATORS:
            return "<error>"
        given = expression.get("values")
        values: list[Any] = given if isinstance(given, list) else []
        if operator in ("In", "NotIn"):
            text = f"{key} {_EXPRESSION_OPERATORS[operator]} ({','.join(sorted(map(str, values)))})"
        else:
            text = f"{_EXPRESSION_OPERATORS[operator]}{key}"
        parts.append((key, text))
    return ",".join(text for _, text in sorted(parts, key=lambda p: p[0])) or "<none>"


def selector_error(resource: str, selector: str, error: Exception, fields: str = "") -> str:
    """kubectl's wording of the API server's refusal of a bad `-l` or `--field-selector`
    (cli-runtime's EnhanceListError). `resource` is the GroupVersionResource,
    `/v1, Resource=pods`."""
    return (f"Error from server (BadRequest): Unable to find {go_quote(resource)} that match "
            f"label selector {go_quote(selector)}, field selector {go_quote(fields)}: {error}")
