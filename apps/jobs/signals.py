"""Domain signals of the jobs app, sent on commit by ``apps.jobs.services``.

Receivers must only observe (analytics, metrics, logging); behaviour lives in the services.
"""

from __future__ import annotations

from django.dispatch import Signal

# job_created: job (Job), background (bool: queued for a worker, not run in the request)
job_created = Signal()
# job_finished: job (Job, state done or failed)
job_finished = Signal()
