"""Prometheus counters of the analytics app, created once per process on first use.

Registered in prometheus_client's default registry, which the ``/metrics`` view exports
(summed over gunicorn workers in multiprocess mode). Their names start with
``ANALYTICS_METRIC_PREFIX`` (``<prefix>_events_total``), read when they are first needed
rather than at import time. Labels are bounded: event names come from the catalogue,
sinks and reasons from the code.
"""

from __future__ import annotations

from functools import cache

from prometheus_client import Counter

from analytics import conf


@cache
def events() -> Counter:
    return Counter(
        f"{conf.metric_prefix()}_events", "Analytics events recorded, by event name.", ["event"]
    )


@cache
def events_dropped() -> Counter:
    return Counter(
        f"{conf.metric_prefix()}_events_dropped",
        "Analytics events dropped, by sink and reason.",
        ["sink", "reason"],
    )


def recorded(*, event: str) -> None:
    events().labels(event=event).inc()


def dropped(*, sink: str, reason: str, count: int = 1) -> None:
    events_dropped().labels(sink=sink, reason=reason).inc(count)
