"""Two timer starts racing for the same user (PostgreSQL only: SQLite serialises writers)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from apps.timers.models import TimeEntry
from apps.timers.services import timer_start
from tests.factories import ProjectFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_it_keeps_exactly_one_running_timer_under_concurrent_starts() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL (CI runs this there)")
    user = UserFactory()
    projects = [ProjectFactory() for _ in range(2)]
    rounds, barrier = 5, threading.Barrier(2)
    errors: list[BaseException] = []

    def start(project: Any) -> None:
        try:
            for _ in range(rounds):
                barrier.wait(timeout=10)
                timer_start(user=user, project=project)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(p,)) for p in projects]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    entries = TimeEntry.objects.filter(user=user)
    # Nothing lost: every start produced an entry, and all but one were stopped.
    assert entries.count() == 2 * rounds
    assert entries.filter(ended_at__isnull=True).count() == 1
