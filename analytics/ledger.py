"""The outbound ledger: every request that leaves the installation, recorded locally.

The senders (the PostHog sink's upload thread, the telemetry sender, the Sentry
transport) call :func:`record` once per HTTP request, after the answer (or the failure):
time, stream, destination host, the size of the body as it went on the wire, the HTTP
status, the number of events and the duration. Never the payload: the ledger has no
column that could hold it, and :func:`record` is never given it, only its length.

The same call counts ``<prefix>_outbound_requests_total{stream,outcome}`` and
``<prefix>_outbound_bytes_total{stream}`` in ``/metrics``. Recording never breaks or
slows a send: every failure is caught, logged and counted in
``<prefix>_outbound_ledger_errors_total``. Rows older than
``ANALYTICS_LEDGER_RETENTION_DAYS`` are pruned on write, at most once an hour per process.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.core.signals import request_finished
from django.db import router, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from prometheus_client import Counter

from analytics import conf
from analytics.models import OutboundRequest, Outcome, Stream

logger = logging.getLogger("analytics.ledger")

STREAMS: tuple[str, ...] = tuple(Stream.values)
OUTCOMES: tuple[str, ...] = tuple(Outcome.values)
PRUNE_INTERVAL = 3600.0  # seconds between two prunes in one process
# Rows recorded in the SDKs' threads wait here for drain(); beyond this the oldest go.
PENDING_MAX = 10_000
_pending: deque[OutboundRequest] = deque()
_pending_lock = threading.Lock()
SUMMARY_DAYS = 7

_prune_lock = threading.Lock()
_last_prune: float | None = None


# --- Metrics ------------------------------------------------------------------------------------


@cache
def requests_counter() -> Counter:
    return Counter(
        f"{conf.metric_prefix()}_outbound_requests",
        "HTTP requests that left the installation, by stream and outcome.",
        ["stream", "outcome"],
    )


@cache
def bytes_counter() -> Counter:
    return Counter(
        f"{conf.metric_prefix()}_outbound_bytes",
        "Request body bytes that left the installation (as sent on the wire), by stream.",
        ["stream"],
    )


@cache
def errors_counter() -> Counter:
    return Counter(
        f"{conf.metric_prefix()}_outbound_ledger_errors",
        "Outbound requests that could not be written to the ledger.",
    )


def initialise() -> None:
    """Every series at 0 (idempotent), so a fresh installation already exports them."""
    for stream in STREAMS:
        bytes_counter().labels(stream=stream)
        for outcome in OUTCOMES:
            requests_counter().labels(stream=stream, outcome=outcome)
    errors_counter()


# --- Recording ----------------------------------------------------------------------------------


def host_of(url: str | None) -> str:
    """``host[:port]`` of ``url``: never the scheme, credentials, path or query string."""
    if not url:
        return ""
    try:
        parts = urlsplit(url if "//" in url else f"//{url}")
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def outcome_for(http_status: int | None) -> str:
    if http_status is None:
        return Outcome.NETWORK_ERROR.value
    return Outcome.OK.value if 200 <= http_status < 300 else Outcome.HTTP_ERROR.value


def body_size(body: object) -> int:
    """The length in bytes of a request body as an HTTP library holds it."""
    if isinstance(body, bytes | bytearray | memoryview):
        return len(body)
    if isinstance(body, str):
        return len(body.encode("utf-8"))
    return 0


def record(
    *,
    stream: str,
    url: str | None,
    body_bytes: int,
    http_status: int | None,
    events: int = 0,
    duration_ms: int = 0,
    background: bool = False,
) -> None:
    """Count and record one outbound request; never raises.

    ``background`` is for the senders' own threads (the PostHog consumer, the Sentry
    worker): the row is kept in memory and written by the next :func:`drain` (after the
    next response, the next flush, the admin page, a telemetry send).
    """
    outcome = outcome_for(http_status)
    try:
        requests_counter().labels(stream=stream, outcome=outcome).inc()
        bytes_counter().labels(stream=stream).inc(max(0, body_bytes))
    except Exception:
        logger.exception("outbound ledger: cannot count a %s request", stream)
    try:
        row = OutboundRequest(
            at=timezone.now(),
            stream=stream,
            host=host_of(url)[:255],
            body_bytes=max(0, body_bytes),
            http_status=http_status,
            outcome=outcome,
            events=max(0, events),
            duration_ms=max(0, duration_ms),
        )
    except Exception:
        logger.warning("outbound ledger: cannot record a %s request", stream, exc_info=True)
        return
    if background:
        # An SDK's own thread: no database work there (it would contend with the requests'
        # writes on SQLite). The row waits in memory for the next drain().
        with _pending_lock:
            if len(_pending) >= PENDING_MAX:
                _pending.popleft()
                with contextlib.suppress(Exception):
                    errors_counter().inc()
            _pending.append(row)
        return
    _write([*_take_pending(), row], stream)


def _take_pending() -> list[OutboundRequest]:
    with _pending_lock:
        rows = list(_pending)
        _pending.clear()
    return rows


def drain() -> None:
    """Write the rows the senders' threads left in memory (never raises)."""
    rows = _take_pending()
    if rows:
        _write(rows, rows[-1].stream)


def _write(rows: list[OutboundRequest], stream: str) -> None:
    alias = router.db_for_write(OutboundRequest)
    try:
        # A savepoint: a failed insert must not spoil a transaction the caller is in.
        with transaction.atomic(using=alias):
            OutboundRequest.objects.using(alias).bulk_create(rows)
        _maybe_prune(timezone.now(), alias)
    except Exception:
        with contextlib.suppress(Exception):  # the log line below says it all
            errors_counter().inc(len(rows))
        logger.warning("outbound ledger: cannot record a %s request", stream, exc_info=True)


def _drain_after_request(**_: Any) -> None:
    drain()


# After each response has been sent, in the request's own thread.
request_finished.connect(_drain_after_request, dispatch_uid="analytics.ledger.drain")


def _maybe_prune(now: datetime, alias: str) -> None:
    global _last_prune
    with _prune_lock:
        moment = time.monotonic()
        if _last_prune is not None and moment - _last_prune < PRUNE_INTERVAL:
            return
        _last_prune = moment
    prune(now=now, using=alias)


def prune(*, now: datetime | None = None, using: str | None = None) -> int:
    """Delete the rows older than the retention period; returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=conf.ledger_retention_days())
    manager = OutboundRequest.objects.using(using or router.db_for_write(OutboundRequest))
    deleted, _ = manager.filter(at__lt=cutoff).delete()
    return deleted


def reset_prune_clock() -> None:
    """Let the next write prune again (tests)."""
    global _last_prune
    with _prune_lock:
        _last_prune = None


# --- Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamSummary:
    stream: str
    label: str
    requests: int
    delivered: int
    failed: int
    body_bytes: int
    events: int
    last_at: datetime | None


def summary(*, days: int = SUMMARY_DAYS, now: datetime | None = None) -> list[StreamSummary]:
    """What left in the last ``days`` days, one line per stream (zeros included)."""
    since = (now or timezone.now()) - timedelta(days=days)
    rows: dict[str, dict[str, Any]] = {
        row["stream"]: dict(row)
        for row in OutboundRequest.objects.filter(at__gte=since)
        .values("stream")
        .annotate(
            requests=Count("id"),
            delivered=Count("id", filter=Q(outcome=Outcome.OK)),
            body_bytes=Sum("body_bytes"),
            events=Sum("events"),
            last_at=Max("at"),
        )
        .order_by()
    }
    result = []
    for stream in Stream:
        row = rows.get(stream.value, {})
        requests = int(row.get("requests") or 0)
        delivered = int(row.get("delivered") or 0)
        result.append(
            StreamSummary(
                stream=stream.value,
                label=str(stream.label),
                requests=requests,
                delivered=delivered,
                failed=requests - delivered,
                body_bytes=int(row.get("body_bytes") or 0),
                events=int(row.get("events") or 0),
                last_at=row.get("last_at"),
            )
        )
    return result
