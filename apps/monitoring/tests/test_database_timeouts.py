"""A database that accepts connections but never answers cannot hold a worker.

The hung database is a local TCP server that accepts every connection and never sends a
byte (what a frozen PostgreSQL host or a black-holing proxy looks like to libpq).
"""

from __future__ import annotations

import contextlib
import copy
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from psycopg import sql
from waffle.testutils import override_switch

from apps.core import flags
from apps.monitoring import health
from tests.servers import ROOT, AppServer, app_env, free_port, running
from tests.support import missing

PG_HOST = "127.0.0.1"
PG_PORT = 5432


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A TCP port whose server accepts connections and never answers; yields the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)  # kept open, never read from or written to

    thread = threading.Thread(target=serve, name="silent-db", daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()


@contextlib.contextmanager
def postgres_alias(alias: str, *, port: int, name: str = "hung", **options: Any) -> Iterator[str]:
    """A PostgreSQL database alias next to ``default``, removed afterwards."""
    config = copy.deepcopy(connections.settings["default"])
    config.update(
        ENGINE="django.db.backends.postgresql",
        NAME=name,
        USER="postgres",
        PASSWORD="",
        HOST=PG_HOST,
        PORT=str(port),
        CONN_MAX_AGE=0,
        CONN_HEALTH_CHECKS=False,
        OPTIONS=options,
    )
    connections.settings[alias] = config
    try:
        yield alias
    finally:
        with contextlib.suppress(Exception):
            connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def _wait_for_probes() -> None:
    """Let a stuck probe thread give up (connect timeout) before the next test."""
    for run in list(health._current.values()):
        run.done.wait(15)


class TestReadinessProbe:
    def test_it_answers_not_ready_within_the_bound_when_the_database_hangs(
        self, django_db_blocker: Any
    ) -> None:
        # Outside a test transaction: the probe's thread opens its own connection.
        with (
            django_db_blocker.unblock(),
            silent_server() as port,
            postgres_alias("hung", port=port, connect_timeout=3) as alias,
        ):
            started = time.monotonic()
            ok, reason = health.database_ready(alias=alias, timeout=1.0)
            elapsed = time.monotonic() - started
            assert (ok, reason) == (False, health.TIMEOUT_REASON)
            assert elapsed < 2.5  # the bound plus slack, not the 3 s connect timeout
            # A second caller while the first probe is still stuck joins it.
            ok, reason = health.database_ready(alias=alias, timeout=0.5)
            assert (ok, reason) == (False, health.TIMEOUT_REASON)
            assert sum(t.name == "probe-ready-hung" for t in threading.enumerate()) == 1
            _wait_for_probes()
        # The stuck probe ends with the connect timeout and reports the error itself.
        assert not any(t.name == "probe-ready-hung" for t in threading.enumerate())

    def test_a_check_that_raises_reads_as_not_ready(self) -> None:
        def broken() -> Any:
            raise RuntimeError("boom")

        assert health.bounded("broken", broken, fallback="fallback", timeout=5) == "fallback"

    @pytest.mark.django_db
    def test_the_probe_leaves_the_request_threads_connection_alone(self) -> None:
        assert health.database_ready() == (True, "ok")
        # The request thread's connection is the test's own, still inside its transaction.
        assert connections["default"].connection is not None
        assert connections["default"].in_atomic_block


@pytest.mark.django_db
class TestHealthzTouchesNothing:
    """Nothing on /healthz's path reads the database: not the view, not any middleware."""

    @pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE", "BREW"])
    def test_any_method_with_a_session_and_maintenance_on(
        self, member_web: Client, method: str, django_assert_num_queries: Any
    ) -> None:
        # The switch is read from the cache or the database on a change request, the
        # session and user on a signed-in one: neither may happen here.
        cache.clear()
        with override_switch(flags.MAINTENANCE_MODE, active=True):
            cache.clear()
            with django_assert_num_queries(0):
                response = member_web.generic(method, "/healthz")
        assert response.status_code == 200

    def test_readyz_with_a_session_reads_only_the_readiness_check(
        self, member_web: Client, django_assert_num_queries: Any
    ) -> None:
        # The probe's queries run on its own thread's connection, so none are counted here.
        with django_assert_num_queries(0):
            response = member_web.post("/readyz")
        assert response.status_code == 200


def _pg_admin() -> psycopg.Connection:
    try:
        conn = psycopg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", connect_timeout=3
        )
    except psycopg.OperationalError as exc:
        missing(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}: {str(exc).strip()}")
    conn.autocommit = True
    return conn


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped afterwards."""
    name = f"tt_monitoring_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield name
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _settings_databases(tmp: Path, **env: str) -> dict[str, Any]:
    """DATABASES as settings.py builds it from this environment (in a fresh process)."""
    code = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='timetracker.settings';"
        "django.setup(); from django.conf import settings;"
        "print(json.dumps({'db': settings.DATABASES['default'],"
        " 'ready': settings.DATABASE_READINESS_TIMEOUT}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=app_env(tmp, **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


class TestSettings:
    def test_postgresql_gets_a_connect_and_a_statement_timeout(self, tmp_path: Path) -> None:
        config = _settings_databases(tmp_path, DATABASE_URL="postgres://u@db.example:5432/tt")
        assert config["db"]["OPTIONS"]["connect_timeout"] == 5
        assert config["db"]["OPTIONS"]["options"] == "-c statement_timeout=25000"
        assert config["ready"] == 2.0

    def test_the_environment_sets_them_and_url_options_are_kept(self, tmp_path: Path) -> None:
        config = _settings_databases(
            tmp_path,
            DATABASE_URL="postgres://u@db.example:5432/tt?sslmode=require&options=-c%20work_mem%3D8MB",
            DATABASE_CONNECT_TIMEOUT="3",
            DATABASE_STATEMENT_TIMEOUT="0",
            DATABASE_READINESS_TIMEOUT="0.5",
        )
        options = config["db"]["OPTIONS"]
        assert options["connect_timeout"] == 3
        assert options["sslmode"] == "require"
        assert options["options"] == "-c work_mem=8MB -c statement_timeout=0"
        assert config["ready"] == 0.5

    def test_sqlite_keeps_its_own_lock_timeout(self, tmp_path: Path) -> None:
        config = _settings_databases(tmp_path)
        assert "connect_timeout" not in config["db"]["OPTIONS"]
        assert config["db"]["OPTIONS"]["timeout"] == 20


class TestPostgreSQL:
    def test_the_server_cancels_a_statement_after_the_statement_timeout(
        self, pg_database: str, tmp_path: Path
    ) -> None:
        config = _settings_databases(
            tmp_path,
            DATABASE_URL=f"postgres://postgres@{PG_HOST}:{PG_PORT}/{pg_database}",
            DATABASE_STATEMENT_TIMEOUT="1",
        )
        options = config["db"]["OPTIONS"]
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", dbname=pg_database, **options
        ) as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("1s",)
            with pytest.raises(psycopg.errors.QueryCanceled):
                conn.execute("SELECT pg_sleep(10)")


@pytest.mark.slow
def test_under_gunicorn_healthz_answers_and_readyz_says_503_when_the_database_hangs(
    tmp_path: Path,
) -> None:
    with silent_server() as db_port:
        port = free_port()
        env = app_env(
            tmp_path,
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{db_port}/hung",
            DATABASE_CONNECT_TIMEOUT="3",
            DATABASE_READINESS_TIMEOUT="1",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="2",
        )
        for sub in ("data", "logs", "prometheus"):
            (tmp_path / sub).mkdir(parents=True, exist_ok=True)
        server = AppServer(f"http://127.0.0.1:{port}", env, tmp_path / "gunicorn.log")
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                   "--chdir", str(ROOT)]  # fmt: skip
        with running(
            command,
            name="gunicorn",
            cwd=tmp_path,
            log=server.log,
            env=env,
            timeout=60,
            ready=lambda: server.get("/healthz")[0] == 200,
        ):
            for _ in range(3):
                started = time.monotonic()
                # A browser's session cookie must not make the probe load the session.
                status, _body = server.get("/healthz", headers={"Cookie": "sessionid=abc123"})
                assert status == 200
                assert time.monotonic() - started < 2  # no wait for the 3 s connect timeout

                started = time.monotonic()
                status, body = server.get("/readyz")
                assert status == 503, body
                assert time.monotonic() - started < 3  # the 1 s bound plus slack
                assert b"database" in body
