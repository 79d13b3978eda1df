"""``manage.py setup_token``: print a new one-time setup token while setup is pending.

``make run`` calls it before ``runserver`` and gunicorn's ``when_ready`` hook at start-up.
Each call replaces the previous token. Once an administrator exists it prints nothing
(exit status 0); with the database unavailable it exits with 1.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from telemetry import setup

logger = logging.getLogger("telemetry")


class Command(BaseCommand):
    help = "Print a new one-time setup token if the installation has no administrator yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default="/setup/ on this server",
            help="Where people open the setup page, shown next to the token.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if not setup.needed_now():
                if options["verbosity"] > 1:
                    self.stdout.write("Setup is done: no token needed.")
                return
            token = setup.issue_token()
        except DatabaseError as exc:
            self.stderr.write(f"setup_token: the database is unavailable ({exc})")
            raise SystemExit(1) from exc
        # The console only: the token is a credential and stays out of the log file.
        self.stdout.write(setup.banner(token=token, url=options["url"]), ending="")
        logger.info("setup is pending: a new one-time setup token was printed on the console")
