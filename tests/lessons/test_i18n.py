"""Issue 11: the interface's words are marked for translation, and a catalog takes effect.

The first test walks our own templates with Django's template lexer and fails on any
word of text left outside {% translate %} / {% blocktranslate %}: markup, comments,
scripts, styles and code samples (<pre>, <code>, <textarea> default text) are not words a
translator sees. Lesson content comes from the database as variables, so it never shows up.
"""

import re
import struct
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType
from django.test import override_settings
from django.utils import translation

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# Words that are names, not sentences: they read the same in every language.
ALLOWED = {"Lunchbox", "kubectl", "YAML", "Kubernetes", "Dockerfile"}

# Attribute texts that are a command to type (a placeholder), in kubectl's own words.
COMMANDS = {"kubectl get pods"}

_CUT = re.compile(
    r"<(script|style|pre|code|textarea)\b.*?</\1>|<!--.*?-->|<[^>]*>|&[a-z]+;|&#\d+;",
    re.DOTALL | re.IGNORECASE,
)
_SAID = re.compile(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"')
_WORD = re.compile(r"[^\W\d_]{2,}")


def _loose_words(source: str) -> list[str]:
    """The words in the template's text tokens that no translate tag covers."""
    text: list[str] = []
    inside = skipping = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans"):
                inside = True
            elif name in ("endblocktranslate", "endblocktrans"):
                inside = False
            elif name == "comment":
                skipping = True
            elif name == "endcomment":
                skipping = False
            text.append(" ")
        elif token.token_type == TokenType.TEXT and not (inside or skipping):
            text.append(token.contents)
        elif token.token_type == TokenType.VAR:
            text.append(" x ")
        elif token.token_type == TokenType.COMMENT:
            text.append(" ")
    # Join first so an element split by a tag ({% if %} inside a <code>) is still cut whole.
    joined = "".join(text)
    # Attribute texts a user meets (a label, a tooltip, a placeholder) count as words.
    said = " ".join(v for v in _SAID.findall(joined) if v not in COMMANDS)
    stripped = _CUT.sub(" ", joined) + " " + said
    return [w for w in _WORD.findall(stripped) if w not in ALLOWED]


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_interface_word_is_marked_for_translation(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert _loose_words(source) == [], f"unmarked words in {path.relative_to(TEMPLATES)}"


def test_the_check_sees_an_unmarked_word() -> None:
    assert _loose_words("{% load i18n %}<p>Hello {{ name }}</p>") == ["Hello"]
    assert _loose_words('<p title="{% translate "Open it" %}">{% translate "Hi" %}</p>') == []
    assert _loose_words('<button aria-label="Close it">x</button>') == ["Close", "it"]
    assert _loose_words("{% comment %}A note{% endcomment %}") == []
    assert _loose_words("<pre>kubectl get pods</pre><code>apiVersion</code>") == []


def _write_mo(path: Path, catalog: dict[str, str]) -> None:
    """A GNU .mo file, as msgfmt writes it: header, two offset tables, then the strings."""
    entries = {"": "Content-Type: text/plain; charset=UTF-8\n", **catalog}
    keys = sorted(entries)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(entries[k].encode() + b"\0" for k in keys)
    count = len(keys)
    start = 7 * 4 + count * 16
    offsets, pos = [], 0
    for k in keys:
        offsets += [len(k.encode()), start + pos]
        pos += len(k.encode()) + 1
    str_start = start + len(ids)
    pos = 0
    for k in keys:
        offsets += [len(entries[k].encode()), str_start + pos]
        pos += len(entries[k].encode()) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + struct.pack(f"{4 * count}i", *offsets) + ids + strs)


@pytest.mark.django_db
def test_a_catalog_translates_the_lessons_index(client, tmp_path: Path) -> None:
    _write_mo(tmp_path / "de" / "LC_MESSAGES" / "django.mo", {"Lessons": "Lektionen"})
    # A fresh catalog cache so the test-only locale folder is read, and dropped after.
    translation.trans_real._translations = {}
    try:
        languages = [("en", "English"), ("de", "Deutsch")]
        with override_settings(LOCALE_PATHS=[tmp_path], LANGUAGES=languages):
            page = client.get("/lessons/", headers={"accept-language": "de"})
            english = client.get("/lessons/", headers={"accept-language": "en"})
    finally:
        translation.trans_real._translations = {}
        translation.activate("en")
    assert "<h1>Lektionen</h1>" in page.content.decode()
    assert "<h1>Lessons</h1>" in english.content.decode()
