"""Prometheus counters of the analytics app, defined once per process.

Registered in prometheus_client's default registry, which the ``/metrics`` view exports
(summed over gunicorn workers in multiprocess mode). Labels are bounded: event names
come from the catalogue, sinks and reasons from the code.
"""

from __future__ import annotations

from prometheus_client import Counter

EVENTS = Counter(
    "timetracker_events",
    "Analytics events recorded, by event name.",
    ["event"],
)
EVENTS_DROPPED = Counter(
    "timetracker_events_dropped",
    "Analytics events dropped, by sink and reason.",
    ["sink", "reason"],
)


def dropped(*, sink: str, reason: str, count: int = 1) -> None:
    EVENTS_DROPPED.labels(sink=sink, reason=reason).inc(count)
