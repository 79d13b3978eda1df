"""The week grid, the calendar and the feed page are well-formed, labelled HTML, and the
grid sent back as a browser sends it changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.timers.models import Source, TimeEntry
from apps.web.tests.html_check import assert_valid_page, submitted_form
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 3, 3, 9, tzinfo=UTC)  # 2025-W10, in the past


@pytest.fixture
def entries(member: Any, project: Any, task: Any) -> list[TimeEntry]:
    made = [
        TimeEntryFactory(
            user=member, project=project, started_at=MONDAY, ended_at=MONDAY + timedelta(hours=1)
        ),
        TimeEntryFactory(
            user=member,
            project=project,
            task=task,
            started_at=MONDAY + timedelta(days=1),
            ended_at=MONDAY + timedelta(days=1, minutes=61, seconds=5),
        ),
        # Two in one cell: a link, not an input.
        TimeEntryFactory(
            user=member,
            project=project,
            started_at=MONDAY + timedelta(days=2),
            ended_at=MONDAY + timedelta(days=2, hours=1),
        ),
        TimeEntryFactory(
            user=member,
            project=project,
            started_at=MONDAY + timedelta(days=2, hours=3),
            ended_at=MONDAY + timedelta(days=2, hours=4),
        ),
    ]
    now = datetime.now(UTC)
    TimeEntryFactory(
        user=member,
        project=project,
        started_at=now - timedelta(minutes=3),
        ended_at=None,
        source=Source.TIMER,
    )
    return made


@pytest.mark.parametrize(
    "url",
    [
        "/timesheet/?week=2025-W10",
        "/timesheet/",
        "/timesheet/?week=nope",
        "/calendar/?view=week&date=2025-03-04",
        "/calendar/?view=month&date=2025-03-04",
        "/calendar/",
        "/calendar/?view=year",
        "/calendar/feed/",
    ],
)
def test_the_pages_are_well_formed_and_labelled(
    member_web: Client, entries: list[TimeEntry], url: str
) -> None:
    response = member_web.get(url)
    assert response.status_code in (200, 400)
    assert_valid_page(response.content.decode())


def test_a_grid_with_errors_and_a_feed_url_shown_are_well_formed(
    member_web: Client, entries: list[TimeEntry], project: Any
) -> None:
    bad = member_web.post(
        "/timesheet/?week=2025-W10",
        {"week": "2025-W10", "row": [f"{project.pk}-0"], f"c-{project.pk}-0-3": "soon"},
    )
    assert bad.status_code == 400
    assert_valid_page(bad.content.decode())
    made = member_web.post(reverse("timesheet:feed"), {"action": "create"})
    assert_valid_page(made.content.decode())


def test_the_grid_sent_back_untouched_changes_nothing(
    member_web: Client, entries: list[TimeEntry]
) -> None:
    page = member_web.get("/timesheet/?week=2025-W10").content.decode()
    stamps = {e.pk: e.updated_at for e in TimeEntry.objects.all()}
    data = submitted_form(page, action="/timesheet/?week=2025-W10")
    data["action"] = ["save"]
    response = member_web.post("/timesheet/?week=2025-W10", data)
    assert response.status_code == 302
    assert {e.pk: e.updated_at for e in TimeEntry.objects.all()} == stamps
