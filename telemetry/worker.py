"""The long-running sender behind ``manage.py telemetry worker``.

Each pass reads the decision, claims a due report with a conditional UPDATE (so of
several replicas exactly one sends), sends it, and records the outcome; a failure pushes
the next attempt forward exponentially. Between passes it sleeps on an event, so SIGTERM
ends it within moments, an in-flight send included.
"""

from __future__ import annotations

import logging
import threading

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from telemetry import conf, sender, services
from telemetry.consent import decide
from telemetry.models import Installation, SendRecord

logger = logging.getLogger("telemetry")

CHANNEL = "worker"  # how SendRecord names sends made by the worker


class Worker:
    def __init__(
        self,
        *,
        stop: threading.Event | None = None,
        poll_interval: float | None = None,
        out: sender.Writer | None = None,
    ) -> None:
        self.stop = stop or threading.Event()
        self.poll_interval = poll_interval
        self.out = out

    def tick(self) -> SendRecord | None:
        """One pass: send the report if it is due and allowed. Never raises for the
        database being unavailable (not migrated yet, restarting): the next pass retries.
        """
        if not connection.in_atomic_block:
            # Like a request: drop a connection past CONN_MAX_AGE or one that broke.
            close_old_connections()
        try:
            return self._tick()
        except DatabaseError as exc:
            logger.warning("telemetry worker: database unavailable (%s); will retry", exc)
            _close()
            return None

    def _tick(self) -> SendRecord | None:
        installation = Installation.objects.peek()
        if not decide(installation).enabled:
            return None
        now = timezone.now()
        services.schedule_if_missing(now=now)
        install_id = services.claim_due(now=now)
        if install_id is None:
            return None
        return sender.send(channel=CHANNEL, install_id=install_id, stop=self.stop, out=self.out)

    def run(self, *, passes: int | None = None) -> None:
        """Loop until :attr:`stop` is set (or for ``passes`` passes, in tests)."""
        logger.info("telemetry worker started")
        done = 0
        while not self.stop.is_set():
            self.tick()
            done += 1
            if passes is not None and done >= passes:
                break
            self.stop.wait(self.poll_interval or conf.poll_interval())
        _close()
        logger.info("telemetry worker stopped")


def _close() -> None:
    # A broken connection must not be reused by the next pass. Inside a transaction (a
    # test, or a caller's own) the connection belongs to whoever opened it.
    if not connection.in_atomic_block:
        connection.close()
