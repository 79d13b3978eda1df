"""Migration 0002 moves rows stored outside 1970-2199 into range before 0003 forbids them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("timers", "0001_initial")]
AFTER = [("timers", "0003_supported_range")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_out_of_range_rows_are_moved_into_range_and_reported(capsys: Any) -> None:
    old = _migrate(BEFORE)
    user = old.get_model("auth", "User").objects.create(username="legacy")
    project = old.get_model("projects", "Project").objects.create(name="Legacy")
    Entry = old.get_model("timers", "TimeEntry")
    year_one = datetime(1, 1, 1, 8, tzinfo=UTC)
    far = datetime(9999, 12, 31, 20, tzinfo=UTC)
    fine = datetime(2026, 3, 1, 9, tzinfo=UTC)
    ancient = Entry.objects.create(
        user=user, project=project, started_at=year_one, ended_at=year_one + timedelta(hours=2)
    )
    future = Entry.objects.create(user=user, project=project, started_at=far, ended_at=None)
    kept = Entry.objects.create(
        user=user, project=project, started_at=fine, ended_at=fine + timedelta(hours=1)
    )
    try:
        new = _migrate(AFTER)
        rows = {e.pk: e for e in new.get_model("timers", "TimeEntry").objects.all()}
        assert rows[ancient.pk].started_at == datetime(1970, 1, 1, tzinfo=UTC)
        assert rows[ancient.pk].ended_at - rows[ancient.pk].started_at == timedelta(hours=2)
        assert rows[future.pk].started_at < datetime(2200, 1, 1, tzinfo=UTC)
        assert rows[future.pk].ended_at is None
        assert (rows[kept.pk].started_at, rows[kept.pk].ended_at) == (fine, kept.ended_at)
        out = capsys.readouterr().out
        assert "Moved 2 time entries" in out
        assert f"{ancient.pk}, {future.pk}" in out
    finally:
        _migrate(executor_leaf_nodes())


def executor_leaf_nodes() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
