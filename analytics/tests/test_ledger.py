"""The outbound ledger on its own: what a row holds, the counters, pruning, the admin page,
and that a recording failure never reaches the sender."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY

from analytics import ledger
from analytics.models import OutboundRequest

pytestmark = pytest.mark.django_db

# Every column the ledger has; none of them can hold a payload.
COLUMNS = {
    "id",
    "at",
    "stream",
    "host",
    "body_bytes",
    "http_status",
    "outcome",
    "events",
    "duration_ms",
}


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_ledger_has_no_column_for_contents() -> None:
    assert {field.name for field in OutboundRequest._meta.get_fields()} == COLUMNS
    text_columns = {
        field.name
        for field in OutboundRequest._meta.get_fields()
        if field.get_internal_type() in ("CharField", "TextField", "JSONField", "BinaryField")
    }
    assert text_columns == {"stream", "host", "outcome"}


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://eu.i.posthog.com/batch/?token=secret", "eu.i.posthog.com"),
        ("http://key:pw@127.0.0.1:8123/i/v0/e/", "127.0.0.1:8123"),
        ("//o1.ingest.sentry.io", "o1.ingest.sentry.io"),
        ("example.org:8443", "example.org:8443"),
        ("http://[::1]:9/x", "[::1]:9"),
        ("", ""),
        (None, ""),
    ],
)
def test_only_the_host_and_port_of_a_url_are_kept(url: str | None, host: str) -> None:
    assert ledger.host_of(url) == host


def test_a_request_is_recorded_and_counted() -> None:
    before = sample("timetracker_outbound_requests_total", stream="posthog", outcome="ok")
    bytes_before = sample("timetracker_outbound_bytes_total", stream="posthog")
    ledger.record(
        stream="posthog",
        url="https://eu.i.posthog.com/batch/?q=secret",
        body_bytes=321,
        http_status=200,
        events=4,
        duration_ms=12,
    )
    row = OutboundRequest.objects.get()
    assert (row.stream, row.host, row.body_bytes, row.http_status, row.outcome, row.events) == (
        "posthog",
        "eu.i.posthog.com",
        321,
        200,
        "ok",
        4,
    )
    after = sample("timetracker_outbound_requests_total", stream="posthog", outcome="ok")
    assert after == before + 1
    assert sample("timetracker_outbound_bytes_total", stream="posthog") == bytes_before + 321


@pytest.mark.parametrize(
    ("status", "outcome"), [(200, "ok"), (204, "ok"), (500, "http_error"), (None, "network_error")]
)
def test_the_outcome_follows_the_status(status: int | None, outcome: str) -> None:
    ledger.record(stream="sentry", url="//h", body_bytes=1, http_status=status)
    assert OutboundRequest.objects.get().outcome == outcome


def test_every_series_exists_at_zero_from_the_start(client: Client) -> None:
    text = client.get("/metrics").content.decode()
    for stream in ledger.STREAMS:
        assert re.search(rf'timetracker_outbound_bytes_total\{{stream="{stream}"\}}', text)
        for outcome in ledger.OUTCOMES:
            labels = rf'\{{outcome="{outcome}",stream="{stream}"\}}'
            assert re.search(rf"timetracker_outbound_requests_total{labels}", text), labels


def test_a_recording_failure_is_logged_and_counted_never_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(ledger, "_maybe_prune", broken)
    errors = sample("timetracker_outbound_ledger_errors_total")
    ledger.record(stream="telemetry", url="https://t.example", body_bytes=10, http_status=200)
    assert sample("timetracker_outbound_ledger_errors_total") == errors + 1
    assert "cannot record a telemetry request" in caplog.text


def test_old_rows_are_pruned_on_write_at_most_once_an_hour(settings: Any) -> None:
    settings.ANALYTICS_LEDGER_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    kept = timezone.now() - timedelta(days=29)
    for at in (old, kept):
        OutboundRequest.objects.create(
            at=at, stream="posthog", host="h", body_bytes=1, outcome="ok"
        )
    ledger.reset_prune_clock()
    ledger.record(stream="posthog", url="//h", body_bytes=1, http_status=200)
    assert not OutboundRequest.objects.filter(at=old).exists()
    assert OutboundRequest.objects.filter(at=kept).exists()
    # Within the hour no second prune: an old row written now stays until the next one.
    OutboundRequest.objects.create(at=old, stream="posthog", host="h", body_bytes=1, outcome="ok")
    ledger.record(stream="posthog", url="//h", body_bytes=1, http_status=200)
    assert OutboundRequest.objects.filter(at=old).exists()
    assert ledger.prune() == 1


def test_the_summary_covers_seven_days_per_stream() -> None:
    now = timezone.now()
    rows = [
        ("posthog", 100, "ok", 3, now - timedelta(days=1)),
        ("posthog", 50, "http_error", 2, now - timedelta(days=2)),
        ("posthog", 999, "ok", 9, now - timedelta(days=8)),  # too old for the summary
        ("telemetry", 700, "ok", 1, now - timedelta(hours=1)),
    ]
    for stream, size, outcome, events, at in rows:
        OutboundRequest.objects.create(
            at=at, stream=stream, host="h", body_bytes=size, outcome=outcome, events=events
        )
    lines = {line.stream: line for line in ledger.summary(now=now)}
    assert set(lines) == {"posthog", "telemetry", "sentry"}
    posthog = lines["posthog"]
    assert (posthog.requests, posthog.delivered, posthog.failed) == (2, 1, 1)
    assert (posthog.body_bytes, posthog.events) == (150, 5)
    assert lines["telemetry"].body_bytes == 700
    assert lines["sentry"].requests == 0
    assert lines["sentry"].last_at is None


def test_the_admin_page_shows_the_summary_read_only(admin_client: Client) -> None:
    ledger.record(stream="sentry", url="//o1.ingest.sentry.io", body_bytes=4242, http_status=200)
    response = admin_client.get("/admin/analytics/outboundrequest/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "What left this installation in the last 7 days, per stream" in page
    assert "4242" in page
    assert "o1.ingest.sentry.io" in page
    assert admin_client.get("/admin/analytics/outboundrequest/add/").status_code == 403


def test_staff_without_superuser_rights_can_read_it(client: Client, django_user_model: Any) -> None:
    staff = django_user_model.objects.create_user("staffer", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/analytics/outboundrequest/").status_code == 200
