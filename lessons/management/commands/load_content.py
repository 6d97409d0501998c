"""`manage.py load_content [--path DIR] [--force]`: load the shipped course into the database."""

from __future__ import annotations

import json
from itertools import zip_longest
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lessons.loader import (
    COURSE_FILE,
    ContentError,
    Difference,
    Edit,
    default_content_dir,
    load_content,
)

PREVIEW_CHARS = 60


def shown_path(path: Path) -> str:
    """`path` relative to the working directory when it is below it, as people typed it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _preview(value: Any) -> str:
    if value is None:
        return "(no such line)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + "…"


def describe_difference(edit: Edit, difference: Difference) -> str:
    """`  title: file "A" | database "B"`; multi-line text shows its first differing line."""
    name = difference.field
    if difference.path != edit.path:
        name = f"{name} ({difference.path.name})"
    file, database = difference.file, difference.database
    if isinstance(file, str) and isinstance(database, str) and "\n" in file + database:
        pairs = zip_longest(file.split("\n"), database.split("\n"))
        number, (file, database) = next((number, pair) for number, pair in enumerate(pairs, 1)
                                        if pair[0] != pair[1])
        name = f"{name}, line {number}"
    return f"  {name}: file {_preview(file)} | database {_preview(database)}"


def _files(edit: Edit) -> str:
    return " and ".join(shown_path(path) for path in edit.paths())


def describe_conflict(edit: Edit) -> list[str]:
    """What was kept, which fields differ (file vs database) and the two ways to resolve it."""
    fields = ", ".join(edit.fields())
    if edit.never_loaded:
        why = (f"differs from {_files(edit)} ({fields}) and has no record of being loaded from "
               "it (created in the admin, or loaded before load_content kept fingerprints)")
    else:
        why = (f"edited in the database, and {_files(edit)} changed since it was last loaded "
               f"({fields})")
    resolve = (f"  resolve: `manage.py load_content --force` takes the files (for every row "
               f"edited in the database); `manage.py export_content {edit.export}` writes the "
               "database to the file")
    if any(difference.path.name == COURSE_FILE for difference in edit.differences):
        resolve += f" (except the order: change it in {COURSE_FILE} by hand)"
    return [f"conflict {edit.label}: {why}; kept the database version",
            *(describe_difference(edit, difference) for difference in edit.differences),
            resolve]


class Command(BaseCommand):
    help = (
        "Load scenarios, lessons and challenges from YAML (default: lessons/content/). "
        "Upserts by slug in one transaction; safe to run again. Rows edited in the admin since "
        "they were loaded are kept (and reported) unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path", type=Path, default=None,
            help=f"content directory (default: {default_content_dir()})",
        )
        parser.add_argument(
            "--force", action="store_true",
            help="let the files win: overwrite rows edited in the database, listing each one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_content(options["path"], force=options["force"])
        except ContentError as error:
            raise CommandError(f"Nothing was loaded. {error}") from None
        verbosity = options["verbosity"]
        if verbosity >= 1:
            for label in report.created:
                self.stdout.write(f"created {label}")
            for label in report.updated:
                self.stdout.write(f"updated {label}")
            for edit in report.kept:
                self.stdout.write(f"kept {edit.label}: edited in the database "
                                  f"({', '.join(edit.fields())}); {_files(edit)} did not "
                                  "change since it was loaded")
        if verbosity >= 2:
            for label in report.unchanged:
                self.stdout.write(f"unchanged {label}")
        # What was overwritten or kept in conflict is printed at any verbosity: it is the only
        # trace of a replaced edit, and the only warning that a file change was not applied.
        for edit in report.overwritten:
            self.stdout.write(self.style.WARNING(
                f"overwrote {edit.label} with {_files(edit)} (--force): "
                f"the database edit to {', '.join(edit.fields())} is replaced"))
            for difference in edit.differences:
                self.stdout.write(describe_difference(edit, difference))
        for edit in report.conflicts:
            for line in describe_conflict(edit):
                self.stderr.write(line, self.style.WARNING)
        style = self.style.WARNING if report.conflicts else self.style.SUCCESS
        self.stdout.write(style(f"Content loaded: {report.summary()}."))
