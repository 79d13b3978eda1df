"""The one task of the tasks framework that runs every background job (by its id)."""

from __future__ import annotations

from django_tasks import task

from apps.jobs.services import job_run, jobs_cleanup


@task()
def run_job(job_id: int) -> None:
    job_run(job_id=job_id)


@task()
def cleanup_jobs() -> int:
    return jobs_cleanup()
