"""The CSV exports of Toggl Track, Clockify and Kimai: their columns and how to read a row.

Each format names its columns by the headers the tool writes (matched ignoring case and
surrounding spaces; a few spellings per column). Dates and times in these files carry no
time zone: they are the exporting user's local times, so the importer is told the zone
(the importing admin's profile zone unless chosen). Nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from apps.core.limits import MAX_DATE, MIN_DATE, RANGE_PARAMS, RANGE_TEMPLATE


class RowError(ValueError):
    """A row that cannot be read; the message says why (the caller adds the line)."""


@dataclass(frozen=True)
class Format:
    key: str
    # Shown in the import form's menu and messages, in the reader's language.
    label: StrOrPromise
    # column key -> the headers that name it in this tool's export (lower case)
    headers: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    # Whether "end" is a full date + time or a time on the start's day (Kimai's "To").
    end_has_date: bool = True


COLUMNS = ("email", "client", "project", "task", "notes", "billable", "tags")
FORMATS: dict[str, Format] = {
    "toggl": Format(
        "toggl",
        _("Toggl Track (detailed report, CSV)"),
        {
            "email": ("email",),
            "client": ("client",),
            "project": ("project",),
            "task": ("task",),
            "notes": ("description",),
            "billable": ("billable",),
            "start_date": ("start date",),
            "start_time": ("start time",),
            "end_date": ("end date",),
            "end_time": ("end time",),
            "duration": ("duration",),
            "tags": ("tags",),
        },
        required=("email", "project", "start_date", "start_time"),
    ),
    "clockify": Format(
        "clockify",
        _("Clockify (detailed report, CSV)"),
        {
            "email": ("email",),
            "client": ("client",),
            "project": ("project",),
            "task": ("task",),
            "notes": ("description",),
            "billable": ("billable",),
            "start_date": ("start date",),
            "start_time": ("start time",),
            "end_date": ("end date",),
            "end_time": ("end time",),
            "duration": ("duration (h)", "duration"),
            "tags": ("tags",),
        },
        required=("email", "project", "start_date", "start_time"),
    ),
    "kimai": Format(
        "kimai",
        _("Kimai (timesheet export, CSV)"),
        {
            "email": ("e-mail", "email"),
            "client": ("customer",),
            "project": ("project",),
            "task": ("activity",),
            "notes": ("description",),
            "billable": ("billable",),
            "start_date": ("date",),
            "start_time": ("from", "begin"),
            "end_time": ("to", "end"),
            "duration": ("duration",),
            "tags": ("tags",),
        },
        required=("email", "project", "start_date", "start_time"),
        end_has_date=False,
    ),
}


@dataclass
class ParsedRow:
    line: int
    email: str
    client: str
    project: str
    task: str
    notes: str
    billable: bool | None
    started_at: datetime
    ended_at: datetime
    tags: list[str] = field(default_factory=list)


def header_map(fmt: Format, header: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
    """(column key -> index, missing required keys as header names, ignored headers)."""
    positions: dict[str, int] = {}
    wanted = {name: key for key, names in fmt.headers.items() for name in names}
    ignored: list[str] = []
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        key = wanted.get(name)
        if key is not None and key not in positions:
            positions[key] = index
        elif name:
            ignored.append(raw.strip()[:60])
    missing = [fmt.headers[key][0].capitalize() for key in fmt.required if key not in positions]
    has_end = "end_time" in positions and (not fmt.end_has_date or "end_date" in positions)
    if not has_end and "duration" not in positions:
        missing.append(gettext("End time or Duration"))
    return positions, missing, ignored


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")


def parse_date(value: str) -> date:
    text = value.strip()
    for pattern in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
        if not MIN_DATE <= parsed <= MAX_DATE:
            range_message = gettext(RANGE_TEMPLATE) % RANGE_PARAMS
            raise RowError(
                gettext("%(range)s (got %(value)s)")
                % {"range": range_message, "value": repr(text[:20])}
            )
        return parsed
    raise RowError(
        gettext("%(value)s is not a date (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY).")
        % {"value": repr(text[:20])}
    )


def parse_time(value: str) -> time:
    text = value.strip().upper()
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).time()  # noqa: DTZ007 (made aware by the caller)
        except ValueError:
            continue
    raise RowError(
        gettext("%(value)s is not a time (HH:MM, HH:MM:SS or 09:00 AM).")
        % {"value": repr(value.strip()[:20])}
    )


_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")


def _not_a_duration(text: str) -> str:
    return gettext("%(value)s is not a duration (H:MM:SS or decimal hours).") % {
        "value": repr(text[:20])
    }


def parse_duration(value: str) -> timedelta:
    """``1:30:00``, ``1:30`` or decimal hours (``1.5``, ``1,5``)."""
    text = value.strip()
    match = _CLOCK.match(text)
    if match:
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    try:
        hours_decimal = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise RowError(_not_a_duration(text)) from None
    if not hours_decimal.is_finite() or not 0 <= hours_decimal <= 1000:
        raise RowError(_not_a_duration(text))
    return timedelta(seconds=int(hours_decimal * 3600))


def parse_billable(value: str) -> bool | None:
    text = value.strip().lower()
    if text in ("yes", "true", "1", "y", "billable"):
        return True
    if text in ("no", "false", "0", "n", "non-billable", "not billable"):
        return False
    if text == "":
        return None
    raise RowError(
        gettext("Billable must be Yes or No (got %(value)s).") % {"value": repr(value.strip()[:20])}
    )


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=tz)


def _split_datetime(value: str) -> tuple[str | None, str]:
    """Kimai may write "From"/"To" as a time or as "YYYY-MM-DD HH:MM"."""
    text = value.strip()
    for sep in ("T", " "):
        head, _, tail = text.partition(sep)
        if tail and re.match(r"^\d{4}-\d{2}-\d{2}$", head):
            return head, tail
    return None, text


def parse_row(
    fmt: Format, positions: dict[str, int], cells: list[str], *, line: int, tz: ZoneInfo
) -> ParsedRow:
    def cell(key: str) -> str:
        index = positions.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    for key in fmt.required:
        if not cell(key):
            raise RowError(
                gettext("The column %(column)s is empty.")
                % {"column": repr(fmt.headers[key][0].capitalize())}
            )
    start_day_text, start_time_text = _split_datetime(cell("start_time"))
    start_day = parse_date(start_day_text or cell("start_date"))
    started_at = _local(start_day, parse_time(start_time_text), tz)
    end_time_text = cell("end_time")
    if end_time_text:
        end_day_text, end_clock = _split_datetime(end_time_text)
        if end_day_text is None and fmt.end_has_date:
            end_day_text = cell("end_date") or None
        end_day = parse_date(end_day_text) if end_day_text else start_day
        ended_at = _local(end_day, parse_time(end_clock), tz)
        if end_day_text is None and ended_at <= started_at:
            # A time on its own ("22:00" to "01:00"): the work went past midnight.
            ended_at = _local(end_day + timedelta(days=1), parse_time(end_clock), tz)
    elif cell("duration"):
        ended_at = started_at + parse_duration(cell("duration"))
    else:
        raise RowError("The row has neither an end time nor a duration.")
    tags = [t.strip() for t in re.split(r"[,;]", cell("tags")) if t.strip()]
    return ParsedRow(
        line=line,
        email=cell("email"),
        client=cell("client"),
        project=cell("project"),
        task=cell("task"),
        notes=cell("notes"),
        billable=parse_billable(cell("billable")),
        started_at=started_at,
        ended_at=ended_at,
        tags=tags,
    )
