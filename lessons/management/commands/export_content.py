"""`manage.py export_content [--path DIR] [--lesson SLUG …] [--scenarios]`: database to YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lessons.exporter import export_lesson, export_scenario
from lessons.loader import ContentError, default_content_dir
from lessons.models import Lesson, Scenario


class Command(BaseCommand):
    help = (
        "Write lessons back to YAML files, keeping comments and key order of existing files. "
        "With --scenarios, also write each scenario's source."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", type=Path, default=None,
                            help=f"content directory (default: {default_content_dir()})")
        parser.add_argument("--lesson", action="append", default=[], metavar="SLUG",
                            help="export only this lesson (repeatable)")
        parser.add_argument("--scenarios", action="store_true",
                            help="also export scenarios to <path>/scenarios/")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["path"] or default_content_dir()
        lessons = Lesson.objects.select_related("scenario").order_by("order", "slug")
        if options["lesson"]:
            lessons = lessons.filter(slug__in=options["lesson"])
            missing = set(options["lesson"]) - {lesson.slug for lesson in lessons}
            if missing:
                raise CommandError(f"No lesson with slug: {', '.join(sorted(missing))}")
        written = 0
        try:
            for lesson in lessons:
                if export_lesson(lesson, directory):
                    written += 1
                    self.stdout.write(f"wrote {directory / (lesson.slug + '.yaml')}")
            if options["scenarios"]:
                for scenario in Scenario.objects.order_by("slug"):
                    if export_scenario(scenario, directory):
                        written += 1
                        self.stdout.write(f"wrote scenario {scenario.slug}")
        except ContentError as error:
            raise CommandError(f"Cannot update an existing file. {error}") from None
        except OSError as error:
            raise CommandError(f"Cannot write to {directory}: {error.strerror}") from None
        self.stdout.write(self.style.SUCCESS(f"Export done: {written} file(s) written."))
