"""Analytics adapter of the jobs app: a background job was created and finished.

Kinds, states and row counts only; never file names, filters or the report's contents.
"""

from __future__ import annotations

from typing import Any

import analytics
from analytics import Bool, Bucketed, Enum, Int
from apps.jobs import signals
from apps.jobs.models import Job, JobKind, JobState

KIND = Enum("What the job does.", choices=tuple(JobKind.values))

analytics.declare(
    "job.created",
    "A user started an import or a large export as a job.",
    properties={
        "job_id": Int("Id of the job."),
        "kind": KIND,
        "background": Bool("Queued for a worker (not finished within the request)."),
    },
)
analytics.declare(
    "job.finished",
    "A job ended, with its file (if any) ready to download, or with an error.",
    properties={
        "job_id": Int("Id of the job."),
        "kind": KIND,
        "state": Enum("How it ended.", choices=(JobState.DONE.value, JobState.FAILED.value)),
        "rows": Int("Rows it handled (entries exported, rows of the imported file)."),
        "duration": Bucketed(
            "Time from its start to its end, rounded into a range.",
            bounds=(1, 5, 30, 60, 300, 900, 3600),
            unit="seconds",
        ),
    },
)


@analytics.receiver(signals.job_created)
def _job_created(*, job: Job, background: bool, **_: Any) -> None:
    analytics.emit(
        "job.created", actor_id=job.owner_id, job_id=job.pk, kind=job.kind, background=background
    )


@analytics.receiver(signals.job_finished)
def _job_finished(*, job: Job, **_: Any) -> None:
    seconds = 0
    if job.started_at is not None and job.finished_at is not None:
        seconds = max(0, int((job.finished_at - job.started_at).total_seconds()))
    analytics.emit(
        "job.finished",
        actor_id=job.owner_id,
        job_id=job.pk,
        kind=job.kind,
        state=job.state,
        rows=job.rows_total or job.rows_done,
        duration=seconds,
    )
