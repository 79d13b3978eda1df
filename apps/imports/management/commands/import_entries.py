"""``manage.py import_entries --format toggl|clockify|kimai FILE``: see docs/import.md."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.imports.formats import FORMATS
from apps.imports.services import MAX_BYTES, ImportReport, import_entries


class Command(BaseCommand):
    help = (
        "Import time entries from a CSV export of Toggl Track, Clockify or Kimai. Users are "
        "matched by e-mail; nothing is imported when any row cannot be (see docs/import.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be created; keep nothing."
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="Create the clients, projects and tasks the file names and this site lacks.",
        )
        parser.add_argument(
            "--timezone",
            default="UTC",
            help="Time zone of the file's dates and times (default UTC), e.g. Europe/Berlin.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(
                    f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; split it."
                )
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        try:
            report = import_entries(
                fmt=options["format"],
                data=data,
                dry_run=options["dry_run"],
                create_missing=options["create_missing"],
                timezone_name=options["timezone"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self._print(report)
        if report.problems_total:
            raise CommandError(
                f"Nothing was imported: {report.problems_total} row(s) cannot be imported."
            )

    def _print(self, report: ImportReport) -> None:
        verb = "Would create" if report.dry_run else "Created"
        self.stdout.write(
            f"{report.rows} row(s) read (times in {report.timezone}). {verb} "
            f"{report.created} entr{'y' if report.created == 1 else 'ies'}; "
            f"{report.duplicates} duplicate(s) skipped."
        )
        for label, names in (
            ("clients", report.new_clients),
            ("projects", report.new_projects),
            ("tasks", report.new_tasks),
            ("tags", report.new_tags),
        ):
            if names:
                self.stdout.write(f"{verb} {len(names)} {label}: {', '.join(names)}")
        if report.ignored_columns:
            self.stdout.write(f"Ignored columns: {', '.join(report.ignored_columns)}")
        for problem in report.problems:
            self.stderr.write(f"Line {problem['line']}: {problem['message']}")
        hidden = report.problems_total - len(report.problems)
        if hidden > 0:
            self.stderr.write(f"... and {hidden} more problem(s).")
        if report.dry_run and not report.problems_total:
            self.stdout.write("Dry run: nothing was changed.")
