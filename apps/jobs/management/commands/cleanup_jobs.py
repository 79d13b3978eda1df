"""``manage.py cleanup_jobs``: delete the files of background jobs past their retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.jobs.services import jobs_cleanup


class Command(BaseCommand):
    help = "Delete job files (exports, reports) kept longer than JOB_FILE_RETENTION_HOURS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = jobs_cleanup()
        self.stdout.write(f"Deleted the files of {count} expired job(s).")
