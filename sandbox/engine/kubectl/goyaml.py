"""One scalar as `kubectl get -o yaml` writes it: go-yaml v2's choice of style and its writers.

kubectl prints objects through sigs.k8s.io/yaml, which hands them to go.yaml.in/yaml/v2 (2.4.x)
with the emitter's defaults: a line is folded at a space once it runs past 80 columns, and
continues at the node's indentation. The rules below are go-yaml's (encode.go `stringv`,
resolve.go `resolve`, emitterc.go `yaml_emitter_analyze_scalar`, `select_scalar_style` and the
plain, single-quoted, double-quoted and literal writers), read at v2.4.2:

- a string that would read back as something else (`true`, `1.5`, `0x1f`, `2026-01-01…`, `~`,
  a base-60 float such as `1:20`) is double-quoted;
- a string with a line break is a literal block (`|`, `|-`, `|+`, with an indentation hint when
  it starts with a space);
- otherwise plain, unless what it holds forbids it (`: `, ` #`, a leading indicator, leading
  or trailing spaces …): then single-quoted (`'it''s'`), or double-quoted with escapes when it
  holds characters YAML cannot show as they are (tabs, control characters, characters outside
  the Basic Multilingual Plane).
"""

from __future__ import annotations

import re
from typing import Any

BEST_WIDTH = 80
BEST_INDENT = 2

_BOOL_NULL = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
                        "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off",
                        "OFF", "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf",
                        ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                        "<<"})
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_FLOAT = re.compile(  # what strconv.ParseFloat accepts (decimal and hex forms, inf, nan)
    r"[-+]?(([0-9](_?[0-9])*)?\.?[0-9](_?[0-9])*([eE][-+]?[0-9]+)?|[0-9]+\.([eE][-+]?[0-9]+)?"
    r"|0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][-+]?[0-9]+"
    r"|[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])")
_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_TIMESTAMP = re.compile(  # go-yaml's four layouts, as time.Parse reads them
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(([Tt]| +)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?([Zz]|[-+][0-9]{2}:[0-9]{2})?)?")
_BREAKS = frozenset("\r\n\x85\u2028\u2029")


def _go_int(text: str, base: int) -> bool:
    """strconv.ParseInt(text, 0 or base, 64) or ParseUint succeeds (base 0: 0x, 0o, 0b, 0…)."""
    body = text[1:] if text[:1] in "+-" else text
    if base == 0:
        lower = body[:2].lower()
        if lower in ("0x", "0o", "0b"):
            base, body = {"0x": 16, "0o": 8, "0b": 2}[lower], body[2:]
        elif body.startswith("0") and len(body) > 1:
            base, body = 8, body[1:]
        else:
            base = 10
    digits = "0123456789abcdef"[:base]
    if not body or any(c.lower() not in digits for c in body):
        return False
    value = int(body, base) * (-1 if text.startswith("-") else 1)
    return -(2**63) <= value < 2**64 and not (text.startswith("-") and value < -(2**63))


def resolves_to_string(text: str) -> bool:
    """go-yaml v2 `resolve("", text)` gives !!str, and it is no base-60 float: it may be
    written plain."""
    if text in _BOOL_NULL:
        return False
    hint = text[:1]
    if hint == ".":
        return not _GO_FLOAT.fullmatch(text)
    if hint and (hint in "+-" or hint.isdigit() and hint.isascii()):
        if _TIMESTAMP.fullmatch(text):
            return False
        plain = text.replace("_", "")
        if _go_int(plain, 0) or _FLOAT.fullmatch(plain):
            return False
        if plain.startswith("0b") and _go_int(plain[2:], 2):
            return False
        if plain.startswith("-0b") and _go_int("-" + plain[3:], 2):
            return False
    return not (_BASE60.fullmatch(text) and ":" in text)


def _printable(ch: str) -> bool:
    code = ord(ch)
    return (code == 0x0A or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD and code != 0xFEFF)


def _analyze(value: str) -> tuple[bool, bool, bool, bool]:
    """(block plain allowed, single quotes allowed, a literal block allowed, multi-line)."""
    if not value:
        return True, True, False, False
    block_indicators = _block_indicators(value)
    line_breaks = special = False
    leading = value[0] == " " or value[0] in _BREAKS
    trailing = value[-1] == " " or value[-1] in _BREAKS
    trailing_space = value[-1] == " "
    break_space = space_break = False
    previous_space = previous_break = False
    for ch in value:
        if not _printable(ch):
            special = True
        if ch == " ":
            break_space = break_space or previous_break
            previous_space, previous_break = True, False
        elif ch in _BREAKS:
            line_breaks = True
            space_break = space_break or previous_space
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
    plain = single = block = True
    if leading or trailing:
        plain = False
    if trailing_space:
        block = False
    if break_space:
        plain = single = False
    if space_break or special:
        plain = single = block = False
    if line_breaks or block_indicators:
        plain = False
    return plain, single, block, line_breaks


def _block_indicators(value: str) -> bool:
    """Something in `value` would read as YAML syntax in block context: a document marker, an
    indicator first (`#`, `&`, `- `, `: ` …), `: ` or ` #` later."""
    if value.startswith(("---", "...")) or value[0] in "#,[]{}&*!|>'\"%@`":
        return True
    preceded_by_blank = True
    for i, ch in enumerate(value):
        followed_by_blank = i + 1 >= len(value) or value[i + 1] in " \t"
        if ch in ("?:-" if i == 0 else ":") and followed_by_blank:
            return True
        if ch == "#" and preceded_by_blank and i > 0:
            return True
        preceded_by_blank = ch in " \t\0" or ch in _BREAKS
    return False


class _Writer:
    """The emitter's view of the line it writes: column, and whether it just wrote blanks."""

    def __init__(self, column: int, indent: int) -> None:
        self.out: list[str] = []
        self.column, self.indent = column, indent
        self.whitespace = self.indention = False

    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def newline(self) -> None:
        self.out.append("\n")
        self.column = 0

    def write_break(self, ch: str) -> None:
        if ch == "\n":
            self.newline()
        else:
            self.out.append(ch)
            self.column = 0

    def write_indent(self) -> None:
        if (not self.indention or self.column > self.indent
                or self.column == self.indent and not self.whitespace):
            self.newline()
        self.put(" " * max(self.indent - self.column, 0))
        self.whitespace = self.indention = True

    def fold_here(self, value: str, i: int, breaks_allowed: bool, spaces: bool) -> bool:
        return (breaks_allowed and not spaces and self.column > BEST_WIDTH
                and (i + 1 >= len(value) or value[i + 1] != " "))

    def plain(self, value: str, breaks_allowed: bool) -> None:
        if not self.whitespace:
            self.put(" ")
        self._folded(value, breaks_allowed, quoted=False)

    def single_quoted(self, value: str, breaks_allowed: bool) -> None:
        self.put(" '" if not self.whitespace else "'")
        self._folded(value, breaks_allowed, quoted=True)
        self.put("'")

    def _folded(self, value: str, breaks_allowed: bool, quoted: bool) -> None:
        """The plain and single-quoted writers' shared loop: fold at a single space past the
        width (inside the quotes only, not at either end), keep line breaks, double `'`."""
        spaces = breaks = False
        for i, ch in enumerate(value):
            if ch == " ":
                inside = not quoted or 0 < i < len(value) - 1
                if inside and self.fold_here(value, i, breaks_allowed, spaces):
                    self.write_indent()
                else:
                    self.put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.newline()
                self.write_break(ch)
                self.indention, breaks = True, True
            else:
                if breaks:
                    self.write_indent()
                self.put("''" if quoted and ch == "'" else ch)
                self.indention = spaces = breaks = False

    def double_quoted(self, value: str, breaks_allowed: bool) -> None:
        self.put(' "' if not self.whitespace else '"')
        spaces = False
        for i, ch in enumerate(value):
            if (not _printable(ch) or ch == "\ufeff" or ch in _BREAKS or ch in '"\\'):
                self.put("\\" + _escape(ch))
                spaces = False
            elif ch == " ":
                if breaks_allowed and not spaces and self.column > BEST_WIDTH \
                        and 0 < i < len(value) - 1:
                    self.write_indent()
                    if value[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                spaces = False
        self.put('"')

    def literal(self, value: str) -> None:
        hints = str(BEST_INDENT) if value[0] == " " or value[0] in _BREAKS else ""
        if value[-1] not in _BREAKS:
            hints += "-"
        elif len(value) == 1 or value[-2] in _BREAKS:
            hints += "+"
        self.put((" |" if not self.whitespace else "|") + hints)
        self.newline()
        self.indention = self.whitespace = True
        breaks = True
        for ch in value:
            if ch in _BREAKS:
                self.write_break(ch)
                self.indention, breaks = True, True
            else:
                if breaks:
                    self.write_indent()
                self.put(ch)
                self.indention = breaks = False


_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f",
            "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_",
            "\u2028": "L", "\u2029": "P"}


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    if code <= 0xFF:
        return f"x{code:02X}"
    return f"u{code:04X}" if code <= 0xFFFF else f"U{code:08X}"


def scalar_text(value: Any, *, column: int, indent: int, key: bool = False) -> str:
    """What follows `key:` (or `-`) for `value`, starting with its separating space: written
    from `column`, folded lines continuing at `indent`. A mapping key (`key`) is never folded."""
    if value is None:
        return " null"
    if isinstance(value, bool):
        return " true" if value else " false"
    if isinstance(value, dict | list):
        return " {}" if isinstance(value, dict) else " []"
    if not isinstance(value, str):
        return f" {value}"
    plain_ok, single_ok, block_ok, multiline = _analyze(value)
    writer = _Writer(column, indent)
    writer.whitespace = writer.indention = key  # a key starts its line; a value follows `:`
    if "\n" in value and not key and block_ok:
        writer.literal(value)
    elif "\n" in value or not resolves_to_string(value) or key and multiline:
        writer.double_quoted(value, not key)
    elif plain_ok and not (key and not value):
        writer.plain(value, not key)
    elif single_ok:
        writer.single_quoted(value, not key)
    else:
        writer.double_quoted(value, not key)
    return "".join(writer.out)
