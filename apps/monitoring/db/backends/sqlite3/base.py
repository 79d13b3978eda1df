"""SQLite with the SQL metrics of :mod:`apps.monitoring.db`."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base

from apps.monitoring.db import InstrumentedConnectionMixin, instrumented_cursor


class DatabaseWrapper(InstrumentedConnectionMixin, base.DatabaseWrapper):
    def create_cursor(self, name: Any = None) -> Any:
        cursor = instrumented_cursor(base.SQLiteCursorWrapper, self.alias, self.vendor)
        return self.connection.cursor(factory=cursor)
