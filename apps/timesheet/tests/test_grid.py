"""The week grid: saving creates, adjusts and deletes entries through the timers services,
all or nothing, in the user's time zone; untouched cells are left alone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Profile
from apps.timers.models import Source, TimeEntry
from apps.timesheet.selectors import MAX_ROWS, cell_name
from apps.timesheet.services import cell_start
from apps.timesheet.weeks import Week
from tests.factories import ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

# A week safely in the past whenever the suite runs (the grid refuses days not yet begun).
WEEK = Week.parse("2025-W10")  # Monday 3 March 2025
URL = reverse("timesheet:week")


def _entry(
    user: Any, project: Any, day: date, *, hour: int = 9, minutes: int = 60, **kw: Any
) -> TimeEntry:
    tz = Profile.objects.get(user=user).tzinfo
    start = datetime.combine(day, time(hour), tzinfo=tz)
    return TimeEntryFactory(
        user=user,
        project=project,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        source=Source.MANUAL,
        **kw,
    )


def _post(client: Client, cells: dict[str, str], rows: list[str], **extra: str) -> Any:
    data: dict[str, Any] = {"week": WEEK.label, "row": rows, **cells, **extra}
    return client.post(f"{URL}?week={WEEK.label}", data)


def _row(project: Any, task: Any = None) -> str:
    return f"{project.pk}-{task.pk if task else 0}"


def _cell(project: Any, index: int, task: Any = None) -> str:
    return cell_name((project.pk, task.pk if task else None), index)


def test_it_shows_a_row_per_project_and_task_and_the_totals(
    member: Any, member_web: Client, project: Any, task: Any
) -> None:
    _entry(member, project, WEEK.days[0], minutes=90, task=task)
    _entry(member, project, WEEK.days[2], minutes=30)
    response = member_web.get(URL, {"week": WEEK.label})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [item["row"].label for item in rows] == ["Apollo", "Apollo · Design"]
    assert [item["total"] for item in rows] == ["0:30", "1:30"]
    assert response.context["day_totals"] == [
        "1:30",
        "0:00",
        "0:30",
        "0:00",
        "0:00",
        "0:00",
        "0:00",
    ]
    assert response.context["total"] == "2:00"
    body = response.content.decode()
    assert f'name="{_cell(project, 0, task)}"' in body
    assert 'value="1:30"' in body


def test_it_creates_an_entry_at_the_day_start_for_a_filled_cell(
    member: Any,
    member_web: Client,
    project: Any,
    task: Any,
    analytics_events: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.TIMESHEET_DAY_START = "08:30"
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(member_web, {_cell(project, 1, task): "1h 30m"}, [_row(project, task)])
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?week={WEEK.label}"
    entry = TimeEntry.objects.get(user=member)
    assert entry.started_at == datetime(2025, 3, 4, 8, 30, tzinfo=UTC)
    assert entry.duration_seconds == 5400
    assert (entry.project, entry.task, entry.source) == (project, task, Source.MANUAL)
    assert analytics_events.properties("timesheet.saved") | {"channel": None} == {
        "cells": 1,
        "created": 1,
        "updated": 0,
        "deleted": 0,
        "channel": None,
    }
    assert analytics_events.names.count("time_entry.created") == 1


def test_it_adjusts_the_end_of_the_one_entry_of_a_cell(
    member: Any, member_web: Client, project: Any
) -> None:
    entry = _entry(member, project, WEEK.days[0], hour=14, minutes=60)
    response = _post(member_web, {_cell(project, 0): "2.25"}, [_row(project)])
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.started_at == datetime(2025, 3, 3, 14, tzinfo=UTC)
    assert entry.duration_seconds == 2.25 * 3600


def test_it_deletes_the_entry_of_a_cleared_cell(
    member: Any, member_web: Client, project: Any
) -> None:
    _entry(member, project, WEEK.days[3])
    response = _post(member_web, {_cell(project, 3): " "}, [_row(project)])
    assert response.status_code == 302
    assert not TimeEntry.objects.filter(user=member).exists()


def test_it_leaves_untouched_and_same_time_cells_alone(
    member: Any,
    member_web: Client,
    project: Any,
    analytics_events: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    odd = _entry(member, project, WEEK.days[0], minutes=61)
    odd.ended_at += timedelta(seconds=7)
    odd.save()
    plain = _entry(member, project, WEEK.days[1], minutes=90)
    stamps = {e.pk: e.updated_at for e in TimeEntry.objects.all()}
    grid = member_web.get(URL, {"week": WEEK.label}).content.decode()
    assert 'value="1:01:07"' in grid
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            member_web,
            {_cell(project, 0): "1:01:07", _cell(project, 1): "1.5", _cell(project, 2): ""},
            [_row(project)],
        )
    assert response.status_code == 302
    assert {e.pk: e.updated_at for e in TimeEntry.objects.all()} == stamps
    assert TimeEntry.objects.count() == 2
    assert plain.pk in stamps
    assert "timesheet.saved" not in analytics_events.names


def test_it_keeps_the_input_and_saves_nothing_when_a_cell_is_wrong(
    member: Any, member_web: Client, project: Any
) -> None:
    other = ProjectFactory(name="Zeta")
    existing = _entry(member, project, WEEK.days[0])
    response = _post(
        member_web,
        {
            _cell(project, 0): "3:00",
            _cell(other, 1): "soon",
            _cell(other, 2): "-1",
            _cell(other, 3): "25h",
        },
        [_row(project), _row(other)],
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="soon"' in body
    assert 'value="3:00"' in body
    assert 'value="25h"' in body
    assert "Enter a duration such as 1:30, 1.5, 90m or 1h 30m." in body
    assert "A duration cannot be negative." in body
    assert "At most 24 hours in one cell" in body
    assert 'aria-invalid="true"' in body
    existing.refresh_from_db()
    assert existing.duration_seconds == 3600
    assert TimeEntry.objects.count() == 1


def test_it_rolls_back_every_cell_when_a_service_refuses_one(
    member: Any, member_web: Client, project: Any
) -> None:
    archived = ProjectFactory(name="Old", archived=True)
    response = _post(
        member_web,
        {_cell(project, 0): "1:00", _cell(archived, 1): "2:00"},
        [_row(project), _row(archived)],
    )
    assert response.status_code == 400
    assert "This project is archived" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_it_links_cells_with_several_entries_or_a_running_timer_instead_of_rewriting(
    member: Any, member_web: Client, project: Any
) -> None:
    first = _entry(member, project, WEEK.days[0], hour=9)
    second = _entry(member, project, WEEK.days[0], hour=13)
    running = TimeEntryFactory(
        user=member,
        project=project,
        started_at=datetime.now(UTC) - timedelta(hours=1),
        ended_at=None,
        source=Source.TIMER,
    )
    grid = member_web.get(URL, {"week": WEEK.label}).content.decode()
    assert f'name="{_cell(project, 0)}"' not in grid
    assert "start=2025-03-03&amp;end=2025-03-03" in grid
    # A value posted for it anyway (a stale page, a script) is refused, not applied.
    response = _post(member_web, {_cell(project, 0): "5:00"}, [_row(project)])
    assert response.status_code == 400
    for entry in (first, second):
        old = entry.ended_at
        entry.refresh_from_db()
        assert entry.ended_at == old
    current = member_web.get(URL).content.decode()
    assert "running" in current
    running.refresh_from_db()
    assert running.ended_at is None


def test_it_refuses_a_day_that_has_not_begun(member: Any, member_web: Client, project: Any) -> None:
    future = Week.of(datetime.now(UTC).date() + timedelta(days=14))
    response = member_web.post(
        f"{URL}?week={future.label}",
        {"week": future.label, "row": [_row(project)], _cell(project, 6): "1:00"},
    )
    assert response.status_code == 400
    assert "This day has not started yet." in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_it_places_today_s_entry_so_that_it_has_ended_by_now() -> None:
    tz = ZoneInfo("Europe/Berlin")
    day = date(2025, 3, 3)
    early = datetime(2025, 3, 3, 8, 0, tzinfo=tz)  # before the 09:00 day start
    assert cell_start(day=day, seconds=3600, now=early, tz=tz) == datetime(
        2025, 3, 3, 7, 0, tzinfo=tz
    )
    assert cell_start(day=day, seconds=10 * 3600, now=early, tz=tz) == datetime(
        2025, 3, 3, tzinfo=tz
    )
    late = datetime(2025, 3, 3, 18, 0, tzinfo=tz)
    assert cell_start(day=day, seconds=3600, now=late, tz=tz) == datetime(
        2025, 3, 3, 9, 0, tzinfo=tz
    )


def test_cells_land_on_the_local_day_in_kiritimati(
    member: Any, member_web: Client, project: Any
) -> None:
    Profile.objects.filter(user=member).update(timezone="Pacific/Kiritimati")  # UTC+14
    response = _post(member_web, {_cell(project, 0): "1:00"}, [_row(project)])
    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=member)
    # 09:00 on Monday in Kiritimati is 19:00 on Sunday in UTC.
    assert entry.started_at == datetime(2025, 3, 2, 19, tzinfo=UTC)
    grid = member_web.get(URL, {"week": WEEK.label})
    assert grid.context["day_totals"][0] == "1:00"


def test_cells_land_on_the_local_day_in_los_angeles_in_the_week_daylight_saving_ends(
    member: Any, member_web: Client, project: Any
) -> None:
    Profile.objects.filter(user=member).update(timezone="America/Los_Angeles")
    week = Week.parse("2024-W44")  # Monday 28 October to Sunday 3 November 2024 (25 hours)
    tz = ZoneInfo("America/Los_Angeles")
    # Just after midnight (still PDT) and late in the evening (PST) of the long Sunday.
    TimeEntryFactory(
        user=member,
        project=project,
        started_at=datetime(2024, 11, 3, 7, 30, tzinfo=UTC),
        ended_at=datetime(2024, 11, 3, 8, 0, tzinfo=UTC),
    )
    TimeEntryFactory(
        user=member,
        project=project,
        started_at=datetime(2024, 11, 4, 7, 30, tzinfo=UTC),
        ended_at=datetime(2024, 11, 4, 7, 45, tzinfo=UTC),
    )
    response = member_web.post(
        f"{URL}?week={week.label}",
        {"week": week.label, "row": [_row(project)], _cell(project, 5): "2:00"},
    )
    assert response.status_code == 302
    saturday = TimeEntry.objects.get(started_at__date=date(2024, 11, 2))
    assert saturday.started_at.astimezone(tz) == datetime(2024, 11, 2, 9, tzinfo=tz)
    assert saturday.started_at == datetime(2024, 11, 2, 16, tzinfo=UTC)  # PDT, UTC-7
    grid = member_web.get(URL, {"week": week.label})
    assert grid.context["day_totals"] == ["0:00"] * 5 + ["2:00", "0:45"]
    nov4 = member_web.get(URL, {"week": "2024-W45"})
    assert nov4.context["total"] == "0:00"


def test_a_user_never_sees_or_changes_someone_else_s_entries(
    admin: Any, member: Any, admin_web: Client, other_web: Client, project: Any
) -> None:
    mine = _entry(member, project, WEEK.days[0])
    grid = admin_web.get(URL, {"week": WEEK.label})
    assert grid.context["rows"] == []
    # The same row and day, posted by someone else, creates their own entry only.
    response = _post(other_web, {_cell(project, 0): "4:00"}, [_row(project)])
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.duration_seconds == 3600
    assert TimeEntry.objects.filter(user=member).count() == 1
    assert TimeEntry.objects.exclude(user=member).get().duration_seconds == 4 * 3600


def test_it_adds_a_row_and_keeps_what_was_typed(
    member: Any, member_web: Client, project: Any, task: Any
) -> None:
    other = ProjectFactory(name="Beta")
    response = _post(
        member_web,
        {_cell(other, 2): "0:45"},
        [_row(other)],
        action="add-row",
        task=str(task.pk),
    )
    assert response.status_code == 200
    labels = [item["row"].label for item in response.context["rows"]]
    assert labels == ["Apollo · Design", "Beta"]
    assert 'value="0:45"' in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_it_copies_last_week_s_rows_without_their_hours(
    member: Any, member_web: Client, project: Any, task: Any
) -> None:
    _entry(member, project, WEEK.days[0] - timedelta(days=7), task=task)
    response = _post(member_web, {}, [], action="copy-rows")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [item["row"].label for item in rows] == ["Apollo · Design"]
    assert rows[0]["total"] == "0:00"
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize("week", ["2025-W99", "soon", "1969-W01", "2200-W10", "9999-12-31", "%00"])
def test_it_answers_a_bad_week_with_a_400_that_says_why(member_web: Client, week: str) -> None:
    response = member_web.get(URL, {"week": week})
    assert response.status_code == 400
    assert response.context["error"].startswith(
        ("Enter a week such as", "Weeks must", "Dates must")
    )
    assert b'id="timesheet-error"' in response.content


def test_it_ignores_rows_and_cells_that_name_nothing(
    member: Any, member_web: Client, project: Any
) -> None:
    response = _post(
        member_web,
        {"c-999999-0-0": "1:00", "c-x-y-z": "2:00"},
        ["999999-0", f"{project.pk}-999999", "junk", "1-2-3"],
    )
    assert response.status_code == 302
    assert not TimeEntry.objects.exists()


def test_a_date_opens_the_week_that_holds_it(member_web: Client) -> None:
    response = member_web.get(URL, {"week": "2025-03-06"})
    assert response.status_code == 200
    assert response.context["week"] == WEEK


def test_a_zero_clears_a_cell_like_an_empty_one(
    member: Any, member_web: Client, project: Any
) -> None:
    _entry(member, project, WEEK.days[4])
    assert _post(member_web, {_cell(project, 4): "0"}, [_row(project)]).status_code == 302
    assert not TimeEntry.objects.exists()


def test_a_forgotten_timer_longer_than_a_day_is_not_an_input(
    member: Any, member_web: Client, project: Any
) -> None:
    long = _entry(member, project, WEEK.days[1], hour=8, minutes=30 * 60)
    long.source = Source.TIMER
    long.save()
    body = member_web.get(URL, {"week": WEEK.label}).content.decode()
    assert f'name="{_cell(project, 1)}"' not in body
    assert "30:00" in body


def test_a_week_holds_at_most_the_row_limit(member_web: Client) -> None:
    from apps.projects.models import Project

    projects = Project.objects.bulk_create([Project(name=f"P{n:03d}") for n in range(MAX_ROWS + 5)])
    response = _post(member_web, {}, [_row(p) for p in projects], action="add-row")
    assert len(response.context["rows"]) == MAX_ROWS


def test_save_is_the_first_button_so_enter_in_a_cell_saves_without_javascript(
    member_web: Client,
) -> None:
    body = member_web.get(URL, {"week": WEEK.label}).content.decode()
    buttons = re.findall(r'<button type="submit" name="action" value="([a-z-]+)"', body)
    assert buttons[0] == "save"


def test_new_entries_take_the_tags_typed_under_their_row(
    member: Any, member_web: Client, project: Any
) -> None:
    kept = _entry(member, project, WEEK.days[0])
    response = _post(
        member_web,
        {
            _cell(project, 0): "2:00",
            _cell(project, 1): "1:00",
            f"t-{_row(project)}": "call, Urgent",
        },
        [_row(project)],
    )
    assert response.status_code == 302
    created = TimeEntry.objects.exclude(pk=kept.pk).get()
    assert sorted(created.tags.values_list("name", flat=True)) == ["Urgent", "call"]
    assert not kept.tags.exists()  # an adjusted entry keeps its own tags


def test_too_many_tags_refuse_the_cell_and_save_nothing(
    member: Any, member_web: Client, project: Any
) -> None:
    names = ", ".join(f"t{n}" for n in range(30))
    response = _post(
        member_web, {_cell(project, 1): "1:00", f"t-{_row(project)}": names}, [_row(project)]
    )
    assert response.status_code == 400
    assert f'value="{names}"' in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_a_cell_changed_elsewhere_is_not_overwritten_by_a_stale_page(
    member: Any, member_web: Client, project: Any
) -> None:
    entry = _entry(member, project, WEEK.days[0], minutes=60)
    page = member_web.get(URL, {"week": WEEK.label})
    originals = {f"o-{_row(project)}": page.context["rows"][0]["row"].originals}
    assert originals[f"o-{_row(project)}"] == "1:00||||||"
    # Another tab (or the API) makes it two hours.
    entry.ended_at = entry.started_at + timedelta(hours=2)
    entry.save()
    # The stale page sends the cell back as it showed it: nothing is rewritten.
    untouched = _post(member_web, {_cell(project, 0): "1:00", **originals}, [_row(project)])
    assert untouched.status_code == 302
    entry.refresh_from_db()
    assert entry.duration_seconds == 2 * 3600
    # Changed on the stale page too: refused as a conflict, with the value stored now.
    stale = _post(member_web, {_cell(project, 0): "3:00", **originals}, [_row(project)])
    assert stale.status_code == 400
    assert "changed since the page was loaded (it now holds 2:00)" in stale.content.decode()
    entry.refresh_from_db()
    assert entry.duration_seconds == 2 * 3600
    # The page that reported it carries the current values: saving again replaces them.
    fresh = {f"o-{_row(project)}": stale.context["rows"][0]["row"].originals}
    again = _post(member_web, {_cell(project, 0): "3:00", **fresh}, [_row(project)])
    assert again.status_code == 302
    entry.refresh_from_db()
    assert entry.duration_seconds == 3 * 3600


def test_a_cell_that_became_read_only_refuses_what_was_typed(
    member: Any, member_web: Client, project: Any
) -> None:
    _entry(member, project, WEEK.days[0], hour=9)
    originals = {f"o-{_row(project)}": "1:00||||||"}
    _entry(member, project, WEEK.days[0], hour=14)  # a second entry, from elsewhere
    response = _post(member_web, {_cell(project, 0): "4:00", **originals}, [_row(project)])
    assert response.status_code == 400
    assert "now has several entries" in response.content.decode()
    assert sorted(e.duration_seconds for e in TimeEntry.objects.all()) == [3600, 3600]
