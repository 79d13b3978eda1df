"""SQL metrics with django-prometheus' families, at less cost per query.

The database families (``django_db_execute_total``, ``django_db_query_duration_seconds``,
``django_db_errors_total``, ``django_db_new_connections_total``, ...) are django-prometheus'
own metric objects, so the dashboards and alerts read what they always did. What differs
is the work per query: django-prometheus' cursor wrapper looks its labelled children up
three times per ``execute`` and, on SQLite, builds a new cursor class for every cursor;
here the children of a connection's alias and vendor are looked up once, the class is
built once per (cursor class, alias, vendor), and the duration is one ``observe``
(docs/performance.md, issue 15, goal 1). The ENGINE setting names
``apps.monitoring.db.backends.<vendor>`` (timetracker/settings.py).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from django_prometheus.db import (
    connection_errors_total,
    connections_total,
    errors_total,
    execute_many_total,
    execute_total,
    query_duration_seconds,
)


@lru_cache(maxsize=32)
def instrumented_cursor(cursor_class: type, alias: str, vendor: str) -> type:
    """``cursor_class`` counting and timing every statement under ``alias``/``vendor``.

    The labelled children are bound once: prometheus_client resets their values in a
    forked child itself, so a class built before gunicorn forks stays correct.
    """
    executed = execute_total.labels(alias, vendor)
    executed_many = execute_many_total.labels(alias, vendor)
    duration = query_duration_seconds.labels(alias=alias, vendor=vendor)

    def timed(method: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            errors_total.labels(alias=alias, vendor=vendor, type=type(exc).__name__).inc()
            raise
        finally:
            duration.observe(time.perf_counter() - started)

    class CursorWrapper(cursor_class):
        def execute(self, *args: Any, **kwargs: Any) -> Any:
            executed.inc()
            return timed(super().execute, *args, **kwargs)

        def executemany(self, query: Any, param_list: Any, *args: Any, **kwargs: Any) -> Any:
            executed.inc(len(param_list))
            executed_many.inc(len(param_list))
            return timed(super().executemany, query, param_list, *args, **kwargs)

    CursorWrapper.__qualname__ = f"Instrumented{cursor_class.__name__}"
    return CursorWrapper


class InstrumentedConnectionMixin:
    """Counts new connections and failed connection attempts, as django-prometheus does."""

    alias: str
    vendor: str

    def get_new_connection(self, *args: Any, **kwargs: Any) -> Any:
        connections_total.labels(self.alias, self.vendor).inc()
        try:
            return super().get_new_connection(*args, **kwargs)  # type: ignore[misc]
        except Exception:
            connection_errors_total.labels(self.alias, self.vendor).inc()
            raise
