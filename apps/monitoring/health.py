"""Readiness: is the database reachable, and is its schema up to date?"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

# Once every migration is applied it stays so for this process (new code means a new
# process), so the comparatively costly migration check runs until it first succeeds.
_migrations_applied = False


def database_ready() -> tuple[bool, str]:
    """``(True, "ok")`` or ``(False, reason)``; never raises."""
    global _migrations_applied
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                return False, f"{len(plan)} migrations not applied"
            _migrations_applied = True
    except DatabaseError as exc:
        logger.warning("readiness check: database unavailable: %s", exc.__class__.__name__)
        return False, "database unavailable"
    return True, "ok"
