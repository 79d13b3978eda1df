"""The test database and the servers' databases come from one migrated template.

``tests/servers.py`` migrates once per state of the code (``_schema_key``) and the root
``conftest.py`` fills the in-memory SQLite test database from that copy. These tests
check that the copy is a fully migrated database and that the key follows what a
migrate depends on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import servers


@pytest.mark.django_db
def test_the_test_database_has_every_migration_applied() -> None:
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(leaves) == []
    applied = executor.loader.applied_migrations
    assert set(executor.loader.disk_migrations) <= set(applied)


def test_the_template_key_follows_the_code_and_the_configuration(
    tmp_path: Path, monkeypatch: Any
) -> None:
    (tmp_path / "apps" / "things" / "migrations").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    migration = tmp_path / "apps" / "things" / "migrations" / "0001_initial.py"
    migration.write_text("operations = []\n", encoding="utf-8")
    (tmp_path / "tests" / "test_things.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(servers, "ROOT", tmp_path)
    monkeypatch.delenv("TIMETRACKER_CURRENCY", raising=False)
    key = servers._schema_key()
    assert servers._schema_key() == key  # the same state, the same template

    (tmp_path / "tests" / "test_things.py").write_text("x = 2\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text("y = 1\n", encoding="utf-8")
    assert servers._schema_key() == key  # tests never change what migrate makes

    migration.write_text("operations = [1]\n", encoding="utf-8")
    changed = servers._schema_key()
    assert changed != key
    monkeypatch.setenv("TIMETRACKER_CURRENCY", "CHF")
    assert servers._schema_key() != changed
    monkeypatch.delenv("TIMETRACKER_CURRENCY")
    (tmp_path / ".env").write_text("TIMETRACKER_CURRENCY=CHF\n", encoding="utf-8")
    assert servers._schema_key() != changed
