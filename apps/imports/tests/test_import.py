"""The import service: the three formats, time zones, duplicates, dry runs, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from apps.clients.models import Client
from apps.imports.services import import_entries
from apps.imports.tests.conftest import sample
from apps.projects.models import Project
from apps.tasks.models import Task
from apps.timers.models import TimeEntry
from tests.factories import ClientFactory, ProjectFactory

pytestmark = pytest.mark.django_db

FORMATS = ["toggl", "clockify", "kimai"]


def _import(fmt: str, data: bytes, **options: Any) -> Any:
    options.setdefault("timezone_name", "Europe/Berlin")
    return import_entries(fmt=fmt, data=data, **options)


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_imports_each_format_mapping_people_by_email_and_converting_the_zone(
    fmt: str, admin: Any, member: Any
) -> None:
    report = _import(fmt, sample(f"{fmt}.csv"), actor=admin, create_missing=True)

    assert report.imported
    assert report.problems == []
    assert (report.rows, report.created, report.duplicates) == (3, 3, 0)
    assert report.new_clients == ["Acme"]
    assert sorted(report.new_projects) == ["Acme / Website", "Internal"]
    assert report.new_tasks == ["Website / Design"]
    acme = Client.objects.get(name="Acme")
    website = Project.objects.get(name="Website", client=acme)
    design = Task.objects.get(project=website, name="Design")
    first, second = TimeEntry.objects.filter(user=member).order_by("started_at")
    # 09:00 in Berlin in March (UTC+1) is 08:00 UTC.
    assert first.started_at == datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
    assert first.ended_at == datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    assert (first.project, first.task, first.notes, first.billable) == (
        website,
        design,
        "Homepage sketches",
        True,
    )
    assert sorted(tag.name for tag in first.tags.all()) == ["client", "design"]
    assert report.new_tags == ["design", "client"]
    assert second.notes == 'Call with Acme, notes "quoted"'
    assert second.task is None
    assert second.billable is False
    # The entry past midnight ends on the next day.
    late = TimeEntry.objects.get(user=admin)
    assert late.started_at == datetime(2024, 3, 5, 22, 30, tzinfo=UTC)
    assert late.ended_at == datetime(2024, 3, 5, 23, 15, tzinfo=UTC)
    assert late.project.name == "Internal"
    assert late.project.client is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_adds_nothing_the_second_time(fmt: str, admin: Any, member: Any) -> None:
    _import(fmt, sample(f"{fmt}.csv"), actor=admin, create_missing=True)
    again = _import(fmt, sample(f"{fmt}.csv"), actor=admin, create_missing=True)

    assert again.imported
    assert (again.created, again.duplicates) == (0, 3)
    assert again.new_clients == again.new_projects == again.new_tasks == []
    assert TimeEntry.objects.count() == 3
    assert Project.objects.count() == 2


def test_it_matches_existing_clients_projects_and_tasks_ignoring_case(
    admin: Any, member: Any
) -> None:
    acme = ClientFactory(name="ACME")
    website = ProjectFactory(name="website", client=acme)
    website.tasks.create(name="design")
    ProjectFactory(name="Internal", client=None)

    report = _import("toggl", sample("toggl.csv"), actor=admin)

    assert report.imported
    assert report.created == 3
    assert (Client.objects.count(), Project.objects.count(), Task.objects.count()) == (1, 2, 1)


def test_a_dry_run_reports_what_it_would_create_and_keeps_nothing(admin: Any, member: Any) -> None:
    report = _import(
        "clockify", sample("clockify.csv"), actor=admin, dry_run=True, create_missing=True
    )

    assert not report.imported
    assert report.dry_run
    assert report.created == 3
    assert report.new_clients == ["Acme"]
    assert "Group" in report.ignored_columns
    assert TimeEntry.objects.count() == Project.objects.count() == Client.objects.count() == 0


def test_a_file_with_bad_rows_imports_nothing_and_names_each_line(admin: Any, member: Any) -> None:
    rows = [
        "mel@example.com,Bad date,2024-02-30,09:00:00,2024-02-30,10:00:00",
        "nobody@example.com,Who,2024-03-04,09:00:00,2024-03-04,10:00:00",
        "mel@example.com,Too long,2024-03-04,09:00:00,2024-03-06,10:00:00",
        "mel@example.com,Far future,2999-01-01,09:00:00,2999-01-01,10:00:00",
    ]
    data = sample("toggl.csv").decode() + "".join(
        f"Mel,{email},Acme,Website,,{notes},No,{times},,,\r\n"
        for email, notes, times in (row.split(",", 2) for row in rows)
    )

    report = _import("toggl", data.encode(), actor=admin, create_missing=True)

    assert not report.imported
    lines = {p["line"]: p["message"] for p in report.problems}
    assert sorted(lines) == [5, 6, 7, 8]
    assert "is not a date" in lines[5]
    assert "No active user has the e-mail 'nobody@example.com'" in lines[6]
    assert "longer than 24 hours" in lines[7]
    assert "Dates must be between 1970-01-01 and 2199-12-31" in lines[8]
    assert TimeEntry.objects.count() == Project.objects.count() == 0


def test_without_create_missing_a_missing_project_is_a_problem_not_a_creation(
    admin: Any, member: Any
) -> None:
    report = _import("kimai", sample("kimai.csv"), actor=admin)

    assert not report.imported
    assert report.problems[0]["line"] == 2
    assert (
        "There is no client 'Acme', no project 'Website' of 'Acme'" in report.problems[0]["message"]
    )
    assert Client.objects.count() == 0


def test_without_a_zone_it_reads_times_in_the_actors_profile_zone(admin: Any, member: Any) -> None:
    admin.profile.timezone = "America/New_York"
    admin.profile.save()

    import_entries(fmt="toggl", data=sample("toggl.csv"), actor=admin, create_missing=True)

    first = TimeEntry.objects.filter(user=member).order_by("started_at").first()
    assert first is not None
    assert first.started_at == datetime(2024, 3, 4, 14, 0, tzinfo=UTC)


# --- Hostile files ----------------------------------------------------------------------------
def _refused(data: bytes, fmt: str = "toggl") -> str:
    with pytest.raises(ValidationError) as caught:
        import_entries(fmt=fmt, data=data, create_missing=True)
    assert TimeEntry.objects.count() == 0
    return " ".join(caught.value.messages)


def test_a_file_in_another_encoding_is_refused_naming_the_line(member: Any) -> None:
    latin1 = sample("toggl.csv").decode().replace("Planning", "Réunion").encode("latin-1")
    assert "Line 4: the file is not UTF-8 text" in _refused(latin1)


def test_a_byte_order_mark_and_utf16_are_read(member: Any, admin: Any) -> None:
    text = sample("toggl.csv").decode()
    assert (
        import_entries(
            fmt="toggl", data=b"\xef\xbb\xbf" + text.encode(), create_missing=True
        ).created
        == 3
    )
    TimeEntry.objects.all().delete()
    assert import_entries(fmt="toggl", data=text.encode("utf-16"), create_missing=True).created == 3


def test_a_file_of_another_tool_is_refused_naming_the_missing_columns(member: Any) -> None:
    message = _refused(sample("kimai.csv"), fmt="toggl")
    assert "Line 1: this is not a Toggl Track (detailed report, CSV) file" in message
    assert "Email, Start date, Start time" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"Email,Project,Start date,Start time,Duration\r\n", "a header but no rows"),
        (
            b"Email,Project,Start date,Start time,Duration\r\na\x00b,P,2024-01-01,09:00,1:00\r\n",
            "Line 2: the file contains a NUL character",
        ),
        (
            b"Email,Project,Start date,Start time,Duration\r\n"
            + b"x" * 30_000
            + b",P,2024-01-01,09:00,1:00\r\n",
            "Line 2: a cell is longer than 20000 characters",
        ),
        (
            b'Email,Project,Start date,Start time,Duration\r\n"open,P,2024-01-01,09:00,1:00\r\n',
            "not valid CSV",
        ),
    ],
    ids=["empty", "header-only", "nul-byte", "huge-cell", "open-quote"],
)
def test_a_broken_file_is_refused_with_a_reason(member: Any, data: bytes, expected: str) -> None:
    assert expected in _refused(data)


def test_an_unknown_format_or_zone_is_a_field_error(member: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        import_entries(fmt="harvest", data=b"x")
    assert "format" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        import_entries(fmt="toggl", data=b"x", timezone_name="Mars/Olympus")
    assert "timezone" in caught.value.message_dict


def test_a_formula_cell_is_kept_as_text_and_exported_harmless(member: Any, member_web: Any) -> None:
    data = (
        b"Email,Project,Description,Start date,Start time,Duration\r\n"
        b'mel@example.com,Site,=HYPERLINK("http://evil.example"),2024-03-04,09:00,1:00\r\n'
    )
    import_entries(fmt="toggl", data=data, create_missing=True)

    entry = TimeEntry.objects.get()
    assert entry.notes == '=HYPERLINK("http://evil.example")'
    body = b"".join(
        member_web.get("/reports/export.csv?start=2024-03-01&end=2024-03-31").streaming_content
    )
    assert b"'=HYPERLINK" in body


def test_control_characters_in_a_cell_are_a_problem_of_that_line(member: Any) -> None:
    data = (
        b"Email,Project,Description,Start date,Start time,Duration\r\n"
        b"mel@example.com,Site,bell\x07,2024-03-04,09:00,1:00\r\n"
    )
    report = import_entries(fmt="toggl", data=data, create_missing=True)
    assert not report.imported
    assert report.problems[0]["line"] == 2
    assert "control character U+0007" in report.problems[0]["message"]
