"""Exports: CSV, XLSX, JSON and iCalendar content, streaming, visibility and the signal."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client

from apps.accounts.services import profile_update
from apps.reports import exports
from apps.reports.exports import formats
from apps.reports.signals import export_generated
from tests.factories import ClientFactory, ProjectFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@contextmanager
def captured_exports() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append({k: v for k, v in kwargs.items() if k != "signal"})

    export_generated.connect(receiver, weak=False)
    try:
        yield calls
    finally:
        export_generated.disconnect(receiver)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def entries(member: Any, other_member: Any, project: Any, task: Any) -> list[Any]:
    """The member's three finished entries (1.5 h, 0.75 h, 2 h), a running one, another's."""
    gemini = ProjectFactory(name="Gemini", client=ClientFactory(name="Acme, Inc."))

    def add(user: Any, proj: Any, offset_days: int, minutes: int | None, **extra: Any) -> Any:
        start = MONDAY + timedelta(days=offset_days)
        end = None if minutes is None else start + timedelta(minutes=minutes)
        return TimeEntryFactory(user=user, project=proj, started_at=start, ended_at=end, **extra)

    made = [
        add(member, project, 0, 90, task=task, notes="Kick-off; agenda, notes\nline two"),
        add(member, gemini, 1, 45, billable=False, notes='=HYPERLINK("http://evil")'),
        add(member, project, 2, 120, notes="Ünïcødé " + "x" * 80),
    ]
    add(member, project, 3, None)  # running: never exported
    add(other_member, project, 0, 60, notes="not yours")
    return made


def test_it_streams_csv_with_one_row_per_finished_entry(
    member_web: Client, entries: list[Any]
) -> None:
    response = member_web.get("/reports/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="timetracker-entries.csv"'
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert [row["id"] for row in rows] == [str(e.pk) for e in entries]
    first = rows[0]
    assert first["start"] == "2026-03-09T09:00:00+00:00"
    assert (first["seconds"], first["hours"], first["duration"]) == ("5400", "1.5000", "1:30:00")
    assert (first["project"], first["task"]) == ("Apollo", "Design")
    assert first["client"] == entries[0].project.client.name
    assert first["notes"] == "Kick-off; agenda, notes\nline two"
    assert (first["billable"], first["amount"]) == ("yes", "150.00")
    assert (rows[1]["client"], rows[1]["billable"], rows[1]["amount"]) == ("Acme, Inc.", "no", "")
    assert sum(Decimal(row["hours"]) for row in rows) == Decimal("4.25")


def test_it_defuses_formulas_in_csv_cells(member_web: Client, entries: list[Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(body(member_web.get("/reports/export.csv")).decode())))
    assert rows[1]["notes"] == '\'=HYPERLINK("http://evil")'


def test_it_writes_xlsx_with_numeric_hours_and_durations_that_add_up(
    member_web: Client, member: Any, entries: list[Any]
) -> None:
    profile_update(user=member, data={"timezone": "Europe/Berlin"})
    response = member_web.get("/reports/export.xlsx?start=2026-03-01&end=2026-03-31")
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    assert "timetracker-entries-2026-03-01-2026-03-31.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    sheet = book["Time entries"]
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:4]
    assert header[:5] == (
        "Date",
        "Start (Europe/Berlin)",
        "End (Europe/Berlin)",
        "Hours",
        "Duration",
    )
    assert data[0][1] == datetime(2026, 3, 9, 10, 0)  # local wall-clock time
    hours = [row[3] for row in data]
    assert all(isinstance(value, int | float) for value in hours)  # numbers, not text
    assert sum(hours) == pytest.approx(4.25)
    # openpyxl reads a [h]:mm:ss cell back as a duration: it is a number of days.
    assert sum((row[4] for row in data), timedelta()) == timedelta(hours=4, minutes=15)
    assert sheet["D2"].number_format == "0.00"
    assert sheet["E2"].number_format == "[h]:mm:ss"
    assert sheet.freeze_panes == "A2"
    # The totals row sums the columns with formulas a spreadsheet computes.
    assert rows[-1][0] == "Total"
    assert rows[-1][3] == "=SUM(D2:D4)"
    assert rows[-1][4] == "=SUM(E2:E4)"
    # Text that looks like a formula stays text.
    assert data[1][9] == '=HYPERLINK("http://evil")'
    assert sheet.cell(row=3, column=10).data_type == "s"
    assert data[0][11] == pytest.approx(150.0)


def test_it_writes_an_empty_xlsx_that_still_opens(member_web: Client, member: Any) -> None:
    book = openpyxl.load_workbook(io.BytesIO(body(member_web.get("/reports/export.xlsx"))))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "Date"
    assert rows[-1][:4] == ("Total", None, None, 0)


def test_it_streams_json(member_web: Client, entries: list[Any]) -> None:
    response = member_web.get("/reports/export.json")
    assert isinstance(response, StreamingHttpResponse)
    data = json.loads(body(response))
    assert data["timezone"] == "UTC"
    assert [item["id"] for item in data["entries"]] == [e.pk for e in entries]
    first = data["entries"][0]
    assert first["started_at"] == "2026-03-09T09:00:00+00:00"
    assert (first["seconds"], first["hours"], first["amount"]) == (5400, 1.5, "150.00")
    assert data["entries"][1]["amount"] is None
    assert data["entries"][2]["notes"].startswith("Ünïcødé")


def test_it_streams_an_icalendar_feed(member_web: Client, entries: list[Any]) -> None:
    response = member_web.get("/reports/export.ics")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = body(response).decode()
    assert raw.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert raw.endswith("END:VCALENDAR\r\n")
    assert "\n" not in raw.replace("\r\n", "")  # CRLF line endings only
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    unfolded = raw.replace("\r\n ", "")
    lines = unfolded.split("\r\n")
    assert lines.count("BEGIN:VEVENT") == 3
    assert f"UID:time-entry-{entries[0].pk}@testserver" in lines
    assert "DTSTART:20260309T090000Z" in lines
    assert "DTEND:20260309T103000Z" in lines
    assert "SUMMARY:Apollo · Design" in lines
    assert "DESCRIPTION:Kick-off\\; agenda\\, notes\\nline two" in lines
    assert "CATEGORIES:Acme\\, Inc." in lines
    assert any(line.startswith("DESCRIPTION:Ünïcødé xxx") for line in lines)
    from icalendar import Calendar

    parsed = Calendar.from_ical(raw)  # a calendar program reads it back
    assert next(str(e["summary"]) for e in parsed.walk("VEVENT")) == "Apollo · Design"


def test_it_exports_only_what_the_viewer_may_see(
    member_web: Client, admin_web: Client, other_member: Any, entries: list[Any]
) -> None:
    member_rows = list(
        csv.DictReader(io.StringIO(body(member_web.get("/reports/export.csv")).decode()))
    )
    assert {row["user"] for row in member_rows} == {"mel"}
    # A member's "user" filter is ignored: it cannot reach someone else's entries.
    sneaky = member_web.get(f"/reports/export.csv?user={other_member.pk}")
    assert {row["user"] for row in csv.DictReader(io.StringIO(body(sneaky).decode()))} == {"mel"}
    admin_rows = list(
        csv.DictReader(io.StringIO(body(admin_web.get("/reports/export.csv")).decode()))
    )
    assert {row["user"] for row in admin_rows} == {"mel", "otto"}
    only_otto = admin_web.get(f"/reports/export.csv?user={other_member.pk}")
    assert {row["user"] for row in csv.DictReader(io.StringIO(body(only_otto).decode()))} == {
        "otto"
    }


def test_it_applies_the_date_project_and_task_filters(
    member_web: Client, entries: list[Any], project: Any, task: Any
) -> None:
    def ids(query: str) -> list[int]:
        data = json.loads(body(member_web.get("/reports/export.json" + query)))
        return [item["id"] for item in data["entries"]]

    assert ids("?start=2026-03-10&end=2026-03-10") == [entries[1].pk]
    assert ids(f"?project={project.pk}") == [entries[0].pk, entries[2].pk]
    assert ids(f"?task={task.pk}") == [entries[0].pk]


def test_it_answers_400_to_bad_filters(member_web: Client) -> None:
    response = member_web.get("/reports/export.csv?start=2026-03-10&end=2026-03-01")
    assert response.status_code == 400
    assert "end" in response.content.decode()
    assert member_web.get("/reports/export.pdf").status_code == 404


def test_it_sends_export_generated_with_the_row_count(
    member_web: Client, member: Any, entries: list[Any]
) -> None:
    with captured_exports() as calls:
        for fmt in exports.FORMATS:
            body(member_web.get(f"/reports/export.{fmt}"))
    assert calls == [
        {"user_id": member.pk, "format": fmt, "rows": 3, "channel": "web"}
        for fmt in exports.FORMATS
    ]


def test_it_reads_rows_in_chunks_with_an_iterator(
    member: Any, project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large export never holds every row: rows arrive from a chunked iterator."""
    for n in range(7):
        start = MONDAY + timedelta(hours=n)
        TimeEntryFactory(
            user=member, project=project, started_at=start, ended_at=start + timedelta(minutes=30)
        )
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    monkeypatch.setattr(exports, "FLUSH_AT", 10)
    qs = exports.entries_matching(user=member, query=exports.EntryQuery(), finished_only=True)
    rows = exports.export_rows(qs, member.profile.tzinfo)
    assert next(rows).seconds == 1800  # a generator: nothing is read before it is asked for
    pieces = list(
        exports._chunked(exports.csv_lines(exports.export_rows(qs, member.profile.tzinfo)))
    )
    assert len(pieces) > 1  # sent in several chunks, not as one body


def test_it_folds_long_ics_lines_without_splitting_characters() -> None:
    row = formats.Row(
        id=1,
        user="u",
        client="",
        project="P",
        task="",
        started_at=MONDAY,
        ended_at=MONDAY + timedelta(hours=1),
        seconds=3600,
        notes="é" * 100,
        billable=False,
        amount=None,
        updated_at=MONDAY,
    )
    raw = "".join(formats.ics_lines([row], uid_domain="example.org"))
    parts = raw.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert "DESCRIPTION:" + "é" * 100 in raw.replace("\r\n ", "")


def test_it_names_files_after_the_period() -> None:
    query = exports.EntryQuery(start=MONDAY.date(), end=MONDAY.date() + timedelta(days=6))
    assert exports.export_filename(query, "ics") == "timetracker-entries-2026-03-09-2026-03-15.ics"
    assert exports.EntryQuery(project_id=3).as_params() == {"project": "3"}


def test_it_refuses_unknown_formats(member: Any) -> None:
    with pytest.raises(ValueError, match="fmt must be one of"):
        exports.export_response(
            user=member,
            query=exports.EntryQuery(),
            fmt="pdf",
            channel="web",
            uid_domain="x",
            sender=None,
        )


def test_it_exports_entries_of_a_task_deleted_later(
    member_web: Client, member: Any, project: Any
) -> None:
    task = TaskFactory(project=project)
    TimeEntryFactory(
        user=member,
        project=project,
        task=task,
        started_at=MONDAY,
        ended_at=MONDAY + timedelta(hours=1),
    )
    task.delete()
    rows = list(csv.DictReader(io.StringIO(body(member_web.get("/reports/export.csv")).decode())))
    assert rows[0]["task"] == ""
