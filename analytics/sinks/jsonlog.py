"""The JSON log sink: one line per event in ``logs/app.jsonl`` and on stdout.

The line carries the event name as ``message`` and ``event``, then its declared
properties; the formatter in :mod:`analytics.logs` adds the timestamp, level, logger,
request id and environment.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.bus import Event

logger = logging.getLogger("analytics.events")


class JsonLogSink:
    name = "jsonlog"

    def handle(self, event: Event) -> None:
        logger.info(
            event.name,
            extra={
                "analytics_event": event.name,
                "analytics_properties": dict(event.properties),
                "request_id": event.request_id,
            },
        )
