"""Go standard-library behaviour that the kubelet's credential code depends on.

Docker-config keys are matched with `net/url`, `net.SplitHostPort` and `path/filepath.Match`,
and `auth` fields and Secret data are decoded with `encoding/base64`; learners meet the edge
cases (ports, globs, unpadded base64), so `credentials.py` reproduces them through this module.
Only what those callers reach is covered: URLs always start with `http://` or `https://`.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass

# Bytes net/url accepts unescaped in a host (RFC 3986 sub-delims plus what Go tolerates).
_HOST_CHARS = frozenset(string.ascii_letters + string.digits + "!$&'()*+,;=:[]<>\"-_.~")
_USERINFO_CHARS = frozenset(string.ascii_letters + string.digits + "-._:~!$&'()*+,;=%@")
_B64_BYTES = {ord(c): i for i, c in enumerate(string.ascii_uppercase + string.ascii_lowercase
                                              + string.digits + "+/")}
_NEWLINES = (ord("\n"), ord("\r"))
# unicode.IsSpace, which strings.TrimSpace uses (str.strip would also drop \x1c-\x1f).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
            "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


# --- net/url, net.SplitHostPort, path/filepath.Match ---------------------------------------------


@dataclass(frozen=True)
class URL:
    """What the callers read of a parsed URL: the host (with any port) and the decoded path."""

    host: str
    path: str


class URLError(ValueError):
    """Where Go's url.Parse returns an error; `go` is Go's own text of it (`%q` quoting)."""

    def __init__(self, message: str, go: str | None = None) -> None:
        super().__init__(message)
        self.go = go or message


def _go_quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _escape_error(text: str, i: int) -> URLError:
    escape = text[i:i + 3]
    return URLError(f"invalid URL escape {escape!r}", f"invalid URL escape {_go_quote(escape)}")


def _unescape(text: str, mode: str) -> str:
    """net/url's unescape: validate %-escapes (and host bytes), then decode them."""
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%":
            pair = text[i + 1:i + 3]
            if len(pair) < 2 or not all(c in string.hexdigits for c in pair):
                raise _escape_error(text, i)
            value = int(pair, 16)
            if mode == "host" and int(pair[0], 16) < 8 and pair != "25":
                raise _escape_error(text, i)  # a host may %-encode only non-ASCII bytes
            if mode == "zone" and pair != "25" and value != 0x20 and chr(value) not in _HOST_CHARS:
                raise _escape_error(text, i)
            out.append(value)
            i += 3
            continue
        if mode in ("host", "zone") and ord(ch) < 0x80 and ch not in _HOST_CHARS:
            raise URLError(f"invalid character {ch!r} in host name",
                           f"invalid character {_go_quote(ch)} in host name")
        out += ch.encode("utf-8", "surrogatepass")
        i += 1
    return out.decode("utf-8", "replace")


def _valid_optional_port(port: str) -> bool:
    return port == "" or (port[0] == ":" and all("0" <= c <= "9" for c in port[1:]))


def _parse_host(host: str) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise URLError("missing ']' in host")
        if not _valid_optional_port(host[end + 1:]):
            raise URLError(f"invalid port {host[end + 1:]!r} after host",
                           f"invalid port {_go_quote(host[end + 1:])} after host")
        zone = host.find("%25", 0, end)
        if zone >= 0:
            return (_unescape(host[:zone], "host") + _unescape(host[zone:end], "zone")
                    + _unescape(host[end:], "host"))
    elif (colon := host.rfind(":")) >= 0 and not _valid_optional_port(host[colon:]):
        raise URLError(f"invalid port {host[colon:]!r} after host",
                       f"invalid port {_go_quote(host[colon:])} after host")
    return _unescape(host, "host")


def _parse_authority(authority: str) -> str:
    at = authority.rfind("@")
    host = _parse_host(authority[at + 1:])
    if at >= 0:
        userinfo = authority[:at]
        if not all(c in _USERINFO_CHARS for c in userinfo):
            raise URLError("invalid userinfo", "net/url: invalid userinfo")
        for part in userinfo.split(":", 1):
            _unescape(part, "userinfo")
    return host


def parse_url(raw: str) -> URL:
    """url.Parse for `http(s)://...` strings: the host (port kept) and the decoded path."""
    text, _, fragment = raw.partition("#")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise URLError("invalid control character in URL",
                       "net/url: invalid control character in URL")
    rest = text.split(":", 1)[1]
    rest = rest[:-1] if rest.endswith("?") and rest.count("?") == 1 else rest.partition("?")[0]
    authority, slash, path = rest[2:].partition("/")
    host = _parse_authority(authority)
    decoded_path = _unescape(slash + path, "path")
    _unescape(fragment, "fragment")
    return URL(host, decoded_path)


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """net.SplitHostPort; None where Go returns an error."""
    colon = hostport.rfind(":")
    if colon < 0:
        return None
    start, end_search = 0, 0
    if hostport[0] == "[":
        end = hostport.find("]")
        if end < 0 or end + 1 != colon:
            return None
        host = hostport[1:end]
        start, end_search = 1, end + 1
    else:
        host = hostport[:colon]
        if ":" in host:
            return None
    if "[" in hostport[start:] or "]" in hostport[end_search:]:
        return None
    return host, hostport[colon + 1:]


def _labels_and_port(url: URL) -> tuple[list[str], str]:
    split = _split_host_port(url.host)
    host, port = split if split is not None else (url.host, "")
    return host.split("."), port


def _class_token(pattern: str, i: int) -> tuple[tuple[bool, list[tuple[str, str]]], int] | None:
    """Parse `[...]` starting after the `[`; None when malformed (Go's ErrBadPattern)."""
    negated = i < len(pattern) and pattern[i] == "^"
    i += negated
    ranges: list[tuple[str, str]] = []
    while True:
        if i < len(pattern) and pattern[i] == "]" and ranges:
            return (negated, ranges), i + 1
        lo, i = _class_char(pattern, i)
        hi: str | None = lo
        if lo is not None and pattern[i] == "-":
            hi, i = _class_char(pattern, i + 1)
        if lo is None or hi is None:
            return None
        ranges.append((lo, hi))


def _class_char(pattern: str, i: int) -> tuple[str | None, int]:
    if i >= len(pattern) or pattern[i] in "-]":
        return None, i
    if pattern[i] == "\\":
        i += 1
        if i >= len(pattern):
            return None, i
    # Go also requires something (at least the closing bracket) after the character.
    return (pattern[i] if i + 1 < len(pattern) else None), i + 1


_Token = str | tuple[bool, list[tuple[str, str]]] | None  # literal, class, None for `*`
_ANY: _Token = (True, [])  # `?`: a class that excludes nothing
_MAX_GLOB_WORK = 1_000_000


def _glob_tokens(pattern: str) -> list[_Token] | None:
    tokens: list[_Token] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            tokens.append(None)
            i += 1
        elif ch == "[":
            parsed = _class_token(pattern, i + 1)
            if parsed is None:
                return None
            tokens.append(parsed[0])
            i = parsed[1]
        elif ch == "\\":
            if i + 1 >= len(pattern):
                return None
            tokens.append(pattern[i + 1])
            i += 2
        else:
            tokens.append(_ANY if ch == "?" else ch)
            i += 1
    return tokens


def _token_matches(token: _Token, ch: str) -> bool:
    if isinstance(token, str):
        return token == ch
    assert token is not None
    negated, ranges = token
    return any(lo <= ch <= hi for lo, hi in ranges) != negated


def _glob_match(pattern: str, name: str) -> bool:
    """filepath.Match for one host label (no `/` can occur); a bad pattern matches nothing.

    Backtracking costs up to len(pattern) * len(name) steps; past `_MAX_GLOB_WORK` (labels of
    thousands of characters, which no DNS name has) it answers no match instead of hanging.
    """
    tokens = _glob_tokens(pattern)
    if tokens is None or len(tokens) * len(name) > _MAX_GLOB_WORK:
        return False
    t = n = 0
    star_t, star_n = -1, 0
    while n < len(name):
        if t < len(tokens) and tokens[t] is None:
            star_t, star_n = t, n
            t += 1
        elif t < len(tokens) and _token_matches(tokens[t], name[n]):
            t += 1
            n += 1
        elif star_t >= 0:
            star_n += 1
            t, n = star_t + 1, star_n
        else:
            return False
    return all(token is None for token in tokens[t:])


def url_parse_error(raw: str) -> str | None:
    """Go's text of `url.Parse(raw)`'s error (`parse "https://%x": invalid URL escape "%x"`),
    or None when it parses."""
    try:
        parse_url(raw)
    except URLError as exc:
        return f"parse {_go_quote(raw)}: {exc.go}"
    return None


def urls_match(glob: str, target: str) -> bool:
    """URLsMatchStr: both strings are schemeless; a parse error is no match."""
    try:
        glob_url, target_url = parse_url("https://" + glob), parse_url("https://" + target)
    except URLError:
        return False
    glob_labels, glob_port = _labels_and_port(glob_url)
    target_labels, target_port = _labels_and_port(target_url)
    if glob_port != target_port or len(glob_labels) != len(target_labels):
        return False
    if not target_url.path.startswith(glob_url.path):
        return False
    return all(_glob_match(g, t) for g, t in zip(glob_labels, target_labels, strict=True))


# --- encoding/base64 ------------------------------------------------------------------------------


class Base64Error(ValueError):
    """Where Go's base64 decoder fails; the message is Go's, with the byte offset."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"illegal base64 data at input byte {offset}")


def _quantum(values: list[int]) -> bytes:
    bits = sum(v << (18 - 6 * i) for i, v in enumerate(values))
    return bits.to_bytes(3, "big")[:len(values) - 1]


def _padding_end(src: bytes, si: int, seen: int) -> int:
    """After a `=` at quantum position `seen`: validate the padding; return where input ends."""
    if seen < 2:
        raise Base64Error(si - 1)
    if seen == 2:
        while si < len(src) and src[si] in _NEWLINES:
            si += 1
        if si == len(src):
            raise Base64Error(len(src))
        if src[si] != ord("="):
            raise Base64Error(si - 1)
        si += 1
    while si < len(src) and src[si] in _NEWLINES:
        si += 1
    if si < len(src):
        raise Base64Error(si)
    return si


def base64_decode(text: str, *, padded: bool) -> bytes:
    """encoding/base64 StdEncoding (padded) or RawStdEncoding; CR and LF are skipped."""
    src = text.encode("utf-8", "surrogatepass")
    out = bytearray()
    si = 0
    while True:
        values: list[int] = []
        while len(values) < 4:
            if si == len(src):
                if not values:
                    return bytes(out)
                if len(values) == 1 or padded:
                    raise Base64Error(si - len(values))
                return bytes(out + _quantum(values))
            byte = src[si]
            si += 1
            if byte in _B64_BYTES:
                values.append(_B64_BYTES[byte])
            elif byte in _NEWLINES:
                continue
            elif byte != ord("=") or not padded:
                raise Base64Error(si - 1)
            else:
                _padding_end(src, si, len(values))
                return bytes(out + _quantum(values))
        out += _quantum(values)



def trim_space(text: str) -> str:
    """strings.TrimSpace."""
    return text.strip(_GO_SPACE)


# --- time.ParseDuration -----------------------------------------------------------------------

_DURATION_UNITS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
                   "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")


def parse_go_duration(text: str) -> int:
    """time.ParseDuration, in nanoseconds; ValueError with Go's message (`time: invalid
    duration "1x"`). Past int64 Go fails too; fractions beyond the nanosecond are dropped."""
    invalid = ValueError(f"time: invalid duration {_go_quote(text)}")
    rest, sign = text, 1
    if rest[:1] in ("-", "+"):
        sign, rest = (-1 if rest[0] == "-" else 1), rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise invalid
    total = 0.0
    while rest:
        match = _DURATION_PART.match(rest)
        number, unit = match.groups() if match else ("", "")
        if number in ("", ".") or not match:
            raise invalid
        if not unit:
            raise ValueError(f"time: missing unit in duration {_go_quote(text)}")
        if unit not in _DURATION_UNITS:
            raise ValueError(f"time: unknown unit {_go_quote(unit)} in duration "
                             f"{_go_quote(text)}")
        total += float(number) * _DURATION_UNITS[unit]
        rest = rest[match.end():]
    if total > 2**63 - 1:
        raise invalid
    return sign * int(total)
