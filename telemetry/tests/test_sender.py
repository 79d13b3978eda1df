"""The send: what arrives is the preview, byte for byte; it is bounded and recorded."""

from __future__ import annotations

import hashlib
import io
import time
from typing import Any

import pytest

from analytics import context
from analytics.testutils import FakePostHog
from telemetry import sender
from telemetry.models import Installation, Outcome, SendRecord
from telemetry.payload import report
from telemetry.testutils import TEST_API_KEY, opt_in

pytestmark = pytest.mark.django_db


def _preview() -> bytes:
    return report(install_id=str(Installation.objects.get_solo().install_id)).content


def test_the_body_that_arrives_is_the_preview_byte_for_byte(reporting: FakePostHog) -> None:
    opt_in()
    expected = _preview()
    record = sender.send(channel="command")
    assert record is not None
    assert record.outcome == Outcome.SENT
    (request,) = reporting.requests
    assert request.path == "/i/v0/e/"
    assert request.raw == expected
    assert request.headers["Content-Type"] == "application/json"
    assert request.payload["api_key"] == TEST_API_KEY
    assert request.payload["distinct_id"] == str(Installation.objects.get_solo().install_id)


def test_the_record_holds_time_status_and_the_sha256_of_what_was_sent(
    reporting: FakePostHog,
) -> None:
    opt_in()
    sender.send(channel="worker")
    (record,) = SendRecord.objects.all()
    (request,) = reporting.requests
    assert record.payload_sha256 == hashlib.sha256(request.raw).hexdigest()
    assert (record.http_status, record.error, record.channel) == (200, "", "worker")
    assert record.attempted_at is not None


def test_a_server_error_is_recorded_as_a_failure(reporting: FakePostHog) -> None:
    reporting.mode = "error"
    opt_in()
    record = sender.send(channel="worker")
    assert record is not None
    assert (record.outcome, record.http_status, record.error) == ("failed", 500, "HTTP 500")
    assert Installation.objects.get_solo().consecutive_failures == 1


def test_a_hanging_server_costs_no_more_than_the_timeout(
    reporting: FakePostHog, settings: Any
) -> None:
    reporting.mode = "hang"
    settings.TELEMETRY_TIMEOUT = 0.3
    opt_in()
    started = time.monotonic()
    record = sender.send(channel="worker")
    elapsed = time.monotonic() - started
    assert record is not None
    assert record.outcome == Outcome.FAILED
    assert "timed out" in record.error
    assert elapsed < 1.0


def test_the_timeout_is_never_more_than_five_seconds(settings: Any) -> None:
    from telemetry import conf

    settings.TELEMETRY_TIMEOUT = 60
    assert conf.timeout() == 5.0


def test_an_unreachable_server_is_a_failure_not_an_exception(settings: Any) -> None:
    opt_in()
    settings.TELEMETRY_API_KEY = TEST_API_KEY
    settings.TELEMETRY_HOST = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.TELEMETRY_TIMEOUT = 0.5
    record = sender.send(channel="worker")
    assert record is not None
    assert record.outcome == Outcome.FAILED
    assert record.error


def test_debug_prints_the_report_instead_of_sending_it(
    reporting: FakePostHog, settings: Any
) -> None:
    settings.TELEMETRY_DEBUG = True
    opt_in()
    out = io.StringIO()
    record = sender.send(channel="worker", out=out)
    assert reporting.requests == []
    assert out.getvalue().encode() == _preview()
    assert record is not None
    assert record.outcome == Outcome.PRINTED


def test_nothing_is_sent_when_off(reporting: FakePostHog) -> None:
    assert sender.send(channel="command") is None
    assert reporting.requests == []
    assert SendRecord.objects.count() == 0


def test_a_report_claimed_for_an_old_install_id_is_not_sent(reporting: FakePostHog) -> None:
    old = opt_in().install_id
    Installation.objects.update(install_id="00000000-0000-4000-8000-000000000000")
    assert sender.send(channel="worker", install_id=old) is None
    assert reporting.requests == []


def test_it_refuses_to_send_from_a_request_thread(reporting: FakePostHog, rf: Any) -> None:
    opt_in()
    token = context.activate(context.RequestContext(request_id="r" * 16, request=rf.get("/")))
    try:
        with pytest.raises(sender.RequestThreadError):
            sender.send(channel="command")
    finally:
        context.deactivate(token)
    assert reporting.requests == []
