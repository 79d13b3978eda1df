"""PostgreSQL with the SQL metrics of :mod:`apps.monitoring.db`."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from apps.monitoring.db import InstrumentedConnectionMixin, instrumented_cursor


class DatabaseWrapper(InstrumentedConnectionMixin, base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        params["cursor_factory"] = instrumented_cursor(
            params["cursor_factory"], self.alias, self.vendor
        )
        return params
