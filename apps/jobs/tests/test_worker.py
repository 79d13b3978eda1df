"""The real queue: django-tasks' database backend and its worker run one job end to end;
the TASKS_BACKEND setting picks the database, Redis (RQ) or immediate backend."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from apps.jobs.models import Job, JobState
from tests.factories import TimeEntryFactory

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_export(
    settings: Any, member: Any, project: Any, tmp_path: Path
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    TimeEntryFactory(user=member, project=project)
    client = Client()
    client.force_login(member)

    response = client.post("/reports/export-job.csv", {})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.state == JobState.QUEUED
    assert DBTaskResult.objects.get().status == "READY"
    assert "Waiting for a background worker" in client.get(f"/jobs/{job.pk}/").content.decode()

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.task_id == str(DBTaskResult.objects.get().id)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 200


def test_the_database_backend_is_the_default() -> None:
    # The module as it was loaded (this file's fixtures override django.conf.settings).
    from timetracker import settings as loaded

    assert loaded.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def _manage(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=tmp_path,
        env={**keep, "DATA_DIR": str(tmp_path / "data"), **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_tasks_backend_rq_switches_the_queue_to_redis(tmp_path: Path) -> None:
    code = (
        "from django_tasks import task_backends; b = task_backends['default']; "
        "print(type(b).__module__ + '.' + type(b).__qualname__)"
    )
    result = _manage(
        tmp_path, "shell", "-c", code, TASKS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:6399/0"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "django_tasks_rq.backend.RQBackend"


def test_the_redis_backend_needs_redis_url(tmp_path: Path) -> None:
    result = _manage(tmp_path, "check", TASKS_BACKEND="rq")
    assert result.returncode != 0
    assert "TASKS_BACKEND=rq needs REDIS_URL" in result.stderr
