"""The calendar: week and month views of the user's own entries, and drag-to-move/resize,
which goes through entry_update and so gets the same validation as the entry form."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Profile
from apps.timers.models import Source, TimeEntry
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = reverse("timesheet:calendar")
DAY = datetime(2025, 3, 4, 9, tzinfo=UTC)  # a Tuesday in the past


def _move(client: Client, entry: TimeEntry, start: str, end: str) -> Any:
    return client.post(
        reverse("timesheet:entry-move", args=[entry.pk]), {"started_at": start, "ended_at": end}
    )


@pytest.fixture
def entry(member: Any, project: Any) -> TimeEntry:
    return TimeEntryFactory(
        user=member, project=project, started_at=DAY, ended_at=DAY + timedelta(hours=1)
    )


def test_the_week_view_shows_the_user_s_entries_and_a_running_timer(
    member: Any, other_member: Any, member_web: Client, project: Any, entry: TimeEntry
) -> None:
    TimeEntryFactory(
        user=other_member, project=project, started_at=DAY, ended_at=DAY + timedelta(hours=2)
    )
    response = member_web.get(URL, {"view": "week", "date": "2025-03-05"})
    assert response.status_code == 200
    shown = [e.entry.pk for d in response.context["days"] for e in d.entries]
    assert shown == [entry.pk]
    body = response.content.decode()
    assert 'data-start="2025-03-04T09:00:00"' in body
    assert reverse("timesheet:entry-move", args=[entry.pk]) in body

    now = datetime.now(UTC).replace(microsecond=0)
    running = TimeEntryFactory(
        user=member,
        project=project,
        started_at=now - timedelta(minutes=5),
        ended_at=None,
        source=Source.TIMER,
    )
    today = member_web.get(URL).content.decode()
    assert f'data-entry="{running.pk}"' in today
    assert "cal-running" in today
    assert "now</span>" in today
    assert reverse("timesheet:entry-move", args=[running.pk]) not in today


def test_the_month_view_shows_every_day_of_the_month_in_weeks(
    member_web: Client, entry: TimeEntry
) -> None:
    response = member_web.get(URL, {"view": "month", "date": "2025-03-20"})
    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert all(len(week) == 7 for week in weeks)
    assert weeks[0][0].day.isoformat() == "2025-02-24"
    assert weeks[-1][-1].day.isoformat() == "2025-04-06"
    assert response.context["total"] == "1:00"
    assert f'data-entry="{entry.pk}"' in response.content.decode()


def test_days_are_the_user_s_local_days(member: Any, member_web: Client, project: Any) -> None:
    Profile.objects.filter(user=member).update(timezone="Pacific/Kiritimati")
    late = datetime(2025, 3, 4, 12, tzinfo=UTC)  # Wednesday 02:00 in Kiritimati
    TimeEntryFactory(
        user=member, project=project, started_at=late, ended_at=late + timedelta(hours=1)
    )
    response = member_web.get(URL, {"date": "2025-03-04"})
    days = {d.day.isoformat(): len(d.entries) for d in response.context["days"]}
    assert days["2025-03-05"] == 1
    assert days["2025-03-04"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"view": "year"}, "view"),
        ({"date": "2025-02-30"}, "date"),
        ({"date": "9999-01-01"}, "date"),
        ({"date": "\x00"}, "date"),
        ({"view": "month", "date": "1969-12-31"}, "date"),
    ],
)
def test_a_bad_view_or_date_is_a_400_naming_it(
    member_web: Client, query: dict[str, str], field: str
) -> None:
    response = member_web.get(URL, query)
    assert response.status_code == 400
    assert field in response.context["errors"]


def test_the_edges_of_the_supported_range_render(member_web: Client) -> None:
    for query in ({"view": "month", "date": "1970-01-01"}, {"view": "week", "date": "2199-12-31"}):
        assert member_web.get(URL, query).status_code == 200


def test_it_moves_and_resizes_an_entry(member_web: Client, entry: TimeEntry) -> None:
    response = _move(member_web, entry, "2025-03-05T13:15", "2025-03-05T15:00")
    assert response.status_code == 200, response.content
    entry.refresh_from_db()
    assert entry.started_at == datetime(2025, 3, 5, 13, 15, tzinfo=UTC)
    assert entry.ended_at == datetime(2025, 3, 5, 15, tzinfo=UTC)
    assert response.json()["entry"]["duration"] == "1:45"


def test_a_move_is_in_the_user_s_time_zone(
    member: Any, member_web: Client, entry: TimeEntry
) -> None:
    Profile.objects.filter(user=member).update(timezone="America/Los_Angeles")
    assert _move(member_web, entry, "2025-03-05T09:00:00", "2025-03-05T10:00:00").status_code == 200
    entry.refresh_from_db()
    assert entry.started_at == datetime(2025, 3, 5, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2025-03-05T10:00", "2025-03-05T09:00", "ended_at"),
        ("2025-03-05T10:00", "2025-03-06T10:30", "ended_at"),  # longer than 24 hours
        ("2999-03-05T10:00", "2999-03-05T11:00", "started_at"),
        ("soon", "2025-03-05T11:00", "started_at"),
        ("2025-03-05T10:00", "", "ended_at"),
    ],
)
def test_a_move_gets_the_validation_of_every_entry(
    member_web: Client, entry: TimeEntry, start: str, end: str, field: str
) -> None:
    before = (entry.started_at, entry.ended_at)
    response = _move(member_web, entry, start, end)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    entry.refresh_from_db()
    assert (entry.started_at, entry.ended_at) == before


def test_a_future_start_is_refused(member_web: Client, entry: TimeEntry) -> None:
    later = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = _move(member_web, entry, later, later)
    assert response.status_code == 400
    assert json.loads(response.content)["errors"]


def test_someone_else_s_entry_cannot_be_moved_even_by_an_admin(
    admin_web: Client, other_web: Client, entry: TimeEntry
) -> None:
    for client in (admin_web, other_web):
        response = _move(client, entry, "2025-03-05T09:00", "2025-03-05T10:00")
        assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.started_at == DAY


def test_a_running_timer_cannot_be_moved(member: Any, member_web: Client, project: Any) -> None:
    now = datetime.now(UTC)
    running = TimeEntryFactory(
        user=member,
        project=project,
        started_at=now - timedelta(hours=1),
        ended_at=None,
        source=Source.TIMER,
    )
    response = _move(member_web, running, "2025-03-05T09:00", "2025-03-05T10:00")
    assert response.status_code == 400
    running.refresh_from_db()
    assert running.ended_at is None


def test_the_move_endpoint_takes_only_a_post(member_web: Client, entry: TimeEntry) -> None:
    url = reverse("timesheet:entry-move", args=[entry.pk])
    assert member_web.get(url).status_code == 405
    assert Client().post(url, {}).status_code == 302  # to the login page
