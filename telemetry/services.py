"""Writes of the telemetry app: the decision, the schedule, and the send history."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

import analytics
from telemetry import conf
from telemetry.models import ConsentChange, Installation, Outcome, SendRecord, State
from telemetry.payload import SCHEMA_VERSION

_random = secrets.SystemRandom()


@dataclass(frozen=True)
class Change:
    installation: Installation
    changed: bool
    previous: str


def _jitter() -> timedelta:
    return timedelta(seconds=_random.uniform(0.0, conf.jitter()))


def _first_send_at(*, now: datetime) -> datetime:
    """A random moment within the jitter window, but never less than an interval after
    the last successful report: turning it off and on again must not send twice a day."""
    due = now + _jitter()
    last = (
        SendRecord.objects.filter(outcome__in=(Outcome.SENT, Outcome.PRINTED))
        .values_list("attempted_at", flat=True)
        .first()
    )
    if last is not None:
        due = max(due, last + timedelta(seconds=conf.interval()))
    return due


@transaction.atomic
def decision_set(*, state: str, channel: str, user: Any = None) -> Change:
    """Record the installation's decision, rotate the install id when it turns off, and
    fire ``telemetry.consent_changed``. Deciding what is already decided changes nothing.
    """
    if state not in (State.ON, State.OFF):
        raise ValueError(f"state must be on or off, not {state!r}")
    Installation.objects.get_solo()
    installation = Installation.objects.select_for_update().get(pk=Installation.SINGLETON_ID)
    previous = installation.state
    if previous == state and (state == State.OFF or installation.schema_version == SCHEMA_VERSION):
        return Change(installation, changed=False, previous=previous)
    now = timezone.now()
    installation.state = state
    installation.decided_by = user if getattr(user, "pk", None) else None
    installation.decided_at = now
    installation.decided_via = channel
    if state == State.ON:
        installation.schema_version = SCHEMA_VERSION
        installation.next_send_at = _first_send_at(now=now)
    else:
        installation.schema_version = None
        # A fresh id: whatever was sent under the old one can never be linked to a later
        # opt-in of the same installation.
        installation.install_id = uuid.uuid4()
        installation.next_send_at = None
    installation.consecutive_failures = 0
    installation.save()
    ConsentChange.objects.create(
        changed_at=now,
        previous=previous,
        state=state,
        channel=channel,
        changed_by=installation.decided_by,
    )
    analytics.emit(
        "telemetry.consent_changed",
        actor_id=installation.decided_by.pk if installation.decided_by else None,
        state=state,
        channel=channel,
    )
    return Change(installation, changed=True, previous=previous)


def schedule_if_missing(*, now: datetime) -> bool:
    """Give an opted-in installation without a due time one (rows from older versions)."""
    return bool(
        Installation.objects.filter(
            pk=Installation.SINGLETON_ID, state=State.ON, next_send_at__isnull=True
        ).update(next_send_at=now + _jitter())
    )


def claim_due(*, now: datetime) -> uuid.UUID | None:
    """Claim a due report: one conditional UPDATE, so of several workers exactly one wins.

    Returns the install id the report is for, or ``None`` when nothing is due (or another
    worker was faster). The next report is pushed a day (plus jitter) ahead before this
    one is sent, so a crash mid-send cannot make it send twice.
    """
    row = (
        Installation.objects.filter(pk=Installation.SINGLETON_ID, state=State.ON)
        .values_list("install_id", "next_send_at")
        .first()
    )
    if row is None or row[1] is None or row[1] > now:
        return None
    install_id = row[0]
    claimed = Installation.objects.filter(
        pk=Installation.SINGLETON_ID, state=State.ON, install_id=install_id, next_send_at__lte=now
    ).update(next_send_at=now + timedelta(seconds=conf.interval()) + _jitter())
    return install_id if claimed else None


def reschedule_now_sent(*, now: datetime) -> None:
    """After a manual send: the worker's next report is an interval away."""
    Installation.objects.filter(pk=Installation.SINGLETON_ID, state=State.ON).update(
        next_send_at=now + timedelta(seconds=conf.interval()) + _jitter()
    )


def retry_delay(*, failures: int) -> timedelta:
    """Exponential back-off: RETRY_BASE, doubling per consecutive failure, capped."""
    seconds = conf.retry_base() * 2 ** min(max(failures - 1, 0), 32)
    return timedelta(seconds=min(seconds, conf.retry_max()))


@transaction.atomic
def record_send(
    *,
    install_id: uuid.UUID,
    outcome: str,
    sha256: str,
    channel: str,
    http_status: int | None = None,
    error: str = "",
    duration_ms: int = 0,
    now: datetime | None = None,
) -> SendRecord:
    """Keep the attempt (and only the newest few), and count or clear failures.

    The update is conditional on the install id it was sent for: if someone turned
    telemetry off meanwhile, the new decision's fields are left alone.
    """
    now = now or timezone.now()
    record = SendRecord.objects.create(
        attempted_at=now,
        outcome=outcome,
        http_status=http_status,
        error=error[:200],
        payload_sha256=sha256,
        duration_ms=max(0, duration_ms),
        channel=channel,
    )
    keep = list(SendRecord.objects.values_list("id", flat=True)[: conf.history_size()])
    SendRecord.objects.exclude(id__in=keep).delete()
    current = Installation.objects.filter(pk=Installation.SINGLETON_ID, install_id=install_id)
    if outcome == Outcome.FAILED:
        current.update(consecutive_failures=F("consecutive_failures") + 1)
        failures = current.values_list("consecutive_failures", flat=True).first() or 1
        current.filter(state=State.ON).update(next_send_at=now + retry_delay(failures=failures))
    else:
        current.update(consecutive_failures=0)
    return record
