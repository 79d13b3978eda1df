"""TimeTracker's own Prometheus metrics.

Two kinds:

* recorded as things happen (``timetracker_timer_duration_seconds``, the worker gauge),
  which prometheus_client's multiprocess mode adds up across gunicorn workers;
* computed at scrape time from the database (``timetracker_active_timers``,
  ``timetracker_ready``, ``timetracker_build_info``, plus collectors named in
  ``METRICS_COLLECTORS``), so every worker answers the same and nothing is double counted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)

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
    if not getattr(SCRAPE_REGISTRY, "_timetracker_registered", False):
        SCRAPE_REGISTRY.register(TimeTrackerCollector())
        SCRAPE_REGISTRY._timetracker_registered = True  # type: ignore[attr-defined]


def exposition() -> bytes:
    """The text of a scrape: every worker's metrics plus the scrape-time ones."""
    if multiprocess_dir():
        registry: Any = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(SCRAPE_REGISTRY)
