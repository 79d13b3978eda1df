"""Generate a realistic data set quickly with PostgreSQL's COPY (psycopg ``cursor.copy``).

Users, clients, projects, tasks and finished time entries over a period, deterministic for
a given seed. Entries get ids in the order they started, as they would in a real
installation, so the table is physically ordered by time like a real one. The web-side
objects that need Django's hashing or signing (an admin, API tokens, sessions) are made
by :func:`accounts` through the ORM.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

TIMEZONES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo", "Europe/London")
TASKS_PER_PROJECT_MAX = 50
ROWS_PER_WRITE = 20_000
NULL = "\\N"  # COPY's text format for NULL


@dataclass(frozen=True)
class Size:
    users: int
    projects: int
    tasks: int
    entries: int
    days: int
    clients: int = 50


@dataclass
class Seeded:
    size: Size
    start: datetime
    end: datetime
    copy_seconds: float
    vacuum_seconds: float
    project_ids_by_user: dict[int, list[int]]


def _ts(moment: datetime) -> str:
    return moment.isoformat(sep=" ")


def _copy(cursor: Any, table: str, columns: str, lines: Iterator[str]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        count = 0
        for line in lines:
            buffer.write(line)
            count += 1
            if count == ROWS_PER_WRITE:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
                count = 0
        if count:
            copy.write(buffer.getvalue())


def seed(conninfo: str, size: Size, *, end: datetime, seed_value: int = 9) -> Seeded:
    """Fill an empty, migrated database; ``end`` is the end of the period (UTC)."""
    import psycopg

    rng = random.Random(seed_value)
    start = end - timedelta(days=size.days)
    now = _ts(end)
    projects_per_user = min(20, size.projects)
    by_user = {
        u: sorted(rng.sample(range(1, size.projects + 1), projects_per_user))
        for u in range(1, size.users + 1)
    }
    rates = {
        p: None if rng.random() < 0.2 else rng.randrange(40, 160)
        for p in range(1, size.projects + 1)
    }
    per_project = max(1, min(TASKS_PER_PROJECT_MAX, size.tasks // size.projects))
    tasks_per_project = per_project

    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        _copy(
            cur,
            "auth_user",
            "id, password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined",
            (
                f"{u}\t!\tf\tuser{u:03d}\t\t\tuser{u:03d}@example.com\tf\tt\t{now}\n"
                for u in range(1, size.users + 1)
            ),
        )
        _copy(
            cur,
            "accounts_profile",
            "id, user_id, timezone, role, theme, language, report_preset",
            (
                f"{u}\t{u}\t{TIMEZONES[u % len(TIMEZONES)]}\tmember\tauto\t\tthis_month\n"
                for u in range(1, size.users + 1)
            ),
        )
        _copy(
            cur,
            "clients_client",
            "id, name, archived, created_at, updated_at",
            (f"{c}\tClient {c:03d}\tf\t{now}\t{now}\n" for c in range(1, size.clients + 1)),
        )
        _copy(
            cur,
            "projects_project",
            "id, name, client_id, colour, billable, hourly_rate, budget_hours, archived, "
            "created_at, updated_at, budget_seconds_used, budget_billable_seconds_used",
            (
                f"{p}\tProject {p:04d}\t{NULL if p % 10 == 0 else (p % size.clients) + 1}\t"
                f"#3366cc\t{'f' if p % 7 == 0 else 't'}\t"
                f"{NULL if rates[p] is None else rates[p]}\t{NULL}\tf\t{now}\t{now}\t0\t0\n"
                for p in range(1, size.projects + 1)
            ),
        )
        _copy(
            cur,
            "tasks_task",
            "id, project_id, name, status, estimate_hours, created_at, updated_at",
            (
                f"{(p - 1) * tasks_per_project + k}\t{p}\tTask {k} of {p}\ttodo\t{NULL}\t"
                f"{now}\t{now}\n"
                for p in range(1, size.projects + 1)
                for k in range(1, tasks_per_project + 1)
            ),
        )
        span = size.days * 86400 - 4 * 3600
        starts = sorted(rng.randrange(span) for _ in range(size.entries))

        def entries() -> Iterator[str]:
            for entry_id, offset in enumerate(starts, start=1):
                user = rng.randrange(1, size.users + 1)
                project = rng.choice(by_user[user])
                task = NULL
                if rng.random() >= 0.15:
                    task = str((project - 1) * tasks_per_project + rng.randint(1, per_project))
                began = start + timedelta(seconds=offset)
                ended = _ts(began + timedelta(seconds=rng.randrange(300, 3 * 3600)))
                billable = "f" if project % 7 == 0 or rng.random() < 0.15 else "t"
                notes = "" if rng.random() < 0.5 else f"Work item {rng.randrange(10_000)}"
                source = "timer" if rng.random() < 0.7 else "manual"
                yield (
                    f"{entry_id}\t{user}\t{project}\t{task}\t{_ts(began)}\t{ended}\t{notes}\t"
                    f"{billable}\t{source}\t{ended}\t{ended}\n"
                )

        _copy(
            cur,
            "timers_timeentry",
            "id, user_id, project_id, task_id, started_at, ended_at, notes, billable, source, "
            "created_at, updated_at",
            entries(),
        )
        for table in (
            "auth_user",
            "accounts_profile",
            "clients_client",
            "projects_project",
            "tasks_task",
            "timers_timeentry",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
    copy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    # Statistics and the visibility map, as autovacuum would leave them on a live system.
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return Seeded(
        size=size,
        start=start,
        end=end,
        copy_seconds=copy_seconds,
        vacuum_seconds=time.perf_counter() - started,
        project_ids_by_user=by_user,
    )


@dataclass(frozen=True)
class Account:
    user_id: int
    username: str
    token: str
    session: str
    project_ids: list[int]


def accounts(seeded: Seeded, user_ids: list[int], *, admin_timezone: str = "UTC") -> list[Account]:
    """An admin (so first-run setup is done) and a token and a session for ``user_ids``.

    Runs inside Django (the driver process). The admin is returned first.
    """
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from apps.accounts.models import Profile, Role
    from apps.accounts.services import api_token_create

    user_model = get_user_model()
    admin = user_model.objects.create_superuser("bench-admin", "admin@example.com", None)
    Profile.objects.update_or_create(
        user=admin, defaults={"role": Role.ADMIN, "timezone": admin_timezone}
    )
    made = []
    for user in [admin, *user_model.objects.filter(pk__in=user_ids).order_by("pk")]:
        _token, key = api_token_create(user=user, name="bench")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        made.append(
            Account(
                user_id=user.pk,
                username=user.get_username(),
                token=key,
                session=str(session.session_key),
                project_ids=seeded.project_ids_by_user.get(user.pk, []),
            )
        )
    return made


def utc_midnight(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)
