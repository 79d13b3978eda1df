"""``manage.py flags list|sync``: the declared feature flags and switches, and their state."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from waffle import get_waffle_flag_model, get_waffle_switch_model

from apps.core import flags


class Command(BaseCommand):
    help = "List the declared feature flags and switches, or create the missing ones."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        show = actions.add_parser("list", help="Each flag and switch with its state.")
        show.add_argument("--json", action="store_true", help="One JSON document.")
        show.add_argument(
            "--markdown",
            action="store_true",
            help="The declarations as the table in docs/configuration.md (no database).",
        )
        actions.add_parser(
            "sync",
            help="Create missing flags and switches with their defaults; existing ones "
            "are left as they are.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sync":
            self._sync()
        elif options["markdown"]:
            self.stdout.write(flags.markdown_table(), ending="")
        else:
            self._list(as_json=options["json"])

    def _rows(self) -> dict[tuple[str, str], Any]:
        rows: dict[tuple[str, str], Any] = {}
        for kind, model in (
            (flags.Kind.FLAG, get_waffle_flag_model()),
            (flags.Kind.SWITCH, get_waffle_switch_model()),
        ):
            # Straight from the database: this is what an operator asks about.
            for row in model.objects.all():
                rows[(str(kind), row.name)] = row
        return rows

    def _list(self, *, as_json: bool) -> None:
        rows = self._rows()
        items = []
        for toggle in flags.declared():
            row = rows.pop((str(toggle.kind), toggle.name), None)
            items.append(
                {
                    "name": toggle.name,
                    "kind": str(toggle.kind),
                    "state": flags.describe(row, toggle),
                    "default": "on" if toggle.default else "off",
                    "owner": toggle.owner,
                    "description": toggle.description,
                }
            )
        undeclared = sorted(f"{name} ({kind})" for kind, name in rows)
        if as_json:
            self.stdout.write(json.dumps({"declared": items, "undeclared": undeclared}, indent=2))
            return
        columns = ("name", "kind", "state", "default", "owner")
        widths = {c: max(len(c), *(len(item[c]) for item in items)) for c in columns}
        self.stdout.write("  ".join(c.upper().ljust(widths[c]) for c in columns) + "  DESCRIPTION")
        for item in items:
            cells = "  ".join(item[c].ljust(widths[c]) for c in columns)
            self.stdout.write(f"{cells}  {item['description']}")
        if undeclared:
            self.stdout.write(
                "\nIn the database but not used by the code: " + ", ".join(undeclared)
            )

    def _sync(self) -> None:
        result = flags.sync(
            flag_model=get_waffle_flag_model(), switch_model=get_waffle_switch_model()
        )
        self.stdout.write(f"Created: {', '.join(result.created) or 'none'}")
        self.stdout.write(f"Already there, left as they are: {', '.join(result.kept) or 'none'}")
        if result.unknown:
            self.stdout.write(
                "In the database but not used by the code: " + ", ".join(result.unknown)
            )
