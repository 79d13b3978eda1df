"""Analytics adapter of the reports app: report views and exports."""

from __future__ import annotations

from typing import Any

import analytics
from analytics import Enum, Int
from apps.reports import signals
from apps.reports.selectors import GROUPINGS

EXPORT_FORMATS = {"csv": "CSV", "xlsx": "an Excel workbook", "json": "JSON", "ics": "iCalendar"}
CHANNEL = Enum("Where it happened: the web UI or the API.", choices=("web", "api"))

analytics.declare(
    "report.viewed",
    "A user looked at a summary report.",
    properties={
        "group_by": Enum("How the report groups time.", choices=GROUPINGS),
        "days": Int("Length of the reported period in days.", minimum=1),
        "rows": Int("Number of groups in the report."),
        "channel": CHANNEL,
    },
)
for _format, _label in EXPORT_FORMATS.items():
    analytics.declare(
        f"export.{_format}",
        f"A user exported time entries as {_label}.",
        properties={"rows": Int("Number of entries exported."), "channel": CHANNEL},
    )


@analytics.receiver(signals.report_viewed)
def _report_viewed(
    *, user_id: int, group_by: str, days: int, rows: int, channel: str, **_: Any
) -> None:
    analytics.emit(
        "report.viewed",
        actor_id=user_id,
        group_by=group_by,
        days=days,
        rows=rows,
        channel=channel,
    )


@analytics.receiver(signals.export_generated)
def _export_generated(*, user_id: int, format: str, rows: int, channel: str, **_: Any) -> None:
    # An unknown format is an unknown event: strict mode raises, production drops it.
    analytics.emit(f"export.{format}", actor_id=user_id, rows=rows, channel=channel)
