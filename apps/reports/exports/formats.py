"""The four export formats, each written from an iterable of :class:`Row` objects.

Every writer consumes its rows one at a time, so none of them holds a whole export: CSV,
JSON and ICS yield text as they go; XLSX appends to openpyxl's write-only worksheet, which
spills rows to a temporary file.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from apps.core.limits import printable

# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The finished workbook stays in memory up to this size, then moves to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024


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
    tags: tuple[str, ...] = ()
    # The currency of the project's amounts: its client's, else the installation's.
    currency: str = ""

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.seconds) / 3600).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def tag_text(self) -> str:
        """The tag names in one cell: ``"client call, urgent"``."""
        return ", ".join(self.tags)


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


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
    "currency",
    "tags",
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
                _safe_text(printable(r.currency)),
                _safe_text(r.tag_text),
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
            "currency": r.currency,
            "notes": r.notes,
            "tags": list(r.tags),
        }
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ", "
    yield "]}\n"


# --- iCalendar (RFC 5545) -------------------------------------------------------------------
def _ics_text(value: str) -> str:
    # RFC 5545 TEXT holds no control characters but tab (icalendar escapes line breaks).
    return printable(value)


def ics_lines(rows: Iterable[Row], *, uid_domain: str) -> Iterator[str]:
    """A calendar written one event at a time: icalendar escapes and folds each event,
    and the calendar's own lines are sent around them, so no export is held whole."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//TimeTracker//Time entries//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "TimeTracker")
    head, end = calendar.to_ical().decode().rsplit("END:VCALENDAR", 1)
    yield head
    for r in rows:
        event = Event()
        event.add("uid", f"time-entry-{r.id}@{uid_domain}")
        event.add("dtstamp", r.updated_at.astimezone(UTC))
        event.add("dtstart", r.started_at.astimezone(UTC))
        event.add("dtend", r.ended_at.astimezone(UTC))
        event.add("summary", _ics_text(f"{r.project} · {r.task}" if r.task else r.project))
        if r.notes:
            event.add("description", _ics_text(r.notes))
        # CATEGORIES: the client first (as before tags existed), then the entry's tags.
        categories = [_ics_text(name) for name in (r.client, *r.tags) if _ics_text(name)]
        if categories:
            event.add("categories", categories)
        yield event.to_ical().decode()
    yield "END:VCALENDAR" + end


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
    ("Currency", 9),
    ("Tags", 24),
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
        if text and isinstance(value, str):
            # XML 1.0 (and so XLSX) cannot hold most control characters: openpyxl raises
            # on them. Rows stored before the text rule, or by hand, may still have them.
            value = printable(value)
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
                cell(r.currency, text=True),
                cell(r.tag_text, text=True),
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
