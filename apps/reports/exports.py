"""Exports of time entries: CSV, XLSX, JSON and iCalendar, shared by the web UI and the API.

Rows are read with ``QuerySet.values(...).iterator(chunk_size=...)``: one query (or one
server-side cursor on PostgreSQL) whatever the number of entries, and never the whole
result in memory. CSV, JSON and ICS are produced while the response is sent
(``StreamingHttpResponse``). XLSX is a zip archive whose directory is written last, so it
cannot be sent before it is complete; openpyxl's write-only mode flushes each row to a
temporary file, the finished workbook lands in a spooled temporary file, and that file is
streamed with ``FileResponse``. Memory stays bounded in every format.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse

from apps.accounts.selectors import user_is_admin, user_timezone
from apps.reports.selectors import Period
from apps.reports.signals import export_generated
from apps.timers.models import TimeEntry
from apps.timers.selectors import entries_visible_to

FORMATS = ("csv", "xlsx", "json", "ics")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "ics": "text/calendar; charset=utf-8",
}
CHUNK_SIZE = 2000
# Streamed formats are sent in pieces of about this many characters, not one per row.
FLUSH_AT = 32 * 1024
# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The finished workbook stays in memory up to this size, then moves to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024

_FIELDS = (
    "id",
    "user__username",
    "project__name",
    "project__client__name",
    "project__hourly_rate",
    "task__name",
    "started_at",
    "ended_at",
    "notes",
    "billable",
    "updated_at",
)


@dataclass(frozen=True)
class EntryQuery:
    """Filters shared by the entry list, the report page and every export.

    ``start``/``end`` are whole days in the viewer's time zone (inclusive); ``user_id``
    only narrows an admin's view, since members see nothing but their own entries anyway.
    """

    start: date | None = None
    end: date | None = None
    project_id: int | None = None
    task_id: int | None = None
    user_id: int | None = None

    def as_params(self) -> dict[str, str]:
        """The filters as query-string parameters (for links that keep them)."""
        raw = {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "project": self.project_id,
            "task": self.task_id,
            "user": self.user_id,
        }
        return {key: str(value) for key, value in raw.items() if value is not None}


def entries_matching(
    *, user: AbstractBaseUser, query: EntryQuery, finished_only: bool = False
) -> QuerySet[TimeEntry]:
    """Entries ``user`` may see that match ``query`` (days in the user's time zone)."""
    qs = entries_visible_to(user=user)
    if finished_only:
        qs = qs.filter(ended_at__isnull=False)
    tz = user_timezone(user)
    if query.start is not None:
        qs = qs.filter(started_at__gte=Period(start=query.start, end=query.start, tz=tz).start_at)
    if query.end is not None:
        qs = qs.filter(started_at__lt=Period(start=query.end, end=query.end, tz=tz).end_before)
    if query.project_id is not None:
        qs = qs.filter(project_id=query.project_id)
    if query.task_id is not None:
        qs = qs.filter(task_id=query.task_id)
    if query.user_id is not None and user_is_admin(user):
        qs = qs.filter(user_id=query.user_id)
    return qs


@dataclass(frozen=True)
class Row:
    """One exported entry, with everything derived once for every format."""

    id: int
    user: str
    client: str
    project: str
    task: str
    started_at: datetime  # aware, in the viewer's time zone
    ended_at: datetime
    seconds: int
    notes: str
    billable: bool
    amount: Decimal | None
    updated_at: datetime

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.seconds) / 3600).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def export_rows(qs: QuerySet[TimeEntry], tz: zoneinfo.ZoneInfo) -> Iterator[Row]:
    """The entries of ``qs`` in start order, read in chunks (no query per row)."""
    values = qs.order_by("started_at", "id").values(*_FIELDS)
    for v in values.iterator(chunk_size=CHUNK_SIZE):
        seconds = max(int((v["ended_at"] - v["started_at"]).total_seconds()), 0)
        rate = v["project__hourly_rate"]
        amount = None
        if v["billable"] and rate is not None:
            amount = (Decimal(seconds) * rate / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)
        yield Row(
            id=v["id"],
            user=v["user__username"],
            client=v["project__client__name"] or "",
            project=v["project__name"],
            task=v["task__name"] or "",
            started_at=v["started_at"].astimezone(tz),
            ended_at=v["ended_at"].astimezone(tz),
            seconds=seconds,
            notes=v["notes"],
            billable=v["billable"],
            amount=amount,
            updated_at=v["updated_at"],
        )


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _chunked(pieces: Iterable[str]) -> Iterator[bytes]:
    """Join small strings into larger chunks so a response is not one write per row."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= FLUSH_AT:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


# --- CSV ------------------------------------------------------------------------------------
CSV_HEADER = (
    "id",
    "date",
    "start",
    "end",
    "seconds",
    "hours",
    "duration",
    "user",
    "client",
    "project",
    "task",
    "notes",
    "billable",
    "amount",
)


def _safe_text(value: str) -> str:
    """Prefix text a spreadsheet would evaluate as a formula with an apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def csv_lines(rows: Iterable[Row]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)

    def line(values: Iterable[Any]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(values)
        return out.getvalue()

    yield line(CSV_HEADER)
    for r in rows:
        yield line(
            (
                r.id,
                r.started_at.date().isoformat(),
                r.started_at.isoformat(timespec="seconds"),
                r.ended_at.isoformat(timespec="seconds"),
                r.seconds,
                r.hours,
                _clock(r.seconds),
                _safe_text(r.user),
                _safe_text(r.client),
                _safe_text(r.project),
                _safe_text(r.task),
                _safe_text(r.notes),
                "yes" if r.billable else "no",
                "" if r.amount is None else r.amount,
            )
        )


# --- JSON -----------------------------------------------------------------------------------
def json_pieces(rows: Iterable[Row], tz: zoneinfo.ZoneInfo) -> Iterator[str]:
    """``{"timezone": ..., "entries": [...]}`` written one entry at a time."""
    yield '{"timezone": ' + json.dumps(tz.key) + ', "entries": ['
    separator = ""
    for r in rows:
        item = {
            "id": r.id,
            "user": r.user,
            "client": r.client or None,
            "project": r.project,
            "task": r.task or None,
            "started_at": r.started_at.isoformat(),
            "ended_at": r.ended_at.isoformat(),
            "seconds": r.seconds,
            "hours": float(r.hours),
            "billable": r.billable,
            "amount": None if r.amount is None else str(r.amount),
            "notes": r.notes,
        }
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ", "
    yield "]}\n"


# --- iCalendar (RFC 5545) -------------------------------------------------------------------
def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _ics_fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts) + "\r\n"


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_lines(rows: Iterable[Row], *, uid_domain: str) -> Iterator[str]:
    header = (
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//TimeTracker//Time entries//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:TimeTracker",
    )
    yield from map(_ics_fold, header)
    for r in rows:
        summary = f"{r.project} · {r.task}" if r.task else r.project
        lines = [
            "BEGIN:VEVENT",
            f"UID:time-entry-{r.id}@{uid_domain}",
            f"DTSTAMP:{_ics_time(r.updated_at)}",
            f"DTSTART:{_ics_time(r.started_at)}",
            f"DTEND:{_ics_time(r.ended_at)}",
            f"SUMMARY:{_ics_text(summary)}",
        ]
        if r.notes:
            lines.append(f"DESCRIPTION:{_ics_text(r.notes)}")
        if r.client:
            lines.append(f"CATEGORIES:{_ics_text(r.client)}")
        lines.append("END:VEVENT")
        yield from map(_ics_fold, lines)
    yield _ics_fold("END:VCALENDAR")


# --- XLSX -----------------------------------------------------------------------------------
XLSX_COLUMNS = (
    # header, width
    ("Date", 12),
    ("Start", 17),
    ("End", 17),
    ("Hours", 9),
    ("Duration", 10),
    ("User", 14),
    ("Client", 18),
    ("Project", 20),
    ("Task", 20),
    ("Notes", 40),
    ("Billable", 9),
    ("Amount", 11),
)


def xlsx_file(rows: Iterable[Row], tz: zoneinfo.ZoneInfo) -> IO[bytes]:
    """A workbook with one row per entry and a totals row, rewound and ready to send.

    Hours are numbers formatted ``0.00`` and durations are day fractions formatted
    ``[h]:mm:ss``, so both columns add up in any spreadsheet. Times are the viewer's local
    wall-clock times (spreadsheets have no time zones); the header names the zone.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Time entries")
    for index, (_, width) in enumerate(XLSX_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value: Any, number_format: str | None = None, *, text: bool = False) -> Any:
        c = WriteOnlyCell(sheet, value=value)
        if text:
            # openpyxl stores strings starting with "=" as formulas; user text never is one.
            c.data_type = "s"
        if number_format:
            c.number_format = number_format
        return c

    header = []
    for name, _ in XLSX_COLUMNS:
        c = cell(f"{name} ({tz.key})" if name in {"Start", "End"} else name, text=True)
        c.font = bold
        header.append(c)
    sheet.append(header)

    count = 0
    for r in rows:
        count += 1
        sheet.append(
            [
                cell(r.started_at.date(), "yyyy-mm-dd"),
                cell(r.started_at.replace(tzinfo=None), "yyyy-mm-dd hh:mm"),
                cell(r.ended_at.replace(tzinfo=None), "yyyy-mm-dd hh:mm"),
                cell(r.seconds / 3600, "0.00"),
                cell(r.seconds / 86400, "[h]:mm:ss"),
                cell(r.user, text=True),
                cell(r.client, text=True),
                cell(r.project, text=True),
                cell(r.task, text=True),
                cell(r.notes, text=True),
                cell(r.billable),
                cell(None if r.amount is None else float(r.amount), "#,##0.00"),
            ]
        )
    total = cell("Total", text=True)
    total.font = bold
    sums = []
    for column, number_format in (("D", "0.00"), ("E", "[h]:mm:ss")):
        c = cell(f"=SUM({column}2:{column}{count + 1})" if count else 0, number_format)
        c.font = bold
        sums.append(c)
    sheet.append([])
    sheet.append([total, None, None, *sums])

    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    workbook.save(out)
    out.seek(0)
    return out


# --- Responses ------------------------------------------------------------------------------
def export_filename(query: EntryQuery, fmt: str) -> str:
    span = "-".join(d.isoformat() for d in (query.start, query.end) if d is not None)
    return f"timetracker-entries{'-' + span if span else ''}.{fmt}"


def export_response(
    *,
    user: AbstractBaseUser,
    query: EntryQuery,
    fmt: str,
    channel: str,
    uid_domain: str,
    sender: Any,
) -> HttpResponseBase:
    """The finished entries matching ``query`` as a download in ``fmt``.

    Sends ``export_generated`` before the body is produced; the row count comes from a
    ``COUNT`` query because a streamed body is only complete after the view returned.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}")
    tz = user_timezone(user)
    qs = entries_matching(user=user, query=query, finished_only=True)
    count = qs.count()
    export_generated.send(sender=sender, user_id=user.pk, format=fmt, rows=count, channel=channel)
    filename = export_filename(query, fmt)
    rows = export_rows(qs, tz)
    if fmt == "xlsx":
        return FileResponse(
            xlsx_file(rows, tz),
            as_attachment=True,
            filename=filename,
            content_type=CONTENT_TYPES[fmt],
        )
    writers: dict[str, Callable[[], Iterator[str]]] = {
        "csv": lambda: csv_lines(rows),
        "json": lambda: json_pieces(rows, tz),
        "ics": lambda: ics_lines(rows, uid_domain=uid_domain),
    }
    response = StreamingHttpResponse(_chunked(writers[fmt]()), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Ask proxies such as nginx to pass the body on as it comes instead of buffering it.
    response["X-Accel-Buffering"] = "no"
    return response
