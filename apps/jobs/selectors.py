"""Reads of jobs: a user sees their own jobs and nobody else's (others get a 404)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext

from apps.jobs.models import Job, JobState
from apps.jobs.services import job_progress


def jobs_of(user: User | AnonymousUser) -> QuerySet[Job]:
    return Job.objects.filter(owner_id=user.pk) if user.is_authenticated else Job.objects.none()


def job_for_owner(user: User | AnonymousUser, pk: int) -> Job:
    """The job ``pk`` if ``user`` owns it, else ``Http404`` (an admin is no exception)."""
    job = jobs_of(user).filter(pk=pk).first()
    if job is None:
        raise Http404(gettext("No such job."))
    return job


def job_file(job: Job) -> Path | None:
    """The job's file while it may be downloaded (done, not expired, still on disk)."""
    if job.state != JobState.DONE or not job.result_path:
        return None
    root = Path(settings.JOB_FILES_DIR).resolve()
    path = (root / job.result_path).resolve()
    # result_path is written by the services, but never trust a stored path to stay inside.
    if root not in path.parents or not path.is_file():
        return None
    return path


def job_status(job: Job, *, api: bool = False) -> dict[str, Any]:
    """The job as the status endpoints answer it (the progress poll and the API)."""
    status_name, download_name = (
        ("api-job", "api-job-download") if api else ("web:job-status", "web:job-download")
    )
    ready = job_file(job) is not None
    if job.state == JobState.RUNNING:
        # An import's writes happen in one transaction; their count lives in a file then.
        job.rows_done, job.rows_total, job.stage = job_progress(job)
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "state_label": job.get_state_display(),
        # Stored in English (the worker has no reader's language): shown in the reader's.
        "stage": gettext(job.stage) if job.stage else "",
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "finished": job.is_finished,
        "error": gettext(job.error) if job.error else "",
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "expires_at": job.expires_at.isoformat() if job.expires_at and ready else None,
        "download_url": reverse(download_name, args=[job.pk]) if ready else None,
        "status_url": reverse(status_name, args=[job.pk]),
        # An import's report (counts, problems by line), once it has run.
        "result": job.result if job.is_finished and job.result else None,
    }
