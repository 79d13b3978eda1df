"""Every edit form of the web UI, submitted as shown, changes nothing in the database.

Each test opens the edit page, reads the form as a browser would submit it (selected
options, checked boxes, CRLF line breaks, lower-case colours, zero seconds left out) and
posts it back: every column of the row is as before, ``updated_at`` included (nothing was
saved), and no update event is sent. Time zones with offsets that are not whole hours and
a time in the hour a daylight-saving change repeats are part of it, as are stored times
finer than the form shows (seconds and microseconds).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.test import Client

from analytics.testutils import CapturedEvents
from apps.accounts.models import Profile
from apps.clients.models import Client as ClientModel
from apps.tasks.models import Task
from apps.timers.models import Source, TimeEntry
from apps.web.tests.html_check import submitted_form
from tests.factories import ClientFactory, ProjectFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

ZONES = [
    "UTC",
    "Asia/Kathmandu",  # +05:45
    "America/St_Johns",  # -03:30 / -02:30
    "Europe/Berlin",
]
# 00:30 UTC on 26 October 2025 is 02:30 in Berlin the second time that night.
REPEATED_HOUR = datetime(2025, 10, 26, 0, 30, 17, 123456, tzinfo=UTC)


def row(instance: Model) -> dict[str, Any]:
    """Every column of the instance's row as stored now."""
    fresh = type(instance)._default_manager.get(pk=instance.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def round_trip(web: Client, url: str) -> None:
    page = web.get(url)
    assert page.status_code == 200
    response = web.post(url, submitted_form(page.content.decode()))
    assert response.status_code == 302, response.content.decode()


def no_updates(events: CapturedEvents) -> None:
    assert not [name for name in events.names if name.endswith((".updated", "_changed"))]


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest, member: Any) -> str:
    Profile.objects.filter(user=member).update(timezone=request.param)
    return request.param


@pytest.mark.parametrize(
    ("started_at", "length", "billable"),
    [
        (
            datetime(2025, 3, 4, 9, 15, 42, 987654, tzinfo=UTC),
            timedelta(minutes=50, seconds=3),
            True,
        ),
        (datetime(2025, 3, 4, 23, 59, 59, 999999, tzinfo=UTC), timedelta(seconds=1), False),
        (REPEATED_HOUR, timedelta(hours=1, microseconds=1), True),
        (REPEATED_HOUR - timedelta(hours=1), timedelta(minutes=30), False),
    ],
)
def test_an_unchanged_entry_edit_changes_nothing(
    member_web: Client,
    member: Any,
    task: Any,
    zone: str,
    analytics_events: CapturedEvents,
    started_at: datetime,
    length: timedelta,
    billable: bool,
) -> None:
    entry = TimeEntryFactory(
        user=member,
        project=task.project,
        task=task,
        started_at=started_at,
        ended_at=started_at + length,
        notes="  first line\nsecond line\n\nthird  ",
        billable=billable,
    )
    before = row(entry)
    round_trip(member_web, f"/entries/{entry.pk}/edit/")
    assert row(entry) == before
    no_updates(analytics_events)


def test_an_unchanged_running_entry_edit_changes_nothing(
    member_web: Client, member: Any, project: Any, zone: str, analytics_events: CapturedEvents
) -> None:
    entry = TimeEntryFactory(
        user=member,
        project=project,
        started_at=datetime.now(UTC) - timedelta(minutes=17, seconds=3, microseconds=5),
        ended_at=None,
        source=Source.TIMER,
    )
    before = row(entry)
    round_trip(member_web, f"/entries/{entry.pk}/edit/")
    assert row(entry) == before
    assert TimeEntry.objects.get(pk=entry.pk).is_running
    no_updates(analytics_events)


def test_changing_the_note_alone_keeps_the_times_to_the_microsecond(
    member_web: Client, member: Any, project: Any, zone: str
) -> None:
    entry = TimeEntryFactory(
        user=member,
        project=project,
        started_at=REPEATED_HOUR,
        ended_at=REPEATED_HOUR + timedelta(minutes=20, seconds=1, microseconds=7),
        notes="before",
    )
    # A neighbour that ends one second before this entry starts: truncating the start to
    # the minute would report a false overlap.
    TimeEntryFactory(
        user=member,
        project=project,
        started_at=REPEATED_HOUR - timedelta(hours=1),
        ended_at=REPEATED_HOUR - timedelta(seconds=1),
    )
    before = row(entry)
    url = f"/entries/{entry.pk}/edit/"
    data = submitted_form(member_web.get(url).content.decode())
    data["notes"] = ["after"]
    response = member_web.post(url, data, follow=True)
    assert "overlaps" not in response.content.decode()
    after = row(entry)
    assert after.pop("notes") == "after"
    assert after.pop("updated_at") > before.pop("updated_at")
    before.pop("notes")
    assert after == before


def test_a_changed_time_is_saved_to_the_second(
    member_web: Client, member: Any, project: Any
) -> None:
    Profile.objects.filter(user=member).update(timezone="Asia/Kathmandu")
    entry = TimeEntryFactory(
        user=member,
        project=project,
        started_at=datetime(2025, 3, 4, 9, 15, 42, 987654, tzinfo=UTC),
        ended_at=datetime(2025, 3, 4, 10, 0, 0, 5, tzinfo=UTC),
    )
    url = f"/entries/{entry.pk}/edit/"
    html = member_web.get(url).content.decode()
    assert html.count('type="datetime-local" name="started_at" value="2025-03-04T15:00:42"') == 1
    assert html.count('step="1"') == 2  # start and end take seconds
    data = submitted_form(html)
    # 15:00:42 in Kathmandu shows the stored 09:15:42 UTC; the user changes the seconds.
    assert data["started_at"] == ["2025-03-04T15:00:42"]
    data["started_at"] = ["2025-03-04T15:00:07"]
    assert member_web.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.started_at == datetime(2025, 3, 4, 9, 15, 7, tzinfo=UTC)
    assert entry.ended_at == datetime(2025, 3, 4, 10, 0, 0, 5, tzinfo=UTC)


def test_an_unchanged_project_edit_changes_nothing(
    member_web: Client, zone: str, analytics_events: CapturedEvents
) -> None:
    project = ProjectFactory(
        name="Apollo  Moon",
        client=ClientFactory(name="Acme"),
        colour="#3366CC",
        billable=False,
        hourly_rate=Decimal("120.50"),
        budget_hours=Decimal("12.25"),
    )
    before = row(project)
    round_trip(member_web, f"/projects/{project.pk}/edit/")
    assert row(project) == before
    no_updates(analytics_events)


def test_an_unchanged_project_edit_without_client_or_rates_changes_nothing(
    member_web: Client, analytics_events: CapturedEvents
) -> None:
    project = ProjectFactory(name="Gemini", client=None, hourly_rate=None, budget_hours=None)
    before = row(project)
    round_trip(member_web, f"/projects/{project.pk}/edit/")
    assert row(project) == before
    no_updates(analytics_events)


def test_an_unchanged_client_edit_changes_nothing(
    member_web: Client, zone: str, analytics_events: CapturedEvents
) -> None:
    client = ClientFactory(name="Acme & Söhne")
    before = row(client)
    round_trip(member_web, f"/clients/{client.pk}/edit/")
    assert row(client) == before
    assert ClientModel.objects.count() == 1
    no_updates(analytics_events)


@pytest.mark.parametrize("estimate", [None, Decimal("2.50")])
def test_an_unchanged_task_edit_changes_nothing(
    member_web: Client, project: Any, zone: str, analytics_events: CapturedEvents, estimate: Any
) -> None:
    task = TaskFactory(project=project, name="Design <b>", estimate_hours=estimate)
    before = row(task)
    round_trip(member_web, f"/tasks/{task.pk}/edit/")
    assert row(task) == before
    assert Task.objects.count() == 1
    no_updates(analytics_events)


def test_an_unchanged_profile_changes_nothing(
    member_web: Client, member: Any, zone: str, analytics_events: CapturedEvents
) -> None:
    get_user_model().objects.filter(pk=member.pk).update(first_name="Mel ", last_name="")
    user_before, profile_before = row(member), row(Profile.objects.get(user=member))
    round_trip(member_web, "/accounts/profile/")
    assert row(member) == user_before
    assert row(Profile.objects.get(user=member)) == profile_before
    no_updates(analytics_events)


def test_every_edit_form_of_the_web_ui_is_covered() -> None:
    # A new edit page needs its round trip here: the list is every URL that edits a row.
    from apps.web.urls import urlpatterns

    edits = sorted(p.name for p in urlpatterns if p.name and p.name.endswith("-edit"))
    assert edits == ["client-edit", "entry-edit", "project-edit", "task-edit"]
