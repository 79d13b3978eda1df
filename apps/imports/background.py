"""Imports as background jobs: the upload is kept in the job's folder until it has run."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import ngettext

from apps.imports.services import import_entries
from apps.jobs.models import Job, JobKind
from apps.jobs.services import Outcome, Progress, job_create, job_input, job_run, register


def import_job_start(
    *, owner: User, fmt: str, data: bytes, options: dict[str, Any], background: bool
) -> Job:
    """Record the import as a job of ``owner``; run it now unless ``background``."""
    params = {"format": fmt, **options}
    job = job_create(
        owner=owner, kind=JobKind.IMPORT, params=params, input_data=data, background=background
    )
    if not background:
        job_run(job_id=job.pk)
        job.refresh_from_db()
    return job


def _run(job: Job, progress: Progress) -> Outcome:
    params = job.params
    report = import_entries(
        fmt=str(params.get("format", "")),
        data=job_input(job).read_bytes(),
        actor=job.owner,
        dry_run=bool(params.get("dry_run")),
        create_missing=bool(params.get("create_missing")),
        timezone_name=str(params.get("timezone", "")),
        progress=progress,
    )
    error = ""
    if report.problems_total and not report.dry_run:
        error = ngettext(
            "Nothing was imported: %(count)s row(s) cannot be imported "
            "(listed below). Fix them and upload the file again.",
            "Nothing was imported: %(count)s row(s) cannot be imported "
            "(listed below). Fix them and upload the file again.",
            report.problems_total,
        ) % {"count": report.problems_total}
    return Outcome(result=report.as_dict(), rows=report.rows, error=error)


register(JobKind.IMPORT, _run)
