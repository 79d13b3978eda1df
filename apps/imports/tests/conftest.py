from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture(autouse=True)
def _jobs_in_a_temporary_folder(settings: Any, tmp_path: Path) -> None:
    settings.JOB_FILES_DIR = tmp_path / "jobs"
    # Queued jobs run at once, inside the test (the worker itself is tested in apps.jobs).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
