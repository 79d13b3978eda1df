"""Time entries: list with filters and pages, manual entries, edits, deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.services import profile_update
from apps.timers.models import Source, TimeEntry
from apps.web.tests.conftest import World
from apps.web.tests.html_check import assert_valid_page
from tests.factories import ProjectFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 10, tzinfo=UTC)


def _entry(user: Any, project: Any, day: int, **extra: Any) -> TimeEntry:
    start = DAY.replace(day=day, hour=9)
    return TimeEntryFactory(
        user=user, project=project, started_at=start, ended_at=start + timedelta(hours=1), **extra
    )


def test_it_lists_only_the_members_own_entries(member_web: Client, world: World) -> None:
    html = member_web.get("/entries/").content.decode()
    assert "member&#x27;s work" in html
    assert "other&#x27;s work" not in html
    assert "admin&#x27;s work" not in html


def test_it_lists_everyones_entries_for_an_admin_with_a_person_filter(
    admin_web: Client, world: World, other_member: Any
) -> None:
    html = admin_web.get("/entries/").content.decode()
    assert "member&#x27;s work" in html
    assert "other&#x27;s work" in html
    html = admin_web.get(f"/entries/?user={other_member.pk}").content.decode()
    assert "other&#x27;s work" in html
    assert "member&#x27;s work" not in html


def test_it_ignores_a_person_filter_from_a_member(
    member_web: Client, world: World, other_member: Any
) -> None:
    html = member_web.get(f"/entries/?user={other_member.pk}").content.decode()
    assert "other&#x27;s work" not in html
    assert 'name="user"' not in html


def test_it_filters_by_date_range_project_and_task(
    member_web: Client, member: Any, project: Any, task: Any
) -> None:
    gemini = ProjectFactory(name="Gemini")
    _entry(member, project, 2, notes="early")
    _entry(member, project, 12, notes="in range", task=task)
    _entry(member, gemini, 13, notes="other project")
    _entry(member, project, 25, notes="late")

    def notes(query: str) -> set[str]:
        page = member_web.get("/entries/" + query).context["page"]
        return {entry.notes for entry in page}

    assert notes("?start=2026-03-10&end=2026-03-20") == {"in range", "other project"}
    assert notes(f"?project={project.pk}") == {"early", "in range", "late"}
    assert notes(f"?task={task.pk}") == {"in range"}
    assert notes(f"?start=2026-03-10&end=2026-03-20&project={gemini.pk}") == {"other project"}


def test_it_shows_a_filter_error_next_to_the_field(member_web: Client, world: World) -> None:
    response = member_web.get("/entries/?start=2026-03-20&end=2026-03-10")
    html = response.content.decode()
    assert '<p class="error" id="id_end_error">The end is before the start.</p>' in html
    assert_valid_page(html)


def test_it_filters_days_in_the_users_time_zone(
    member_web: Client, member: Any, project: Any
) -> None:
    profile_update(user=member, data={"timezone": "Pacific/Auckland"})  # UTC+13 in March
    late_utc = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)  # 10 March 09:00 in Auckland
    TimeEntryFactory(
        user=member, project=project, started_at=late_utc, ended_at=late_utc + timedelta(hours=1)
    )
    page = member_web.get("/entries/?start=2026-03-10&end=2026-03-10").context["page"]
    assert len(page) == 1
    html = member_web.get("/entries/?start=2026-03-10&end=2026-03-10").content.decode()
    assert "Tue 10 Mar 2026" in html
    assert "09:00\u201310:00" in html  # an en dash between the times


def test_it_paginates_and_keeps_the_filters_in_page_links(
    member_web: Client, member: Any, project: Any
) -> None:
    start = DAY
    TimeEntry.objects.bulk_create(
        TimeEntry(
            user=member,
            project=project,
            started_at=start + timedelta(hours=n),
            ended_at=start + timedelta(hours=n, minutes=30),
            source=Source.MANUAL,
        )
        for n in range(60)
    )
    first = member_web.get(f"/entries/?project={project.pk}")
    assert len(first.context["page"]) == 50
    html = first.content.decode()
    assert f'href="?project={project.pk}&amp;page=2"' in html
    second = member_web.get(f"/entries/?project={project.pk}&page=2")
    assert len(second.context["page"]) == 10
    assert member_web.get("/entries/?page=99").status_code == 200


def test_it_creates_a_manual_entry_in_the_users_time_zone(
    member_web: Client, member: Any, project: Any, task: Any
) -> None:
    profile_update(user=member, data={"timezone": "Europe/Berlin"})
    response = member_web.post(
        "/entries/new/",
        {
            "project": project.pk,
            "task": task.pk,
            "started_at": "2026-03-10T09:00",
            "ended_at": "2026-03-10T10:30",
            "notes": "kick-off",
            "billable": "unknown",
        },
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=member)
    assert entry.started_at == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # CET is UTC+1
    assert entry.duration_seconds == 5400
    assert entry.source == Source.MANUAL
    assert entry.billable is project.billable


def test_it_shows_validation_errors_next_to_the_fields(
    member_web: Client, member: Any, project: Any
) -> None:
    response = member_web.post(
        "/entries/new/",
        {"project": project.pk, "started_at": "2026-03-10T10:00", "ended_at": "2026-03-10T09:00"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="error" id="id_ended_at_error">The end must be after the start.</p>' in html
    assert 'aria-describedby="id_ended_at_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="2026-03-10T10:00"' in html  # the input is kept
    assert_valid_page(html)
    assert not TimeEntry.objects.filter(user=member).exists()


def test_it_requires_start_end_and_a_project(member_web: Client) -> None:
    response = member_web.post("/entries/new/", {"notes": "forgot everything"})
    form = response.context["form"]
    assert set(form.errors) >= {"started_at", "ended_at"}
    assert_valid_page(response.content.decode())
    response = member_web.post(
        "/entries/new/", {"started_at": "2026-03-10T09:00", "ended_at": "2026-03-10T10:00"}
    )
    assert response.context["form"].errors["project"] == ["Pick a project or a task."]


def test_it_rejects_a_start_in_the_future_next_to_the_start(
    member_web: Client, project: Any
) -> None:
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=1))
    response = member_web.post(
        "/entries/new/",
        {
            "project": project.pk,
            "started_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
            "ended_at": (tomorrow + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.context["form"].errors["started_at"] == ["The start cannot be in the future."]


def test_it_warns_about_overlaps_and_links_them(
    member_web: Client, member: Any, project: Any
) -> None:
    existing = _entry(member, project, 10)  # 09:00-10:00 UTC
    response = member_web.post(
        "/entries/new/",
        {"project": project.pk, "started_at": "2026-03-10T09:30", "ended_at": "2026-03-10T11:00"},
        follow=True,
    )
    html = response.content.decode()
    assert "This entry overlaps 1 other entry" in html
    assert f'<a href="/entries/{existing.pk}/edit/">#{existing.pk}</a>' in html
    assert TimeEntry.objects.filter(user=member).count() == 2


def test_it_does_not_warn_when_nothing_overlaps(
    member_web: Client, member: Any, project: Any
) -> None:
    _entry(member, project, 10)
    response = member_web.post(
        "/entries/new/",
        {"project": project.pk, "started_at": "2026-03-10T10:00", "ended_at": "2026-03-10T11:00"},
        follow=True,
    )
    assert "overlaps" not in response.content.decode()


def test_it_edits_an_entry_and_keeps_its_values_in_the_form(
    member_web: Client, world: World
) -> None:
    html = member_web.get(f"/entries/{world.mine.pk}/edit/").content.decode()
    start = timezone.localtime(world.mine.started_at).strftime("%Y-%m-%dT%H:%M:%S")
    assert f'value="{start}"' in html
    assert "member&#x27;s work</textarea>" in html
    response = member_web.post(
        f"/entries/{world.mine.pk}/edit/",
        {
            "project": world.gemini.pk,
            "started_at": "2026-03-10T09:00",
            "ended_at": "2026-03-10T09:45",
            "notes": "moved",
        },
    )
    assert response.status_code == 302
    world.mine.refresh_from_db()
    assert (world.mine.project, world.mine.task, world.mine.notes) == (world.gemini, None, "moved")
    assert world.mine.billable is False  # the checkbox was not sent


def test_it_lets_a_running_entry_stay_open_when_edited(
    member_web: Client, member: Any, project: Any
) -> None:
    running = TimeEntryFactory(
        user=member,
        project=project,
        started_at=timezone.now() - timedelta(minutes=5),
        ended_at=None,
    )
    start = timezone.localtime(running.started_at).strftime("%Y-%m-%dT%H:%M")
    response = member_web.post(
        f"/entries/{running.pk}/edit/",
        {"project": project.pk, "started_at": start, "ended_at": "", "notes": "still going"},
    )
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.ended_at is None
    assert running.notes == "still going"


def test_it_keeps_an_archived_project_of_an_entry_editable(
    member_web: Client, world: World
) -> None:
    world.apollo.archived = True
    world.apollo.save()
    start = timezone.localtime(world.mine.started_at).strftime("%Y-%m-%dT%H:%M")
    end = timezone.localtime(world.mine.ended_at).strftime("%Y-%m-%dT%H:%M")
    response = member_web.post(
        f"/entries/{world.mine.pk}/edit/",
        {"project": world.apollo.pk, "started_at": start, "ended_at": end, "notes": "fixed typo"},
    )
    assert response.status_code == 302
    world.mine.refresh_from_db()
    assert world.mine.notes == "fixed typo"


def test_it_lets_an_admin_edit_someone_elses_entry(admin_web: Client, world: World) -> None:
    start = timezone.localtime(world.theirs.started_at).strftime("%Y-%m-%dT%H:%M")
    end = timezone.localtime(world.theirs.ended_at).strftime("%Y-%m-%dT%H:%M")
    response = admin_web.post(
        f"/entries/{world.theirs.pk}/edit/",
        {"project": world.apollo.pk, "started_at": start, "ended_at": end, "notes": "checked"},
    )
    assert response.status_code == 302
    world.theirs.refresh_from_db()
    assert world.theirs.notes == "checked"


def test_it_deletes_only_after_confirmation(member_web: Client, world: World) -> None:
    html = member_web.get(f"/entries/{world.mine.pk}/delete/").content.decode()
    assert "Delete this entry?" in html
    assert TimeEntry.objects.filter(pk=world.mine.pk).exists()
    response = member_web.post(f"/entries/{world.mine.pk}/delete/")
    assert response.status_code == 302
    assert not TimeEntry.objects.filter(pk=world.mine.pk).exists()


def test_it_redirects_only_to_local_next_urls(member_web: Client, world: World) -> None:
    response = member_web.post(f"/entries/{world.mine.pk}/delete/?next=https://evil.example.com/")
    assert response["Location"] == "/entries/"
    other = TimeEntryFactory(user=world.mine.user, project=world.apollo)
    response = member_web.post(f"/entries/{other.pk}/delete/?next=/reports/")
    assert response["Location"] == "/reports/"


def test_it_groups_tasks_by_project_in_the_picker(member_web: Client, world: World) -> None:
    # The picker offers the tasks of the projects recently worked on (issue 15: not every
    # open task of every project), grouped by project in name order.
    TaskFactory(project=world.gemini, name="Test")
    TimeEntryFactory(user=world.mine.user, project=world.gemini)
    html = member_web.get("/entries/new/").content.decode()
    assert '<optgroup label="Apollo">' in html
    assert '<optgroup label="Gemini">' in html
    assert html.index('<optgroup label="Apollo">') < html.index('<optgroup label="Gemini">')
