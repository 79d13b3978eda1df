"""``manage.py analytics``: the event catalogue, and where events currently go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from analytics import conf, consent, docs, sinks
from analytics.catalogue import catalogue


class Command(BaseCommand):
    help = "Write the analytics event catalogue, or show where events currently go."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        show = actions.add_parser("catalogue", help="Write the event catalogue.")
        show.add_argument("--format", choices=("markdown", "json"), default="markdown")
        show.add_argument("--output", help="Write to this file (docs/events.md), not stdout.")
        actions.add_parser("status", help="Show the sinks and the PostHog consent layers.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "catalogue":
            self._catalogue(fmt=options["format"], output=options["output"])
        else:
            self._status()

    def _catalogue(self, *, fmt: str, output: str | None) -> None:
        text = docs.as_markdown(catalogue) if fmt == "markdown" else docs.as_json(catalogue)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {len(catalogue)} events to {output}")
        else:
            self.stdout.write(text, ending="")

    def _status(self) -> None:
        decision = consent.posthog()
        state = "on" if decision.allowed else f"off ({decision.layer}: {decision.reason})"
        self.stdout.write(f"Events declared: {len(catalogue)}")
        self.stdout.write("Sinks: " + ", ".join(sinks.configured_paths()))
        self.stdout.write(f"PostHog: {state}")
        self.stdout.write(f"PostHog host: {conf.posthog_host()}")
