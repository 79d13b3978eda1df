"""Writes for background jobs: create (and queue), run with progress, finish, clean up.

A job kind is handled by a function an app registers with :func:`register` in its own
``background.py``; the handler reads ``job.params``, reports progress through the
:class:`Progress` it is given and returns an :class:`Outcome`. A ``ValidationError`` from
the handler fails the job with its messages (the user's problem, shown on the job page);
any other exception fails it with a generic message and is logged for the operator.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.core.services import send_on_commit
from apps.jobs import signals
from apps.jobs.models import Job, JobKind, JobState

logger = logging.getLogger(__name__)
INPUT_NAME = "input"


@dataclass
class Outcome:
    """What a handler hands back: its report, and the file it wrote (in the job's folder)."""

    result: dict[str, Any] = field(default_factory=dict)
    file_name: str = ""  # the file's name in job_dir(job); empty when there is none
    download_name: str = ""  # the name the browser saves it under
    rows: int = 0
    # The work ended but did not succeed (an import refused for bad rows): the job fails
    # with this message and keeps its report.
    error: str = ""


Handler = Callable[[Job, "Progress"], Outcome]
_HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """Run jobs of ``kind`` with ``handler`` (called from an app's ``background.py``)."""
    if kind not in JobKind.values:
        raise ValueError(f"unknown job kind {kind!r}")
    _HANDLERS[kind] = handler


def job_dir(job: Job) -> Path:
    return Path(settings.JOB_FILES_DIR) / str(job.pk)


def job_input(job: Job) -> Path:
    return job_dir(job) / INPUT_NAME


PROGRESS_NAME = "progress"


class Progress:
    """Rows done out of rows total, written as the work goes on; at most about a hundred
    writes per stage.

    Outside a transaction each write is a small UPDATE of the job row, which a status
    request sees at once. Inside one (an import writes all its entries in a single
    transaction), nobody else could see such an UPDATE before the end, so the count goes
    to a small file in the job's folder instead, which :func:`job_progress` reads.
    """

    def __init__(self, job: Job) -> None:
        self.job = job
        self._written = 0
        self._step = 1
        self._total: int | None = None
        # Transactions open when the job started (a test's own, say) are not the handler's.
        self._depth = len(transaction.get_connection().atomic_blocks)

    def _in_handlers_transaction(self) -> bool:
        return len(transaction.get_connection().atomic_blocks) > self._depth

    def stage(self, name: str, *, total: int | None = None) -> None:
        self._written, self._step, self._total = 0, max(1, (total or 0) // 100), total
        if self._in_handlers_transaction():
            self._to_file(name, 0)
        else:
            Job.objects.filter(pk=self.job.pk).update(stage=name, rows_total=total, rows_done=0)

    def advance(self, done: int) -> None:
        if done - self._written < self._step:
            return
        self._written = done
        if self._in_handlers_transaction():
            self._to_file(None, done)
        else:
            Job.objects.filter(pk=self.job.pk).update(rows_done=done)

    def _to_file(self, stage: str | None, done: int) -> None:
        path = job_dir(self.job) / PROGRESS_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        if stage is None:
            stage = job_progress(self.job)[2] or ""
        # Written beside and renamed: a reader never sees half a line.
        partial = path.with_suffix(".part")
        partial.write_text(f"{done} {self._total or 0} {stage[:40]}")
        partial.replace(path)


def job_progress(job: Job) -> tuple[int, int | None, str]:
    """(rows done, rows total, stage) of a job, including what a transaction is writing."""
    try:
        done, total, stage = (job_dir(job) / PROGRESS_NAME).read_text().split(" ", 2)
        return int(done), int(total) or None, stage
    except (OSError, ValueError):
        return job.rows_done, job.rows_total, job.stage


def job_create(
    *,
    owner: User,
    kind: str,
    params: dict[str, Any],
    input_data: bytes | None = None,
    background: bool = True,
) -> Job:
    """Record a job; with ``background`` it is queued for a worker once this commits.

    Without ``background`` the caller runs it at once with :func:`job_run` (small work
    that a page can finish within its request). ``input_data`` (an uploaded file) is kept
    in the job's folder for the handler and deleted when the job ends.
    """
    if kind not in _HANDLERS:
        raise ValueError(f"no handler registered for job kind {kind!r}")
    jobs_cleanup()
    with transaction.atomic():
        job = Job.objects.create(owner=owner, kind=kind, params=params)
        if input_data is not None:
            folder = job_dir(job)
            folder.mkdir(parents=True, exist_ok=True)
            job_input(job).write_bytes(input_data)
        send_on_commit(signals.job_created, Job, job=job, background=background)
        if background:
            transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: Job) -> None:
    from apps.jobs.tasks import run_job

    try:
        result = run_job.enqueue(job_id=job.pk)
    except Exception:
        logger.exception("could not queue job %s", job.pk)
        _finish(
            job.pk,
            state=JobState.FAILED,
            error=gettext_noop("The job queue is unreachable; try again later."),
        )
        return
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


def _finish(job_id: int, *, state: str, error: str = "", outcome: Outcome | None = None) -> Job:
    now = timezone.now()
    changes: dict[str, Any] = {"state": state, "error": error, "finished_at": now}
    if outcome is not None:
        changes["result"] = outcome.result
        changes["rows_done"] = changes["rows_total"] = outcome.rows
        if outcome.file_name:
            changes["result_path"] = f"{job_id}/{outcome.file_name}"
            changes["result_name"] = outcome.download_name or outcome.file_name
            changes["expires_at"] = now + timedelta(hours=settings.JOB_FILE_RETENTION_HOURS)
    with transaction.atomic():
        Job.objects.filter(pk=job_id).update(**changes)
        job = Job.objects.get(pk=job_id)
        send_on_commit(signals.job_finished, Job, job=job)
    return job


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(f"{m}" for errors in exc.message_dict.values() for m in errors)
    return " ".join(exc.messages)


def job_run(*, job_id: int) -> Job | None:
    """Run a queued job to its end; ``None`` when it is not queued (taken by another worker).

    Claiming is a conditional UPDATE, so two workers (or a retry) never run one job twice.
    """
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = Job.objects.select_related("owner").get(pk=job_id)
    try:
        outcome = _HANDLERS[job.kind](job, Progress(job))
    except ValidationError as exc:
        shutil.rmtree(job_dir(job), ignore_errors=True)
        return _finish(job_id, state=JobState.FAILED, error=_messages(exc))
    except Exception:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        shutil.rmtree(job_dir(job), ignore_errors=True)
        return _finish(
            job_id,
            state=JobState.FAILED,
            error=gettext_noop(
                "The job failed unexpectedly; the administrator can find the cause in the log."
            ),
        )
    finally:
        job_input(job).unlink(missing_ok=True)
        (job_dir(job) / PROGRESS_NAME).unlink(missing_ok=True)
    if outcome.error:
        return _finish(job_id, state=JobState.FAILED, error=outcome.error, outcome=outcome)
    return _finish(job_id, state=JobState.DONE, outcome=outcome)


def jobs_cleanup(*, now: datetime | None = None) -> int:
    """Delete the files of jobs past ``expires_at``; return how many jobs lost their file.

    The job rows stay (state ``expired``) so the owner's page says what happened.
    """
    now = now or timezone.now()
    expired = list(
        Job.objects.filter(expires_at__lte=now, state=JobState.DONE).values_list("pk", flat=True)
    )
    for pk in expired:
        shutil.rmtree(Path(settings.JOB_FILES_DIR) / str(pk), ignore_errors=True)
    if expired:
        Job.objects.filter(pk__in=expired).update(state=JobState.EXPIRED, result_path="")
    return len(expired)
