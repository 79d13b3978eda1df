"""TimeTracker's own Prometheus metrics.

Two kinds:

* recorded as things happen (``timetracker_timer_duration_seconds``, the worker gauge),
  which prometheus_client's multiprocess mode adds up across gunicorn workers;
* computed at scrape time from the database (``timetracker_active_timers``,
  ``timetracker_ready``, ``timetracker_build_info``, plus collectors named in
  ``METRICS_COLLECTORS``), so every worker answers the same and nothing is double counted.

A scrape carries only what ``ops/`` charts or alerts on (issue 15, goal 4): the families
in :data:`DROPPED` are never created (django-prometheus' request middleware is replaced by
``apps.monitoring.middleware``) or are left out of the exposition (the rest), and the few
exported families that no dashboard or rule uses are listed with their reason in
:data:`DELIBERATELY_UNUSED`. ``tests/ops/test_metric_families.py`` keeps both honest.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from prometheus_client import (
    CollectorRegistry,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)

# Family names as a scrape's ``# TYPE`` lines spell them (counters with ``_total``).
# Nothing in ops/ (dashboards, alert and recording rules) uses these; the per-view ones
# (exceptions by view, responses by template) grew with the URL map.
DROPPED: frozenset[str] = frozenset(
    {
        # django-prometheus' request middleware, not installed: its families were by view
        # *and* method (the dashboards sum the method away) and most of a scrape. The
        # app's own timetracker_http_* families replace the three that were charted.
        "django_http_requests_total_by_method_total",
        "django_http_requests_total_by_view_transport_method_total",
        "django_http_responses_total_by_status_view_method_total",
        "django_http_requests_latency_seconds_by_view_method",
        "django_http_requests_before_middlewares_total",
        "django_http_responses_before_middlewares_total",
        "django_http_requests_latency_including_middlewares_seconds",
        "django_http_requests_unknown_latency_including_middlewares_total",
        "django_http_requests_unknown_latency_total",
        "django_http_ajax_requests_total",
        "django_http_requests_total_by_transport_total",
        "django_http_requests_body_total_bytes",
        "django_http_responses_body_total_bytes",
        "django_http_responses_total_by_templatename_total",
        "django_http_responses_total_by_status_total",
        "django_http_responses_total_by_charset_total",
        "django_http_responses_streaming_total",
        "django_http_exceptions_total_by_type_total",
        "django_http_exceptions_total_by_view_total",
        # django-prometheus' database wrappers: the query rate, new connections and the
        # query duration are charted, errors (Sentry has them) and execute_many are not.
        "django_db_new_connection_errors_total",
        "django_db_execute_many_total",
        "django_db_errors_total",
        # Model and migration metrics (no model uses the mixin; migrations are /readyz's).
        "django_model_inserts_total",
        "django_model_updates_total",
        "django_model_deletes_total",
        "django_migrations_applied_total",
        "django_migrations_unapplied_total",
        # Cache counters: gets and hits are charted (hit ratio), misses and failures are not
        # (timetracker/cache.py still counts them in-process; failures are logged).
        "django_cache_get_misses_total",
        "django_cache_get_fail_total",
        # prometheus_client's default collectors (single-process mode only).
        "process_cpu_seconds_total",
        "process_virtual_memory_bytes",
        "process_resident_memory_bytes",
        "process_start_time_seconds",
        "process_open_fds",
        "process_max_fds",
        "python_gc_objects_collected_total",
        "python_gc_objects_uncollectable_total",
        "python_gc_collections_total",
        "python_info",
    }
)

# Exported although no panel or rule in ops/ uses them: name -> why it stays. Keep short.
DELIBERATELY_UNUSED: dict[str, str] = {
    "timetracker_build_info": "one series: which release runs, for ad-hoc queries and joins",
    "timetracker_timer_duration_seconds": (
        "product histogram (12 samples, no labels), documented in docs/monitoring.md"
    ),
    "timetracker_outbound_ledger_errors_total": "privacy ledger, one series",
    "timetracker_login_locked_total": "security counter, one series per login channel (3)",
}


def exposed_name(metric: Metric) -> str:
    """A family's name as the text format's ``# TYPE`` line spells it."""
    return metric.name + "_total" if metric.type == "counter" else metric.name


class _Lean:
    """A registry view without the :data:`DROPPED` families, for ``generate_latest``."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        for metric in self.registry.collect():
            if exposed_name(metric) not in DROPPED:
                yield metric


TIMER_DURATION = Histogram(
    "timetracker_timer_duration_seconds",
    "Length of timers when they are stopped, in seconds.",
    buckets=(60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400),
)
WORKERS = Gauge(
    "timetracker_workers",
    "Application worker processes serving requests (summed over live processes).",
    multiprocess_mode="livesum",
)

# Scrape-time collectors live in their own registry: in multiprocess mode the default
# registry is replaced by the files of all workers, and these values must come once.
# auto_describe stays off so that registering does not query the database at start-up.
SCRAPE_REGISTRY = CollectorRegistry(auto_describe=False)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def mark_worker_started(*, only_single_process: bool = False) -> None:
    """Count this process as a worker (gunicorn calls it in ``post_worker_init``)."""
    if only_single_process and multiprocess_dir():
        return
    WORKERS.set(1)


class TimeTrackerCollector(Collector):
    """Values read from the database when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        build = GaugeMetricFamily(
            "timetracker_build_info",
            "Always 1; the version label tells which release is running.",
            labels=["version"],
        )
        build.add_metric([settings.APP_VERSION], 1)
        yield build
        ready, active = _database_state()
        yield GaugeMetricFamily(
            "timetracker_ready",
            "1 when the database is reachable and every migration is applied.",
            value=ready,
        )
        if active is not None:
            yield GaugeMetricFamily(
                "timetracker_active_timers",
                "Timers running right now, over all users.",
                value=active,
            )
        for path in getattr(settings, "METRICS_COLLECTORS", ()):
            yield from _extra(path)


def _database_state() -> tuple[int, int | None]:
    from apps.monitoring.health import database_ready
    from apps.timers.models import TimeEntry

    # Bounded like /readyz, so a hung database cannot hold the scrape (or the worker).
    ok, _reason = database_ready()
    if not ok:
        return 0, None
    # Served by the partial unique index on running entries: cheap at any size. It runs
    # on the request's own connection, once the probe has just seen the database answer.
    return 1, TimeEntry.objects.filter(ended_at__isnull=True).count()


def _extra(path: str) -> Iterable[Metric]:
    try:
        collect = import_string(path)
        yield from collect()
    except Exception:
        # One broken collector must not empty the whole scrape.
        logger.exception("metrics collector %s failed", path)


def register_scrape_collector() -> None:
    # The *_created series (single-process mode only) are charted nowhere either.
    disable_created_metrics()
    if not getattr(SCRAPE_REGISTRY, "_timetracker_registered", False):
        SCRAPE_REGISTRY.register(TimeTrackerCollector())
        SCRAPE_REGISTRY._timetracker_registered = True  # type: ignore[attr-defined]


def exposition() -> bytes:
    """The text of a scrape: every worker's metrics plus the scrape-time ones."""
    from apps.monitoring.health import start_database_ready

    # The database check (its own thread and connection) overlaps the merge of the files.
    start_database_ready()
    if multiprocess_dir():
        registry: Any = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(_Lean(registry)) + generate_latest(SCRAPE_REGISTRY)
