"""Sending the report: one POST to PostHog's capture endpoint, bounded in time.

Never called from a request thread: the worker (``manage.py telemetry worker``) and
``manage.py telemetry send`` are the only callers, and :func:`post` refuses to run while
a request is being served. Each POST is written to the outbound ledger
(:mod:`analytics.ledger`): host, size, status; never the report itself.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone

from analytics import context, ledger
from telemetry import conf, services
from telemetry.consent import decide
from telemetry.models import Installation, Outcome, SendRecord
from telemetry.payload import report

logger = logging.getLogger("telemetry")


class RequestThreadError(RuntimeError):
    """A report was about to be sent while serving a request."""


@dataclass(frozen=True)
class Result:
    ok: bool
    http_status: int | None = None
    error: str = ""
    duration_ms: int = 0


def _user_agent() -> str:
    return f"{conf.product_name().replace(' ', '-')}-telemetry/{conf.version()}"


class Writer(Protocol):
    """Where a debug report is printed: a text stream or a command's ``self.stdout``."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


def _exchange(*, url: str, content: bytes, timeout: float) -> Result:
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked: conf.host_is_valid)
        url,
        data=content,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": _user_agent()},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read(4096)
            return Result(ok=200 <= response.status < 300, http_status=response.status)
    except urllib.error.HTTPError as exc:
        return Result(ok=False, http_status=exc.code, error=f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Result(ok=False, error=f"{type(exc).__name__}: {reason}"[:200])


def post(
    *, url: str, content: bytes, timeout: float, stop: threading.Event | None = None
) -> Result:
    """POST ``content``; give up after ``timeout`` seconds in total, or when ``stop`` is set.

    Socket time-outs bound each step of the exchange; the thread around it bounds the
    sum, so a server that trickles its answer cannot hold the caller either.
    """
    ctx = context.current()
    if ctx is not None and ctx.request is not None:
        raise RequestThreadError("telemetry is never sent from a request thread")
    started = time.monotonic()
    box: list[Result] = []

    def attempt() -> None:
        box.append(_exchange(url=url, content=content, timeout=timeout))

    thread = threading.Thread(target=attempt, name="telemetry-send", daemon=True)
    thread.start()
    deadline = started + timeout
    while thread.is_alive():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            box.append(Result(ok=False, error=f"timed out after {timeout:g} s"))
            break
        if stop is not None and stop.is_set():
            box.append(Result(ok=False, error="interrupted: the worker is stopping"))
            break
        thread.join(min(0.05, remaining))
    elapsed = int((time.monotonic() - started) * 1000)
    result = box[0]
    # In the caller's thread (its own database connection), whatever the outcome: a report
    # that timed out may still have reached the server, so it is recorded too.
    ledger.record(
        stream="telemetry",
        url=url,
        body_bytes=len(content),
        http_status=result.http_status,
        events=1,
        duration_ms=elapsed,
    )
    return Result(result.ok, result.http_status, result.error, elapsed)


def send(
    *,
    channel: str,
    install_id: object | None = None,
    stop: threading.Event | None = None,
    out: Writer | None = None,
) -> SendRecord | None:
    """Send (or with ``TELEMETRY_DEBUG`` print) the report and record it.

    Returns ``None`` without any network traffic when a consent layer says off. The
    decision is read again here, right before sending, whoever claimed the report.
    """
    installation = Installation.objects.get_solo()
    decision = decide(installation)
    if not decision.enabled or (
        install_id is not None and str(install_id) != str(installation.install_id)
    ):
        return None
    built = report(install_id=str(installation.install_id))
    if conf.debug():
        stream = out or sys.stdout
        stream.write(built.text)
        stream.flush()
        result = Result(ok=True)
        outcome = Outcome.PRINTED
    else:
        result = post(
            url=conf.capture_url(), content=built.content, timeout=conf.timeout(), stop=stop
        )
        outcome = Outcome.SENT if result.ok else Outcome.FAILED
    record = services.record_send(
        install_id=installation.install_id,
        outcome=outcome,
        sha256=built.sha256,
        channel=channel,
        http_status=result.http_status,
        error=result.error,
        duration_ms=result.duration_ms,
        now=timezone.now(),
    )
    log = logger.info if result.ok else logger.warning
    log(
        "telemetry report %s",
        outcome,
        extra={
            "outcome": str(outcome),
            "http_status": result.http_status,
            "error": result.error,
            "sha256": built.sha256,
            "duration_ms": result.duration_ms,
        },
    )
    return record
