from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _jobs_in_a_temporary_folder(settings: Any, tmp_path: Path) -> None:
    settings.JOB_FILES_DIR = tmp_path / "jobs"
    # Queued jobs run at once, inside the test (test_worker.py runs the real worker).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
