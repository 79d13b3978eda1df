"""``manage.py config show``: the effective configuration, secrets masked.

``manage.py config docs``: rewrite ``.env.example`` and the generated tables of
``docs/configuration.md`` from :mod:`timetracker.variables` and the system checks'
``CHECKS``; ``--check`` only says whether they are up to date (exit status 1 if not).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.configuration import effective, generated_files
from timetracker import env


class Command(BaseCommand):
    help = (
        "Show the effective configuration (show), or generate the configuration docs and "
        ".env.example from the registry of variables (docs)."
    )
    # Must work when the configuration is what is broken (and without a database).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        show = actions.add_parser(
            "show", help="Print every variable the settings read, secrets masked."
        )
        show.add_argument("--json", action="store_true", help="One JSON document.")
        docs = actions.add_parser(
            "docs",
            help="Rewrite docs/configuration.md's tables and .env.example from "
            "timetracker/variables.py and the system checks.",
        )
        docs.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit with status 1 when a file is out of date.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "docs":
            self._docs(check=options["check"])
            return
        rows = effective(env.READ)
        if options["json"]:
            data = [
                {"name": r.name, "value": r.value, "source": r.source, "masked": r.masked}
                for r in rows
            ]
            self.stdout.write(json.dumps(data, indent=2))
            return
        width = max((len(r.name) for r in rows), default=0)
        source_width = max((len(r.source) for r in rows), default=0)
        for r in rows:
            self.stdout.write(f"{r.name:<{width}}  {r.source:<{source_width}}  {r.value}")
        self.stdout.write(
            f"\n{len(rows)} variables; sources: default, .env, environment, file "
            "(NAME_FILE). Secrets are shown as ********."
        )

    def _docs(self, *, check: bool) -> None:
        root = Path(settings.BASE_DIR)
        try:
            files = generated_files(root)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        stale = [
            path
            for path, text in files.items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text
        ]
        names = [str(path.relative_to(root)) for path in stale]
        if check:
            if stale:
                raise CommandError(
                    f"out of date: {', '.join(names)}; run `python manage.py config docs`"
                )
            self.stdout.write("The configuration docs are up to date.")
            return
        for path in stale:
            path.write_text(files[path], encoding="utf-8")
        self.stdout.write(f"Rewrote {', '.join(names)}." if stale else "Nothing to change.")
