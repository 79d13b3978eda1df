"""Prepare the database before the container's command runs (see docker/entrypoint.sh).

1. Wait until the database accepts connections, retrying once a second for at most
   ``DB_WAIT_TIMEOUT`` seconds; then exit 1 with a message naming the host (never the
   password) and the last error.
2. Apply migrations unless ``RUN_MIGRATIONS=false``. On PostgreSQL they run under a
   session advisory lock, so replicas that start together take turns instead of racing
   on the same ``CREATE TABLE``; the ones that come second find nothing left to do.

Exit status: 0 when the database is ready, 1 when it is not (timeout, failed migration),
2 when the configuration is invalid.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

ROOT = Path(__file__).resolve().parent.parent
# Any constant works as long as every replica uses the same one; this is "TTMG" in ASCII.
MIGRATION_LOCK_ID = 0x54544D47
RETRY_INTERVAL = 1.0
# libpq's connect_timeout, so that a host that drops packets cannot outlast the bound.
MAX_CONNECT_TIMEOUT = 5


class DatabaseUnavailableError(Exception):
    pass


def say(message: str) -> None:
    sys.stderr.write(f"entrypoint: {message}\n")
    sys.stderr.flush()


def describe(connection: BaseDatabaseWrapper) -> str:
    """Where the database is, for messages: host, port and name, never credentials."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite database {settings['NAME']}"
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or "default port"
    return f"{connection.display_name} at {host}:{port}/{settings.get('NAME', '')}"


def wait_for_database(
    connection: BaseDatabaseWrapper, *, timeout: float, interval: float = RETRY_INTERVAL
) -> float:
    """Connect, retrying every ``interval`` seconds; return the seconds it took."""
    from django.db.utils import OperationalError

    started = time.monotonic()
    deadline = started + timeout
    attempts = 0
    while True:
        attempts += 1
        remaining = deadline - time.monotonic()
        if connection.vendor == "postgresql":
            options = connection.settings_dict.setdefault("OPTIONS", {})
            options["connect_timeout"] = max(2, min(MAX_CONNECT_TIMEOUT, int(remaining) + 1))
        try:
            connection.ensure_connection()
            return time.monotonic() - started
        except OperationalError as exc:
            error = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DatabaseUnavailableError(
                f"{describe(connection)} is not reachable after {timeout:g}s "
                f"({attempts} attempts); last error: {error}"
            )
        if attempts == 1:
            say(f"waiting up to {timeout:g}s for {describe(connection)} ({error})")
        time.sleep(min(interval, remaining))


def migrate(connection: BaseDatabaseWrapper) -> None:
    """``manage.py migrate --noinput``, one replica at a time on PostgreSQL."""
    from django.core.management import call_command

    if connection.vendor != "postgresql":
        call_command("migrate", interactive=False)
        return
    with connection.cursor() as cursor:
        # DATABASE_STATEMENT_TIMEOUT bounds web requests; waiting for another replica's
        # migrations, or a long one of our own, must not be cancelled by it.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_ID])
        (locked,) = cursor.fetchone()
        if not locked:
            say("another container is applying migrations; waiting for it to finish")
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_ID])
    try:
        call_command("migrate", interactive=False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_ID])


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timetracker.settings")

    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
        from timetracker.env import env_bool, env_int

        timeout = env_int("DB_WAIT_TIMEOUT", 60, minimum=0)
        run_migrations = env_bool("RUN_MIGRATIONS", True)
    except ImproperlyConfigured as exc:
        say(f"invalid configuration: {exc}")
        return 2

    from django.db import connection

    try:
        waited = wait_for_database(connection, timeout=timeout)
    except DatabaseUnavailableError as exc:
        say(str(exc))
        return 1
    say(f"{describe(connection)} is ready ({waited:.1f}s)")

    if not run_migrations:
        say("RUN_MIGRATIONS=false: not applying migrations")
        return 0
    migrate(connection)
    return 0


if __name__ == "__main__":
    sys.exit(main())
