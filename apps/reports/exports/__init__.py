"""Exports of time entries: CSV, XLSX, JSON and iCalendar, shared by the web UI and the API.

Rows are read with ``QuerySet.values(...).iterator(chunk_size=...)``: one query (or one
server-side cursor on PostgreSQL) whatever the number of entries, and never the whole
result in memory. CSV, JSON and ICS are produced while the response is sent
(``StreamingHttpResponse``). XLSX is a zip archive whose directory is written last, so it
cannot be sent before it is complete; openpyxl's write-only mode flushes each row to a
temporary file, the finished workbook lands in a spooled temporary file, and that file is
streamed with ``FileResponse``. Memory stays bounded in every format. The writers of the
four formats are in :mod:`apps.reports.exports.formats`.

Which entries: :func:`apps.timers.selectors.entries_matching` with an ``EntryQuery``, the
one filter of the API list, the web pages and the exports (both names import from here too).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse

from apps.accounts.selectors import user_timezone
from apps.clients.currency import currency_of
from apps.core import flags
from apps.reports.exports.formats import Row, csv_lines, ics_lines, json_pieces, xlsx_file
from apps.reports.signals import export_generated
from apps.timers.models import TimeEntry
from apps.timers.selectors import EntryQuery, entries_matching

FORMATS = ("csv", "xlsx", "json", "ics")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "ics": "text/calendar; charset=utf-8",
}
# Formats behind a feature flag (apps.core.flags); CSV and JSON are always available.
FORMAT_FLAGS = {"xlsx": flags.EXPORT_XLSX, "ics": flags.EXPORT_ICS}
CHUNK_SIZE = 2000
# Streamed formats are sent in pieces of about this many characters, not one per row.
FLUSH_AT = 32 * 1024

_FIELDS = (
    "id",
    "user__username",
    "project__name",
    "project__client__name",
    "project__client__currency",
    "project__hourly_rate",
    "task__name",
    "started_at",
    "ended_at",
    "notes",
    "billable",
    "updated_at",
)


def format_enabled(request: Any, fmt: str) -> bool:
    """Whether ``fmt`` may be exported for this request (web or API)."""
    flag = FORMAT_FLAGS.get(fmt)
    return flag is None or flags.flag_is_active(request, flag)


def formats_enabled(request: Any) -> list[str]:
    return [fmt for fmt in FORMATS if format_enabled(request, fmt)]


def _tag_names(entry_ids: list[int]) -> dict[int, list[str]]:
    """The tag names of each entry (by name), one query for a chunk of entries."""
    through = TimeEntry.tags.through
    names: dict[int, list[str]] = {}
    pairs = (
        through.objects.filter(timeentry_id__in=entry_ids)
        .order_by("tag__name", "tag_id")
        .values_list("timeentry_id", "tag__name")
    )
    for entry_id, name in pairs:
        names.setdefault(entry_id, []).append(name)
    return names


def _with_tags(values: Iterator[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Each row of ``values`` with its tag names, read one chunk of rows at a time."""
    while chunk := list(islice(values, CHUNK_SIZE)):
        names = _tag_names([v["id"] for v in chunk])
        for v in chunk:
            yield v, names.get(v["id"], [])


def export_rows(qs: QuerySet[TimeEntry], tz: zoneinfo.ZoneInfo) -> Iterator[Row]:
    """The entries of ``qs`` in start order, read in chunks (no query per row): one query
    for the entries and one per chunk of ``CHUNK_SIZE`` entries for their tags."""
    values = qs.order_by("started_at", "id").values(*_FIELDS)
    for v, tags in _with_tags(values.iterator(chunk_size=CHUNK_SIZE)):
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
            currency=currency_of(v["project__client__currency"]),
            updated_at=v["updated_at"],
            tags=tuple(tags),
        )


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


# --- Responses ------------------------------------------------------------------------------
def export_filename(query: EntryQuery, fmt: str) -> str:
    span = "-".join(d.isoformat() for d in (query.start, query.end) if d is not None)
    return f"timetracker-entries{'-' + span if span else ''}.{fmt}"


def export_response(
    *,
    user: User,
    query: EntryQuery,
    fmt: str,
    channel: str,
    uid_domain: str,
    sender: Any,
    count: int | None = None,
) -> HttpResponseBase:
    """The finished entries matching ``query`` as a download in ``fmt``.

    Sends ``export_generated`` before the body is produced; the row count comes from a
    ``COUNT`` query because a streamed body is only complete after the view returned
    (or is ``count``, when the caller counted already: the web export does, to choose
    between streaming and a background job).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}")
    tz = user_timezone(user)
    qs = entries_matching(user=user, query=query, finished_only=True)
    if count is None:
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
