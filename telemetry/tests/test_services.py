"""The decision, the schedule and the history, as the worker and the pages use them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from analytics.testutils import CapturedEvents
from telemetry import services
from telemetry.models import Channel, ConsentChange, Installation, Outcome, SendRecord, State
from telemetry.payload import SCHEMA_VERSION
from telemetry.testutils import opt_in

pytestmark = pytest.mark.django_db


def test_the_singleton_starts_undecided_with_a_random_id() -> None:
    installation = Installation.objects.get_solo()
    assert installation.state == State.UNDECIDED
    assert installation.install_id.version == 4
    assert Installation.objects.get_solo().install_id == installation.install_id


def test_there_can_be_only_one_row() -> None:
    from django.db import IntegrityError, transaction

    Installation.objects.get_solo()
    with pytest.raises(IntegrityError), transaction.atomic():
        Installation.objects.create(id=2)


def test_turning_it_on_records_who_when_where_and_the_schema_version(admin: Any) -> None:
    change = services.decision_set(state=State.ON, channel=Channel.ADMIN, user=admin)
    installation = Installation.objects.get_solo()
    assert change.changed
    assert change.previous == State.UNDECIDED
    assert installation.state == State.ON
    assert installation.decided_by == admin
    assert installation.decided_via == Channel.ADMIN
    assert installation.schema_version == SCHEMA_VERSION
    assert installation.decided_at is not None
    (logged,) = ConsentChange.objects.all()
    assert (logged.previous, logged.state, logged.channel, logged.changed_by) == (
        "undecided",
        "on",
        "admin",
        admin,
    )


def test_turning_it_off_replaces_the_install_id() -> None:
    before = opt_in().install_id
    services.decision_set(state=State.OFF, channel=Channel.COMMAND)
    installation = Installation.objects.get_solo()
    assert installation.state == State.OFF
    assert installation.install_id != before
    assert installation.next_send_at is None
    assert installation.schema_version is None


def test_each_change_fires_consent_changed_once_after_commit(
    analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_set(state=State.ON, channel=Channel.COMMAND)
        services.decision_set(state=State.ON, channel=Channel.COMMAND)  # no change
        services.decision_set(state=State.OFF, channel=Channel.SETUP)
    assert analytics_events.names == ["telemetry.consent_changed"] * 2
    assert [dict(e.properties) for e in analytics_events] == [
        {"state": "on", "channel": "command"},
        {"state": "off", "channel": "setup"},
    ]
    assert ConsentChange.objects.count() == 2


def test_an_opt_in_schedules_the_first_report_within_the_jitter(settings: Any) -> None:
    settings.TELEMETRY_JITTER = 600
    before = timezone.now()
    services.decision_set(state=State.ON, channel=Channel.COMMAND)
    due = Installation.objects.get_solo().next_send_at
    assert due is not None
    assert before <= due <= timezone.now() + timedelta(seconds=600)


def test_off_and_on_again_does_not_send_twice_within_the_interval(settings: Any) -> None:
    settings.TELEMETRY_JITTER = 0
    installation = opt_in()
    sent_at = timezone.now()
    services.record_send(
        install_id=installation.install_id, outcome=Outcome.SENT, sha256="0" * 64,
        channel="worker", now=sent_at,
    )  # fmt: skip
    services.decision_set(state=State.OFF, channel=Channel.COMMAND)
    services.decision_set(state=State.ON, channel=Channel.COMMAND)
    due = Installation.objects.get_solo().next_send_at
    assert due is not None
    assert due >= sent_at + timedelta(days=1)


def test_only_one_claim_of_a_due_report_wins(settings: Any) -> None:
    settings.TELEMETRY_JITTER = 0
    installation = opt_in()
    now = timezone.now()
    assert services.claim_due(now=now) == installation.install_id
    assert services.claim_due(now=now) is None
    due = Installation.objects.get_solo().next_send_at
    assert due == now + timedelta(days=1)


def test_nothing_is_claimed_when_off_or_not_due() -> None:
    assert services.claim_due(now=timezone.now()) is None
    opt_in(due=False)
    Installation.objects.update(next_send_at=timezone.now() + timedelta(hours=1))
    assert services.claim_due(now=timezone.now()) is None


def test_failures_push_the_next_attempt_forward_exponentially_up_to_a_cap(settings: Any) -> None:
    settings.TELEMETRY_RETRY_BASE = 60
    settings.TELEMETRY_RETRY_MAX = 300
    installation = opt_in()
    now = timezone.now()
    delays = []
    for _ in range(5):
        services.record_send(
            install_id=installation.install_id, outcome=Outcome.FAILED, sha256="0" * 64,
            channel="worker", now=now,
        )  # fmt: skip
        due = Installation.objects.get_solo().next_send_at
        assert due is not None
        delays.append((due - now).total_seconds())
    assert delays == [60, 120, 240, 300, 300]
    assert Installation.objects.get_solo().consecutive_failures == 5
    services.record_send(
        install_id=installation.install_id, outcome=Outcome.SENT, sha256="0" * 64,
        channel="worker", now=now,
    )  # fmt: skip
    assert Installation.objects.get_solo().consecutive_failures == 0


def test_only_the_last_20_sends_are_kept() -> None:
    installation = opt_in()
    start = timezone.now()
    for n in range(25):
        services.record_send(
            install_id=installation.install_id, outcome=Outcome.SENT, sha256=f"{n:064d}",
            channel="worker", now=start + timedelta(minutes=n),
        )  # fmt: skip
    kept = list(SendRecord.objects.values_list("payload_sha256", flat=True))
    assert kept == [f"{n:064d}" for n in range(24, 4, -1)]


def test_a_send_recorded_after_an_opt_out_leaves_the_new_decision_alone() -> None:
    installation = opt_in()
    services.decision_set(state=State.OFF, channel=Channel.COMMAND)
    services.record_send(
        install_id=installation.install_id, outcome=Outcome.FAILED, sha256="0" * 64,
        channel="worker",
    )  # fmt: skip
    now_off = Installation.objects.get_solo()
    assert (now_off.consecutive_failures, now_off.next_send_at) == (0, None)
