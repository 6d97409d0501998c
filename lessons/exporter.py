"""Write lessons (and scenarios) from the database back to the content YAML files.

An existing lesson file is loaded round-trip and only the values that differ are replaced, so
comments, key order and scalar styles survive; a value that did not change keeps its exact text.
New keys and new challenges are appended; challenges no longer in the database are removed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from lessons.loader import SCENARIO_DIR, read_yaml
from lessons.models import Challenge, Lesson, Scenario, normalize_newlines

LESSON_KEY_ORDER = (
    "slug", "title", "summary", "order", "published", "scenario", "questions",
    "starter_manifest", "body",
)
CHALLENGE_KEY_ORDER = (
    "slug", "title", "order", "scenario", "prompt", "starter_manifest", "goals", "hints",
    "solution", "solution_settings", "setup",
)


def yaml_writer() -> YAML:
    """The dumper whose layout the shipped files follow (2-space maps, `  - ` lists)."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    yaml.preserve_quotes = True
    return yaml


def _same(old: Any, new: Any) -> bool:
    """Equal as the loader would store them (whitespace at the ends does not count)."""
    if isinstance(old, str) and isinstance(new, str):
        return normalize_newlines(old).strip() == new.strip()
    if isinstance(old, list) and isinstance(new, list):
        return [str(item).strip() for item in old] == [str(item).strip() for item in new]
    if isinstance(old, dict) and isinstance(new, dict):  # solution_settings
        return len(old) == len(new) and all(
            key in old and _same(old[key], value) for key, value in new.items())
    return bool(old == new) and type(old) is type(new)


def _styled(value: Any) -> Any:
    """Multi-line text (or YAML text ending in a newline) as a `|` block, the rest as is."""
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value.rstrip("\n") + "\n")
    return value


def _summary_equal(old: Any, new: str) -> bool:
    return isinstance(old, str) and " ".join(old.split()) == new


def _set(mapping: CommentedMap, key: str, value: Any, default: Any = None) -> None:
    """Replace `key` only when its value changed; a key the file does not have is added only
    when the value differs from what the loader assumes for a missing key."""
    if key in mapping:
        if key == "summary" and _summary_equal(mapping[key], value):
            return
        if _same(mapping[key], value):
            return
        mapping[key] = _styled(value)
    elif value not in ("", None, [], {}) and not _same(default, value):
        mapping[key] = _styled(value)


def _hints_value(existing: Any, challenge: Challenge) -> Any:
    """Hints as the file already writes them: a list stays a list, otherwise one text."""
    if isinstance(existing, list):
        return challenge.hint_list()
    return challenge.hints


def _challenge_values(challenge: Challenge, existing: CommentedMap) -> dict[str, Any]:
    return {
        "slug": challenge.slug,
        "title": challenge.title,
        "order": challenge.order,
        "scenario": challenge.scenario.slug if challenge.scenario else None,
        "prompt": challenge.prompt,
        "starter_manifest": challenge.starter_manifest,
        "goals": challenge.goals,
        "hints": _hints_value(existing.get("hints"), challenge),
        "solution": challenge.solution,
        "solution_settings": dict(challenge.solution_settings or {}),
        "setup": challenge.setup,
    }


def _update_challenges(document: CommentedMap, lesson: Lesson) -> None:
    challenges = list(lesson.challenges.select_related("scenario"))
    current = document.get("challenges")
    if not isinstance(current, CommentedSeq):
        current = CommentedSeq()
    by_slug = {item.get("slug"): item for item in current if isinstance(item, CommentedMap)}
    wanted = {challenge.slug for challenge in challenges}
    for index in reversed(range(len(current))):
        item = current[index]
        if not isinstance(item, CommentedMap) or item.get("slug") not in wanted:
            del current[index]
    for challenge in challenges:
        item = by_slug.get(challenge.slug)
        if item is None:
            item = CommentedMap()
            current.append(item)
        values = _challenge_values(challenge, item)
        # The loader numbers challenges without `order` 10, 20, 30… by position.
        defaults = {"order": (current.index(item) + 1) * 10}
        for key in CHALLENGE_KEY_ORDER:
            _set(item, key, values[key], defaults.get(key))
    if current or "challenges" in document:
        document["challenges"] = current


def _question_list(stored: str, existing: Any) -> Any:
    """The kinds as a flow list; an equal list in the file keeps its own layout."""
    kinds = stored.split()
    if not kinds:
        return None
    if isinstance(existing, list) and [str(k) for k in existing] == kinds:
        return existing
    listed = CommentedSeq(kinds)
    listed.fa.set_flow_style()
    return listed


def lesson_document(lesson: Lesson, document: CommentedMap | None = None) -> CommentedMap:
    """`document` (a loaded lesson file, or a new one) updated in place to match `lesson`."""
    document = document if document is not None else CommentedMap()
    values = {
        "slug": lesson.slug,
        "title": lesson.title,
        "summary": lesson.summary,
        "order": lesson.order,
        "published": lesson.published,
        "scenario": lesson.scenario.slug if lesson.scenario else None,
        "starter_manifest": lesson.starter_manifest,
        "body": lesson.body,
        "questions": _question_list(lesson.questions, document.get("questions")),
    }
    defaults = {"order": 0, "published": True, "questions": None}
    for key in LESSON_KEY_ORDER:
        _set(document, key, values[key], defaults.get(key))
    _update_challenges(document, lesson)
    return document


def dump(document: CommentedMap) -> str:
    stream = io.StringIO()
    yaml_writer().dump(document, stream)
    return stream.getvalue()


def _write_if_changed(path: Path, text: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def export_lesson(lesson: Lesson, directory: Path) -> bool:
    """Write `<directory>/<slug>.yaml`; True when the file changed."""
    path = directory / f"{lesson.slug}.yaml"
    document = None
    if path.exists():
        _, document = read_yaml(path)
    return _write_if_changed(path, dump(lesson_document(lesson, document)))


def export_scenario(scenario: Scenario, directory: Path) -> bool:
    """Write the scenario's source verbatim to `<directory>/scenarios/<slug>.yaml`."""
    text = scenario.source if scenario.source.endswith("\n") else scenario.source + "\n"
    return _write_if_changed(directory / SCENARIO_DIR / f"{scenario.slug}.yaml", text)
