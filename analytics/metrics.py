"""Prometheus counters of the analytics app, created once per process on first use.

Registered in prometheus_client's default registry, which the ``/metrics`` view exports
(summed over gunicorn workers in multiprocess mode). Their names start with
``ANALYTICS_METRIC_PREFIX`` (``<prefix>_events_total``), read when they are first needed
rather than at import time. Labels are bounded: event names come from the catalogue,
sinks and reasons from the code.

:func:`initialise` creates every known label set at 0 when the app starts, so that a
fresh installation already exports ``<prefix>_events_total{event="..."} 0`` for each
catalogue event and ``rate()`` / ``absent()`` alerts have a series to work on. Under
gunicorn's multiprocess mode a sample created by ``.labels()`` is written at 0 to the
process's own file, which the ``/metrics`` view adds up with the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from prometheus_client import Counter

from analytics import conf

# Every (sink, reason) pair the code can count a drop under; adding a drop site means
# adding its pair here (apps/monitoring/tests/test_counters_from_start.py reads the drop
# sites in the code and checks that they are all listed).
KNOWN_DROPS: tuple[tuple[str, str], ...] = (
    # The bus: an event that does not match the catalogue (analytics.properties reasons).
    ("catalogue", "unknown_event"),
    ("catalogue", "invalid_properties"),
    # A signal receiver of an events.py adapter that raised.
    ("receiver", "error"),
    # A sink that raised while handling an event.
    ("jsonlog", "error"),
    ("metrics", "error"),
    ("posthog", "error"),
    # The PostHog sink's own filter and delivery (analytics.sinks.posthog).
    ("posthog", "unknown_event"),
    ("posthog", "local_only"),
    ("posthog", "distinct_id"),
    ("posthog", "invalid_properties"),
    ("posthog", "invalid_groups"),
    ("posthog", "unknown_group"),
    ("posthog", "invalid_features"),
    ("posthog", "queue_full"),
    ("posthog", "upload_failed"),
)


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


def initialise(*, event_names: Iterable[str], count_events: bool = True) -> None:
    """Create every known series at 0 (idempotent; called from ``AnalyticsConfig.ready``).

    ``count_events`` is false when the metrics sink is not configured: zeros that could
    never move would hide that events are not counted at all.
    """
    if count_events:
        counter = events()
        for name in event_names:
            counter.labels(event=name)
    dropped_counter = events_dropped()
    for sink, reason in KNOWN_DROPS:
        dropped_counter.labels(sink=sink, reason=reason)
