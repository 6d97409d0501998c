"""Load the shipped course (YAML files) into the database: scenarios, then lessons and challenges.

Layout of a content directory (docs/authoring.md):

    course.yaml            optional: `scenarios:` lists scenario slugs in picker order
    <lesson>.yaml          one lesson with its challenges
    scenarios/<slug>.yaml  one scenario in the engine's format, stored whole as `source`

Loading is an upsert by slug inside one transaction: running it twice changes nothing, and a bad
file raises ContentError (file, line, column, message) with nothing written.

Loading never loses an edit made in the admin. Each row keeps a fingerprint of the values last
loaded into it; a row that no longer matches its fingerprint was edited in the database, and is
kept (a conflict when its file changed too). Only `force` lets the file win, and the report says
which rows it overwrote. Nothing is ever deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from lessons import validation
from lessons.loader_fields import ContentError as ContentError  # re-exported
from lessons.loader_fields import (
    check_keys,
    hints_field,
    integer_field,
    item_position,
    problem_error,
    questions_field,
    settings_field,
    text_field,
    validation_error,
)
from lessons.loader_fields import key_position as key_position  # re-exported
from lessons.models import (
    Challenge,
    Lesson,
    LoadedContent,
    Scenario,
    content_fingerprint,
    normalize_newlines,
)

COURSE_FILE = "course.yaml"
SCENARIO_DIR = "scenarios"
LESSON_KEYS = {
    "slug", "title", "summary", "order", "published", "scenario", "starter_manifest", "body",
    "questions", "challenges",
}
CHALLENGE_KEYS = {
    "slug", "title", "prompt", "order", "scenario", "starter_manifest", "goals", "hints",
    "solution", "solution_settings", "setup",
}
TEXT_FIELDS = ("summary", "body", "starter_manifest")
CHALLENGE_TEXT_FIELDS = ("prompt", "starter_manifest", "goals", "solution")
MAX_FILE_BYTES = 1024 * 1024

M = TypeVar("M", bound=LoadedContent)


def default_content_dir() -> Path:
    return Path(apps.get_app_config("lessons").path) / "content"


@dataclass(frozen=True)
class Difference:
    """One field whose value in the file at `path` is not the one in the database."""

    field: str
    file: Any
    database: Any
    path: Path


@dataclass(frozen=True)
class Edit:
    """A row edited in the database since it was loaded, and how its file differs from it.

    `never_loaded`: the row has no fingerprint (created in the admin, or loaded before
    fingerprints existed), so whether it was edited cannot be told; it is treated as edited.
    """

    label: str
    path: Path  # the row's own file
    differences: tuple[Difference, ...]
    never_loaded: bool
    export: str  # the export_content arguments that write this row back to `path`

    def fields(self) -> list[str]:
        return [difference.field for difference in self.differences]

    def paths(self) -> list[Path]:
        """The files the differing values come from, the row's own file first."""
        return sorted({difference.path for difference in self.differences},
                      key=lambda path: path != self.path)


@dataclass
class LoadReport:
    """Rows by what loading did to them: labels (`lesson pull-policies`), or Edits.

    conflicts: edited in the database and changed in the file; the database was kept.
    kept: edited in the database, file unchanged since it was loaded; the database was kept.
    overwritten: edited in the database, replaced by the file because loading was forced.
    """

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[Edit] = field(default_factory=list)
    kept: list[Edit] = field(default_factory=list)
    overwritten: list[Edit] = field(default_factory=list)

    def summary(self) -> str:
        counts = [f"{len(self.created)} created", f"{len(self.updated)} updated",
                  f"{len(self.unchanged)} unchanged"]
        for edits, what in ((self.overwritten, "overwritten (forced)"),
                            (self.kept, "kept (edited in the database)"),
                            (self.conflicts, "in conflict (database kept)")):
            if edits:
                counts.append(f"{len(edits)} {what}")
        return ", ".join(counts)


@dataclass(frozen=True)
class _Origin:
    """Where a row comes from: its label, its file, the mapping in the file that defines it."""

    label: str
    path: Path
    mapping: Any
    export: str
    key_names: dict[str, str] = field(default_factory=dict)  # model field -> file key
    field_paths: dict[str, Path] = field(default_factory=dict)  # fields set by another file


def load_content(directory: Path | None = None, *, force: bool = False) -> LoadReport:
    """Upsert every scenario, lesson and challenge under `directory`, all or nothing.

    Rows edited in the database since they were last loaded are kept unless `force`.
    """
    directory = directory or default_content_dir()
    if not directory.is_dir():
        raise ContentError(directory, "is not a directory")
    report = LoadReport()
    with transaction.atomic():
        scenario_order = _course_scenario_order(directory)
        for index, path in enumerate(_scenario_files(directory, scenario_order)):
            _load_scenario_file(path, (index + 1) * 10, report, force)
        for path in _lesson_files(directory):
            _load_lesson_file(path, report, force)
    return report


# --- files ------------------------------------------------------------------------------------

def read_yaml(path: Path) -> tuple[str, CommentedMap]:
    """The file's text and its round-trip document, which must be a mapping."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ContentError(path, f"is larger than {MAX_FILE_BYTES} bytes")
        text = normalize_newlines(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ContentError(path, f"is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise ContentError(path, f"cannot be read ({error.strerror})") from None
    try:
        document = YAML(typ="rt").load(text)
    except YAMLError as error:
        problem = validation.yaml_problem(error)
        raise ContentError(path, problem.message, problem.line, problem.column) from None
    except (RecursionError, ValueError) as error:
        raise ContentError(path, f"invalid YAML: {error}") from None
    if not isinstance(document, CommentedMap):
        raise ContentError(path, "must be a YAML mapping (`key: value` lines)", 1, 1)
    return text, document


def _course_scenario_order(directory: Path) -> list[str]:
    path = directory / COURSE_FILE
    if not path.exists():
        return []
    _, course = read_yaml(path)
    order = course.get("scenarios", [])
    if not isinstance(order, list) or not all(isinstance(slug, str) for slug in order):
        raise ContentError(path, "`scenarios` must be a list of scenario slugs",
                           *key_position(course, "scenarios"))
    return list(order)


def _scenario_files(directory: Path, order: Sequence[str]) -> list[Path]:
    """Scenario files, those named in course.yaml first in that order, then the rest by name."""
    files = sorted((directory / SCENARIO_DIR).glob("*.yaml"))
    rank = {slug: index for index, slug in enumerate(order)}
    return sorted(files, key=lambda path: (rank.get(path.stem, len(rank)), path.stem))


def _lesson_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.glob("*.yaml") if path.name != COURSE_FILE)


# --- positions --------------------------------------------------------------------------------


# --- scenarios --------------------------------------------------------------------------------

def _load_scenario_file(path: Path, order: int, report: LoadReport, force: bool) -> None:
    text, document = read_yaml(path)
    slug = path.stem
    title = document.get("name") or slug.replace("-", " ").capitalize()
    description = document.get("description") or ""
    if not isinstance(title, str) or not isinstance(description, str):
        key = "name" if not isinstance(title, str) else "description"
        raise ContentError(path, f"`{key}` must be text", *key_position(document, key))
    problems = validation.scenario_problems(text)
    if problems:
        first = problems[0]
        hint = f" ({first.hint})" if first.hint else ""
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise ContentError(path, f"{first.message}{hint}{more}", first.line, first.column)
    values = {"title": title.strip(), "description": " ".join(description.split()),
              "source": text, "order": order}
    origin = _Origin(f"scenario {slug}", path, document, "--scenarios",
                     {"title": "name", "source": "name"},
                     {"order": path.parent.parent / COURSE_FILE})
    _upsert(Scenario, {"slug": slug}, values, origin, report, force)


# --- lessons ----------------------------------------------------------------------------------


def _scenario_ref(path: Path, mapping: Any) -> Scenario | None:
    slug = mapping.get("scenario")
    if slug is None or slug == "":
        return None
    scenario = Scenario.objects.filter(slug=str(slug)).first()
    if scenario is None:
        raise ContentError(path, f"scenario `{slug}` does not exist (add "
                           f"{SCENARIO_DIR}/{slug}.yaml or load it first)",
                           *key_position(mapping, "scenario"))
    return scenario


def _check_manifests(path: Path, mapping: Any, lines: Sequence[str],
                     keys: Iterable[str]) -> None:
    for key in keys:
        problems = validation.manifest_problems(text_field(path, mapping, key))
        if problems:
            raise problem_error(path, mapping, key, lines, problems)


def _load_lesson_file(path: Path, report: LoadReport, force: bool) -> None:
    text, document = read_yaml(path)
    lines = text.split("\n")
    check_keys(path, document, LESSON_KEYS, "lesson")
    slug = text_field(path, document, "slug", required=True)
    if slug != path.stem:
        raise ContentError(path, f"slug `{slug}` must match the file name ({slug}.yaml), so "
                           "export_content writes the lesson back to this file",
                           *key_position(document, "slug"))
    _check_manifests(path, document, lines, ["starter_manifest"])
    published = document.get("published", True)
    if not isinstance(published, bool):
        raise ContentError(path, "`published` must be true or false",
                           *key_position(document, "published"))
    values: dict[str, Any] = {
        "title": text_field(path, document, "title", required=True).strip(),
        "summary": " ".join(text_field(path, document, "summary").split()),
        "body": text_field(path, document, "body", required=True),
        "starter_manifest": text_field(path, document, "starter_manifest"),
        "order": integer_field(path, document, "order", 0),
        "published": published,
        "scenario": _scenario_ref(path, document),
        "questions": questions_field(path, document),
    }
    origin = _Origin(f"lesson {slug}", path, document, f"--lesson {slug}")
    lesson = _upsert(Lesson, {"slug": slug}, values, origin, report, force)
    challenges = document.get("challenges") or []
    if not isinstance(challenges, list):
        raise ContentError(path, "`challenges` must be a list",
                           *key_position(document, "challenges"))
    seen: set[str] = set()
    for index, item in enumerate(challenges):
        if not isinstance(item, CommentedMap):
            raise ContentError(path, f"challenge {index + 1} must be a mapping",
                               *item_position(challenges, index))
        challenge_slug = text_field(path, item, "slug", required=True)
        if challenge_slug in seen:
            raise ContentError(path, f"challenge slug `{challenge_slug}` is used twice",
                               *key_position(item, "slug"))
        seen.add(challenge_slug)
        _load_challenge(path, lines, lesson, item, index, report, force)


def _challenge_world(item: CommentedMap, lesson: Lesson) -> Any:
    """The engine's scenario a challenge's setup runs in (its own, else its lesson's)."""
    slug = item.get("scenario")
    row = (Scenario.objects.filter(slug=slug).first() if isinstance(slug, str) and slug
           else lesson.scenario)
    try:
        return row.load() if row is not None else None
    except Exception:  # reported where the scenario is loaded
        return None


def _load_challenge(path: Path, lines: Sequence[str], lesson: Lesson, item: CommentedMap,
                    index: int, report: LoadReport, force: bool) -> None:
    check_keys(path, item, CHALLENGE_KEYS, "challenge")
    slug = text_field(path, item, "slug", required=True)
    _check_manifests(path, item, lines, ["starter_manifest", "solution"])
    goal_problems = validation.goal_problems(text_field(path, item, "goals"))
    if goal_problems:
        raise problem_error(path, item, "goals", lines, goal_problems)
    setup_problems = validation.setup_problems(
        text_field(path, item, "setup"), _challenge_world(item, lesson),
        text_field(path, item, "starter_manifest"))
    if setup_problems:
        raise problem_error(path, item, "setup", lines, setup_problems)
    values: dict[str, Any] = {
        "title": text_field(path, item, "title", required=True).strip(),
        "prompt": text_field(path, item, "prompt", required=True),
        "starter_manifest": text_field(path, item, "starter_manifest"),
        "goals": text_field(path, item, "goals"),
        "hints": hints_field(path, item),
        "solution": text_field(path, item, "solution"),
        "setup": text_field(path, item, "setup"),
        "solution_settings": settings_field(path, item, "solution_settings"),
        "order": integer_field(path, item, "order", (index + 1) * 10),
        "scenario": _scenario_ref(path, item),
    }
    origin = _Origin(f"challenge {lesson.slug}/{slug}", path, item, f"--lesson {lesson.slug}")
    _upsert(Challenge, {"lesson": lesson, "slug": slug}, values, origin, report, force)


# --- upsert -----------------------------------------------------------------------------------

def _upsert(model: type[M], lookup: dict[str, Any], values: dict[str, Any], origin: _Origin,
            report: LoadReport, force: bool) -> M:
    """Create or update one row from its file, unless it was edited in the database.

    A row is written when it is new, when it still holds what was last loaded, or with `force`.
    A row that already matches its file is not saved at all (only its fingerprint is recorded).
    """
    incoming = model(**lookup, **values)
    loaded = incoming.content_values()
    fingerprint = content_fingerprint(loaded)
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        _save(incoming, fingerprint, origin)
        report.created.append(origin.label)
        return incoming
    current = instance.content_values()
    differences = tuple(
        Difference(name, loaded[name], current[name], origin.field_paths.get(name, origin.path))
        for name in loaded if loaded[name] != current[name]
    )
    if not differences:
        if instance.content_fingerprint != fingerprint:
            # Both sides agree (first load since fingerprints, or an export): remember it
            # without saving, so updated_at keeps telling when the content last changed.
            model._default_manager.filter(pk=instance.pk).update(content_fingerprint=fingerprint)
            instance.content_fingerprint = fingerprint
        report.unchanged.append(origin.label)
        return instance
    edited = instance.edited_since_load()
    if edited:
        edit = Edit(origin.label, origin.path, differences,
                    never_loaded=not instance.content_fingerprint, export=origin.export)
        if not force:
            file_changed = instance.content_fingerprint != fingerprint
            (report.conflicts if file_changed else report.kept).append(edit)
            return instance
        report.overwritten.append(edit)
    else:
        report.updated.append(origin.label)
    for name, value in values.items():
        setattr(instance, name, value)
    _save(instance, fingerprint, origin)
    return instance


def _save(instance: LoadedContent, fingerprint: str, origin: _Origin) -> None:
    instance.content_fingerprint = fingerprint
    try:
        instance.full_clean()
    except ValidationError as error:
        raise validation_error(origin.path, origin.mapping, error, origin.key_names) from None
    instance.save()


def load_lesson_file(path: Path) -> LoadReport:
    """Load one lesson file on purpose (an upload in the admin): the file wins over the database
    for that lesson and its challenges, all or nothing; the scenarios it names must exist."""
    report = LoadReport()
    with transaction.atomic():
        _load_lesson_file(path, report, force=True)
    return report
