"""``manage.py config show``: the effective configuration, secrets masked."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.core.configuration import effective
from timetracker import env


class Command(BaseCommand):
    help = "Show the effective configuration: each variable, its value and where it came from."
    # Must work when the configuration is what is broken (and without a database).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        show = actions.add_parser(
            "show", help="Print every variable the settings read, secrets masked."
        )
        show.add_argument("--json", action="store_true", help="One JSON document.")

    def handle(self, *args: Any, **options: Any) -> None:
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
