"""`manage.py load_content [--path DIR]`: load the shipped course into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lessons.loader import ContentError, default_content_dir, load_content


class Command(BaseCommand):
    help = (
        "Load scenarios, lessons and challenges from YAML (default: lessons/content/). "
        "Upserts by slug in one transaction; safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path", type=Path, default=None,
            help=f"content directory (default: {default_content_dir()})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_content(options["path"])
        except ContentError as error:
            raise CommandError(f"Nothing was loaded. {error}") from None
        verbosity = options["verbosity"]
        for label in report.created:
            if verbosity >= 1:
                self.stdout.write(f"created {label}")
        for label in report.updated:
            if verbosity >= 1:
                self.stdout.write(f"updated {label}")
        if verbosity >= 2:
            for label in report.unchanged:
                self.stdout.write(f"unchanged {label}")
        self.stdout.write(self.style.SUCCESS(f"Content loaded: {report.summary()}."))
