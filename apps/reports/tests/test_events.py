"""Analytics events of the reports app: reports viewed and exports."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

import analytics
from analytics.testutils import CapturedEvents
from apps.reports.signals import export_generated


def test_a_report_through_the_api(
    member: Any,
    member_api: Any,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    today = timezone.localdate().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        member_api.get(
            "/api/v1/reports/summary/", {"start": today, "end": today, "group_by": "task"}
        )
    event = analytics_events.one("report.viewed")
    assert dict(event.properties) == {"group_by": "task", "days": 1, "rows": 0, "channel": "api"}
    assert event.actor_id == member.pk


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "ics"])
def test_each_export_through_the_api(
    fmt: str,
    member: Any,
    member_api: Any,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.get("/api/v1/time-entries/export/", {"format": fmt})
        b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    assert analytics_events.names == [f"export.{fmt}"]
    assert analytics_events[0].properties == {"rows": 0, "channel": "api"}


def test_an_export_in_an_undeclared_format_is_refused(db: Any) -> None:
    with pytest.raises(analytics.UnknownEvent):
        export_generated.send(sender=None, user_id=1, format="pdf", rows=0, channel="web")
