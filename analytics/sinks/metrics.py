"""The metrics sink: counts events by name in ``timetracker_events_total``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analytics import metrics

if TYPE_CHECKING:
    from analytics.bus import Event


class MetricsSink:
    name = "metrics"

    def handle(self, event: Event) -> None:
        metrics.EVENTS.labels(event=event.name).inc()
