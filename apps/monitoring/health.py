"""Readiness: is the database reachable, and is its schema up to date?

The check runs in a thread of its own and the caller waits at most
``DATABASE_READINESS_TIMEOUT`` seconds for it, so a database that accepts connections but
never answers makes ``/readyz`` say 503 quickly instead of holding the worker until
gunicorn kills it. The thread has its own connection (Django's connections are per
thread), closed when it ends, so a stuck probe never poisons the worker's connection.
At most one probe runs per process: callers that come while it is still stuck wait for
that one rather than start another, so stuck threads cannot pile up (each is bounded by
``DATABASE_CONNECT_TIMEOUT`` anyway when the database never answers the connection).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)
T = TypeVar("T")

TIMEOUT_REASON = "database timeout"
UNAVAILABLE_REASON = "database unavailable"

# Once every migration is applied it stays so for this process (new code means a new
# process), so the comparatively costly migration check runs until it first succeeds.
_migrations_applied = False


@dataclass
class _Run:
    thread: threading.Thread | None = None
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    # Started ahead by start_database_ready(): the next caller takes this run's result even
    # when it has finished already, instead of starting another.
    unclaimed: bool = False
    started: float = field(default_factory=time.monotonic)


_lock = threading.Lock()
_current: dict[str, _Run] = {}


def readiness_timeout() -> float:
    return float(getattr(settings, "DATABASE_READINESS_TIMEOUT", 2.0))


def _start(key: str, check: Callable[[], Any], *, ahead: bool = False) -> _Run:
    """The running probe of ``key``, or a new one in its own thread."""
    with _lock:
        run = _current.get(key)
        if run is not None and not run.done.is_set():
            return run
        fresh = run is not None and time.monotonic() - run.started < readiness_timeout()
        if run is not None and run.unclaimed and fresh and not ahead:
            run.unclaimed = False
            return run
        run = _Run(unclaimed=ahead)

        def target(run: _Run = run) -> None:
            try:
                run.result = check()
            finally:
                # Only this thread's connections: the worker's own stay as they are.
                connections.close_all()
                run.done.set()

        run.thread = threading.Thread(target=target, name=f"probe-{key}", daemon=True)
        _current[key] = run
        run.thread.start()
    return run


def _run_in_thread(key: str, check: Callable[[], Any], fallback: Any, timeout: float) -> Any:
    """``check()`` in a probe thread; ``fallback`` when it takes longer than ``timeout``."""
    run = _start(key, check)
    with _lock:
        run.unclaimed = False
    if not run.done.wait(timeout):
        logger.warning("readiness check: no answer from the database within %.1fs", timeout)
        return fallback
    return run.result


def check_database(alias: str = DEFAULT_DB_ALIAS) -> tuple[bool, str]:
    """The check itself, unbounded: reachable and migrated; never raises a DatabaseError."""
    global _migrations_applied
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                return False, f"{len(plan)} migrations not applied"
            _migrations_applied = True
    except DatabaseError as exc:
        logger.warning("readiness check: database unavailable: %s", exc.__class__.__name__)
        return False, UNAVAILABLE_REASON
    return True, "ok"


def database_ready(
    *, alias: str = DEFAULT_DB_ALIAS, timeout: float | None = None
) -> tuple[bool, str]:
    """``(True, "ok")`` or ``(False, reason)`` within ``timeout`` seconds; never raises."""
    return bounded(
        f"ready-{alias}",
        lambda: check_database(alias),
        fallback=(False, TIMEOUT_REASON),
        timeout=timeout,
    )


def start_database_ready(*, alias: str = DEFAULT_DB_ALIAS) -> None:
    """Start :func:`database_ready`'s check now; the next call takes its answer.

    ``/metrics`` calls this before merging the workers' metric files, so the database's
    answer (a new connection in the probe thread) comes while the merge runs rather than
    after it. The answer is at most one scrape old: it is taken by the same request.
    """
    key = f"ready-{alias}"
    _start(key, _guarded(key, lambda: check_database(alias), (False, TIMEOUT_REASON)), ahead=True)


def _guarded(key: str, check: Callable[[], T], fallback: T) -> Callable[[], T]:
    def guarded() -> T:
        try:
            return check()
        except Exception:
            # A probe answers "not ready"; it never raises into the request.
            logger.exception("readiness check %s failed", key)
            return fallback

    return guarded


def bounded(key: str, check: Callable[[], T], *, fallback: T, timeout: float | None) -> T:
    """Run a database ``check`` with the readiness bound; ``fallback`` if it errs or hangs."""
    limit = readiness_timeout() if timeout is None else timeout
    return cast(T, _run_in_thread(key, _guarded(key, check, fallback), fallback, limit))
