"""Scrape-time metrics of the telemetry stream, read from the database.

Add ``"telemetry.metrics.collect"`` to the project's list of scrape-time collectors
(for example ``METRICS_COLLECTORS``). The values come from the singleton row, so every
web worker reports the same, whichever process (the telemetry worker) did the sending.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from telemetry import conf
from telemetry.consent import decide
from telemetry.models import Installation


def collect() -> Iterator[Metric]:
    installation = Installation.objects.peek()
    yield GaugeMetricFamily(
        f"{conf.metric_prefix()}_telemetry_enabled",
        "1 when installation telemetry is on and no consent layer turns it off.",
        value=int(decide(installation).enabled),
    )
    yield GaugeMetricFamily(
        f"{conf.metric_prefix()}_telemetry_consecutive_failures",
        "Telemetry reports that failed in a row (0 after a successful one).",
        value=installation.consecutive_failures,
    )
