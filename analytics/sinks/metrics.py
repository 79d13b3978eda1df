"""The metrics sink: counts events by name in ``<ANALYTICS_METRIC_PREFIX>_events_total``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from analytics import metrics

if TYPE_CHECKING:
    from analytics.bus import Event


class MetricsSink:
    name = "metrics"

    def handle(self, event: Event) -> None:
        metrics.recorded(event=event.name)
