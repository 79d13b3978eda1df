"""docker/entrypoint.sh, run outside a container against the local PostgreSQL.

Each PostgreSQL test works in a database of its own, created and dropped here (trust
authentication as user ``postgres`` on 127.0.0.1:5432, as ``.ci/run`` and the CI service
container provide). Without that server those tests skip locally and fail in CI.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import psycopg
import pytest
from psycopg import sql

from tests.delivery.helpers import ENTRYPOINT, REPO_ROOT
from tests.support import missing

pytestmark = pytest.mark.slow

PG_HOST = "127.0.0.1"
PG_PORT = 5432
EXEC_PROBE = "import os; print('exec-ok', os.getpid())"


def _migration_lock_id() -> int:
    spec = importlib.util.spec_from_file_location(
        "prepare_db", REPO_ROOT / "docker" / "prepare_db.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return int(module.MIGRATION_LOCK_ID)


def pg_url(database: str, port: int = PG_PORT) -> str:
    return f"postgres://postgres@{PG_HOST}:{port}/{database}"


def environment(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """A small, explicit environment: this checkout's Python first on PATH."""
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DEBUG": "true",
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_DIR": str(tmp_path / "logs"),
        "DATABASE_URL": database_url,
        **extra,
    }


class Run:
    """The entrypoint running in the background; its output is collected line by line."""

    def __init__(self, env: dict[str, str], *command: str) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [str(ENTRYPOINT), *command],
            cwd=env["HOME"],  # the script must find the app from anywhere
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._readers = [
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True)
            for stream, lines in (
                (self.proc.stdout, self.stdout_lines),
                (self.proc.stderr, self.stderr_lines),
            )
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _collect(stream: IO[str] | None, lines: list[str]) -> None:
        assert stream is not None
        for line in stream:
            lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_lines)

    def wait_for_stderr(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.stderr:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.finish(timeout=5)
                if text in self.stderr:
                    return
                pytest.fail(f"never printed {text!r}; stderr:\n{self.stderr}")
            time.sleep(0.05)

    def finish(self, timeout: float = 60) -> tuple[int, str, float]:
        """Exit status, stdout and seconds since start."""
        try:
            self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for reader in self._readers:
                reader.join(timeout=5)
        return self.proc.returncode, "".join(self.stdout_lines), time.monotonic() - self.started


def run(env: dict[str, str], *command: str, timeout: float = 60) -> tuple[int, str, str, float]:
    started = time.monotonic()
    proc = subprocess.run(
        [str(ENTRYPOINT), *command],
        cwd=env["HOME"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started


@pytest.fixture
def pg_admin() -> Iterator[psycopg.Connection]:
    try:
        conn = psycopg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", connect_timeout=3
        )
    except psycopg.OperationalError as exc:
        missing(
            f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT} as user postgres "
            f"with trust authentication: {str(exc).strip()}"
        )
    conn.autocommit = True
    with conn:
        yield conn


@pytest.fixture
def database(pg_admin: psycopg.Connection) -> Iterator[str]:
    """The name of a database that does not exist yet; dropped after the test."""
    name = f"tt_entrypoint_{uuid.uuid4().hex[:12]}"
    yield name
    pg_admin.execute(
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    )


def create(pg_admin: psycopg.Connection, name: str) -> None:
    pg_admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def tables(name: str) -> set[str]:
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname=name) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


def applied_apps(name: str) -> set[str]:
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname=name) as conn:
        return {row[0] for row in conn.execute("SELECT DISTINCT app FROM django_migrations")}


def test_it_waits_for_the_database_then_migrates_and_execs(
    tmp_path: Path, pg_admin: psycopg.Connection, database: str
) -> None:
    # The database does not exist yet: the entrypoint keeps trying until it does.
    running = Run(environment(tmp_path, pg_url(database)), "python", "-c", EXEC_PROBE)
    running.wait_for_stderr("waiting up to 60s for PostgreSQL")
    create(pg_admin, database)
    status, stdout, _ = running.finish()

    assert status == 0, running.stderr
    assert "is ready" in running.stderr
    # exec: the command replaced the shell, in the same process.
    assert stdout.splitlines()[-1] == f"exec-ok {running.proc.pid}"
    assert {"django_migrations", "auth_user", "timers_timeentry", "projects_project"} <= tables(
        database
    )
    assert {"accounts", "clients", "projects", "tasks", "timers"} <= applied_apps(database)


def test_it_skips_migrations_when_told_to(
    tmp_path: Path, pg_admin: psycopg.Connection, database: str
) -> None:
    create(pg_admin, database)
    env = environment(tmp_path, pg_url(database), RUN_MIGRATIONS="false")
    status, stdout, stderr, _ = run(env, "python", "-c", EXEC_PROBE)
    assert status == 0, stderr
    assert "RUN_MIGRATIONS=false: not applying migrations" in stderr
    assert stdout.startswith("exec-ok ")
    assert tables(database) == set()


def test_replicas_take_turns_applying_migrations(
    tmp_path: Path, pg_admin: psycopg.Connection, database: str
) -> None:
    create(pg_admin, database)
    # Another "replica" holds the migration lock (advisory locks are per database).
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user="postgres", dbname=database, autocommit=True
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [_migration_lock_id()])
        running = Run(environment(tmp_path, pg_url(database)), "python", "-c", EXEC_PROBE)
        running.wait_for_stderr("another container is applying migrations")
        assert "django_migrations" not in tables(database)
    # Closing the session released the lock.
    status, stdout, _ = running.finish()
    assert status == 0, running.stderr
    assert stdout.splitlines()[-1].startswith("exec-ok ")
    assert "auth_user" in tables(database)


def test_it_gives_up_on_an_unreachable_database_within_the_bound(tmp_path: Path) -> None:
    # Nothing listens on port 1: every attempt is refused at once.
    env = environment(tmp_path, pg_url("nowhere", port=1), DB_WAIT_TIMEOUT="2")
    status, stdout, stderr, elapsed = run(env, "python", "-c", EXEC_PROBE, timeout=30)
    assert status == 1
    assert "PostgreSQL at 127.0.0.1:1/nowhere is not reachable after 2s" in stderr
    assert "exec-ok" not in stdout
    # Two seconds of retries plus Django's start-up; well under the subprocess timeout.
    assert 2 <= elapsed < 15


def test_it_migrates_sqlite_too(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    status, stdout, stderr, _ = run(
        environment(tmp_path, f"sqlite:///{db}"), "python", "-c", EXEC_PROBE
    )
    assert status == 0, stderr
    assert stdout.splitlines()[-1].startswith("exec-ok ")
    assert db.is_file()


def test_a_bad_setting_stops_it_with_the_variable_named(tmp_path: Path) -> None:
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", RUN_MIGRATIONS="maybe")
    status, stdout, stderr, _ = run(env, "python", "-c", EXEC_PROBE)
    assert status == 2
    assert "invalid configuration: RUN_MIGRATIONS: expected true or false" in stderr
    assert "exec-ok" not in stdout


def test_it_needs_a_command(tmp_path: Path) -> None:
    status, _, stderr, _ = run(environment(tmp_path, "sqlite:///unused.sqlite3"))
    assert status == 64
    assert "no command given" in stderr
