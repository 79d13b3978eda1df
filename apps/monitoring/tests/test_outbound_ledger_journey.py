"""All three outbound streams on, against local fakes: the ledger matches what they received.

PostHog batches (the sink's upload thread), the telemetry report (``telemetry send``'s
sender) and a Sentry envelope (the SDK's worker thread) each go to their own fake on
127.0.0.1. Afterwards, for each stream: the ledger has rows, their byte counts add up to
exactly the body bytes the fake received (as sent on the wire, gzip-compressed for
PostHog and Sentry), the statuses are the fake's, and no row holds any of the payload.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import sentry_sdk
from django.test import Client

from analytics import ledger
from analytics.models import OutboundRequest
from analytics.testutils import FakePostHog, flush, posthog_enabled
from telemetry import sender
from telemetry.testutils import TEST_API_KEY, opt_in, reporting_to
from tests.factories import UserFactory
from timetracker.sentry import init_sentry

pytestmark = pytest.mark.django_db(transaction=True)

MARKER = "Quorbleflux Vexington"


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def fakes() -> Iterator[dict[str, FakePostHog]]:
    with (
        FakePostHog() as posthog,
        FakePostHog() as telemetry,
        FakePostHog(paths=None) as sentry,
    ):
        yield {"posthog": posthog, "telemetry": telemetry, "sentry": sentry}


@pytest.fixture
def sentry_on(fakes: dict[str, FakePostHog]) -> Iterator[None]:
    dsn = fakes["sentry"].url.replace("http://", "http://publickey@") + "/1"
    init_sentry(dsn=dsn, environment="test", release="9.9.9", traces_sample_rate=0.0)
    try:
        yield
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init(dsn=None)


def rows(stream: str, fake: FakePostHog) -> list[OutboundRequest]:
    host = fake.url.removeprefix("http://")
    return list(OutboundRequest.objects.filter(stream=stream, host=host).order_by("id"))


def test_the_ledger_matches_what_every_fake_received(
    fakes: dict[str, FakePostHog], sentry_on: None
) -> None:
    posthog_fake, telemetry_fake = fakes["posthog"], fakes["telemetry"]
    sentry_fake = fakes["sentry"]
    ledger.drain()  # rows earlier tests left in memory
    OutboundRequest.objects.all().delete()
    user = UserFactory(first_name=MARKER)

    # Product analytics: a login and a logout through the web UI.
    with posthog_enabled(posthog_fake):
        browser = Client()
        browser.force_login(user)
        assert browser.get("/").status_code in (200, 302)
        browser.post("/accounts/logout/")
        flush(timeout=3.0)
        assert posthog_fake.wait_for_requests(1, timeout=3.0)

    # Installation telemetry: the report, as ``manage.py telemetry send`` sends it.
    with reporting_to(telemetry_fake):
        opt_in()
        record = sender.send(channel="command")
        assert record is not None
        assert record.http_status == 200

    # An error for Sentry, delivered by the SDK's worker thread.
    try:
        raise ValueError(MARKER)
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush(timeout=5.0)
    assert sentry_fake.wait_for_requests(1, timeout=5.0)

    # Rows recorded in the SDKs' threads are written after the next response.
    Client().get("/healthz")
    for stream, fake in fakes.items():
        received = fake.requests
        assert received, stream

        assert len(rows(stream, fake)) == len(received), stream
        ledger_rows = rows(stream, fake)
        fake_host = fake.url.removeprefix("http://")
        assert sum(row.body_bytes for row in ledger_rows) == sum(len(r.raw) for r in received)
        assert sorted(row.body_bytes for row in ledger_rows) == sorted(len(r.raw) for r in received)
        assert {row.http_status for row in ledger_rows} == {200}, stream
        assert {row.outcome for row in ledger_rows} == {"ok"}, stream
        assert {row.host for row in ledger_rows} == {fake_host}, stream

    # What went compressed is counted compressed: the bytes on the wire, not the JSON.
    assert all(r.raw[:2] == b"\x1f\x8b" for r in posthog_fake.requests)
    assert sum(row.events for row in rows("posthog", posthog_fake)) == len(posthog_fake.events)
    assert sum(row.events for row in rows("telemetry", telemetry_fake)) == len(
        telemetry_fake.requests
    )

    # No row holds payload text: every value is a size, a status, a time or a fixed word.
    payload_words = [MARKER, TEST_API_KEY, "phc_test_key", "auth.login", "ValueError"]
    for row in OutboundRequest.objects.all():
        text = " ".join(
            str(getattr(row, field.attname)) for field in OutboundRequest._meta.concrete_fields
        )
        for word in payload_words:
            assert word not in text, (word, text)
        assert row.stream in ("posthog", "telemetry", "sentry")
