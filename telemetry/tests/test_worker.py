"""The worker: sends when due, once across replicas, backs off, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from analytics.testutils import FakePostHog
from telemetry.models import Installation, Outcome, SendRecord
from telemetry.payload import report
from telemetry.testutils import opt_in
from telemetry.worker import Worker

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_it_sends_the_due_report_once_then_waits_a_day(reporting: FakePostHog) -> None:
    opt_in()
    expected = report(install_id=str(Installation.objects.get_solo().install_id)).content
    Worker(poll_interval=0.01).run(passes=5)
    (request,) = reporting.requests
    assert request.raw == expected
    due = Installation.objects.get_solo().next_send_at
    assert due is not None
    assert due > timezone.now() + timedelta(hours=23)


@pytest.mark.django_db
def test_it_sends_nothing_before_the_report_is_due(reporting: FakePostHog) -> None:
    opt_in(due=False)
    Installation.objects.update(next_send_at=timezone.now() + timedelta(minutes=5))
    Worker(poll_interval=0.01).run(passes=3)
    assert reporting.requests == []


@pytest.mark.django_db
def test_it_backs_off_after_a_failure(reporting: FakePostHog, settings: Any) -> None:
    reporting.mode = "error"
    settings.TELEMETRY_RETRY_BASE = 120
    opt_in()
    Worker(poll_interval=0.01).run(passes=3)
    assert len(reporting.requests) == 1
    installation = Installation.objects.get_solo()
    assert installation.consecutive_failures == 1
    assert installation.next_send_at is not None
    remaining = (installation.next_send_at - timezone.now()).total_seconds()
    assert 100 < remaining <= 120


@pytest.mark.django_db
def test_a_hanging_endpoint_does_not_hold_the_worker_past_its_timeout(
    reporting: FakePostHog, settings: Any
) -> None:
    reporting.mode = "hang"
    settings.TELEMETRY_TIMEOUT = 0.3
    opt_in()
    started = time.monotonic()
    Worker(poll_interval=0.01).run(passes=1)
    assert time.monotonic() - started < 1.0
    (record,) = SendRecord.objects.all()
    assert record.outcome == Outcome.FAILED
    assert "timed out" in record.error


@pytest.mark.django_db
def test_stopping_interrupts_a_send_in_flight(reporting: FakePostHog, settings: Any) -> None:
    reporting.mode = "hang"
    settings.TELEMETRY_TIMEOUT = 5.0
    opt_in()
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    Worker(stop=stop, poll_interval=10).run()
    assert time.monotonic() - started < 1.0
    assert "interrupted" in SendRecord.objects.get().error


@pytest.mark.django_db
def test_a_database_that_is_not_ready_does_not_kill_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import OperationalError

    def broken() -> Installation:
        raise OperationalError("no such table: telemetry_installation")

    monkeypatch.setattr(Installation.objects, "peek", broken)
    assert Worker().tick() is None


@pytest.mark.django_db(transaction=True)
def test_two_workers_started_together_send_once(
    reporting: FakePostHog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What is tested is the claim between two workers. The outbound ledger's own insert
    # from each thread adds a writer that, on the suite's in-memory shared-cache SQLite
    # (where a table lock fails at once instead of waiting like a file database), can make
    # the other thread's save fail under load; the ledger has its own tests.
    from analytics import ledger

    monkeypatch.setattr(ledger, "record", lambda **kwargs: None)
    opt_in()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=5)
            Worker(poll_interval=0.01).run(passes=10)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert errors == []
    assert len(reporting.requests) == 1
    assert SendRecord.objects.count() == 1


@pytest.mark.slow
def test_the_command_exits_promptly_on_sigterm(tmp_path: Path) -> None:
    # A fresh, unmigrated database: the worker keeps waiting for it, and must still stop.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DATA_DIR=str(tmp_path),
        LOG_DIR=str(tmp_path / "logs"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        LOG_FORMAT="json",
    )
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "telemetry", "worker"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        assert process.stdout is not None
        while b"telemetry worker started" not in process.stdout.readline():
            assert time.monotonic() < deadline
            assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert process.wait(timeout=5) == 0
        assert time.monotonic() - started < 2.0
        assert b"telemetry worker stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
