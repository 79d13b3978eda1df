"""Large exports as background jobs: the same rows and writers as the streamed exports,
written to a file in the job's folder with progress, for the owner to download.

The web export hands off to a job above ``EXPORT_BACKGROUND_ROWS`` entries; the API when
asked (``async=true``). Smaller exports stay synchronous and streamed
(:func:`apps.reports.exports.export_response`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.accounts.selectors import user_timezone
from apps.jobs.models import Job, JobKind
from apps.jobs.services import Outcome, Progress, job_create, job_dir, register
from apps.reports.exports import FORMATS, export_filename, export_rows
from apps.reports.exports.formats import Row, csv_lines, ics_lines, json_pieces, xlsx_file
from apps.reports.signals import export_generated
from apps.timers.selectors import EntryQuery, entries_matching


def export_job_start(
    *, owner: User, query: EntryQuery, fmt: str, channel: str, uid_domain: str
) -> Job:
    """Queue the export of the entries ``query`` matches; the job page shows its progress."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}")
    params = {
        "format": fmt,
        # Pairs, since a filter may repeat (?tag=1&tag=2).
        "filters": query.as_query_items(),
        "channel": channel,
        "uid_domain": uid_domain[:255],
    }
    return job_create(owner=owner, kind=JobKind.EXPORT, params=params)


def _query(filters: Any) -> EntryQuery:
    # The filters were valid when the job was created; read them back through the same
    # serializer as the API (a job row edited by hand cannot widen what its owner sees:
    # entries_matching still applies the owner's permissions).
    from apps.timers.api import EntryFilterSerializer

    data = QueryDict(mutable=True)
    for pair in filters if isinstance(filters, list) else []:
        if isinstance(pair, list) and len(pair) == 2:
            data.appendlist(str(pair[0]), str(pair[1]))
    serializer = EntryFilterSerializer(data=data)
    if not serializer.is_valid():
        raise ValidationError(_("The export's filters are no longer valid; start it again."))
    return serializer.entry_query()


def _counted(rows: Iterator[Row], progress: Progress) -> Iterator[Row]:
    for done, row in enumerate(rows, start=1):
        yield row
        progress.advance(done)


def _run(job: Job, progress: Progress) -> Outcome:
    params = job.params
    fmt = str(params.get("format"))
    if fmt not in FORMATS:
        raise ValidationError(_("Unknown export format."))
    query = _query(params.get("filters"))
    user = job.owner
    tz = user_timezone(user)
    qs = entries_matching(user=user, query=query, finished_only=True)
    total = qs.count()
    # Stored with the job and shown on its page: marked here, translated where it is shown.
    progress.stage(gettext_noop("Writing the file"), total=total)
    rows = _counted(export_rows(qs, tz), progress)
    folder = job_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    name = export_filename(query, fmt)
    path = folder / name
    if fmt == "xlsx":
        with xlsx_file(rows, tz) as workbook, path.open("wb") as out:
            shutil.copyfileobj(workbook, out)
    else:
        pieces = {
            "csv": lambda: csv_lines(rows),
            "json": lambda: json_pieces(rows, tz),
            "ics": lambda: ics_lines(
                rows, uid_domain=str(params.get("uid_domain") or "timetracker")
            ),
        }[fmt]()
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(pieces)
    channel = params.get("channel") if params.get("channel") in ("web", "api") else "web"
    export_generated.send(sender=Job, user_id=user.pk, format=fmt, rows=total, channel=channel)
    return Outcome(file_name=name, download_name=name, rows=total)


register(JobKind.EXPORT, _run)
