"""The test helpers themselves: the fake capture server and event capture."""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from analytics.testutils import FakePostHog


def post(
    url: str, body: bytes, *, gzipped: bool = False, timeout: float = 2.0
) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_it_records_batches_and_single_events_plain_or_gzipped(
    fake_posthog: FakePostHog,
) -> None:
    batch = json.dumps({"api_key": "k", "batch": [{"event": "a.b"}, {"event": "c.d"}]}).encode()
    single = json.dumps({"api_key": "k", "event": "e.f"}).encode()
    assert post(fake_posthog.url + "/batch/", batch, gzipped=True)[0] == 200
    assert post(fake_posthog.url + "/i/v0/e/", single)[0] == 200
    assert fake_posthog.event_names == ["a.b", "c.d", "e.f"]
    first = fake_posthog.requests[0]
    assert first.raw[:2] == b"\x1f\x8b"
    assert b'"c.d"' in first.body
    assert b'"e.f"' in fake_posthog.all_bytes


def test_other_paths_are_recorded_and_refused(fake_posthog: FakePostHog) -> None:
    assert post(fake_posthog.url + "/decide/", b"{}")[0] == 404
    assert len(fake_posthog.requests) == 1


def test_it_can_fail(fake_posthog: FakePostHog) -> None:
    fake_posthog.mode = "error"
    assert post(fake_posthog.url + "/batch/", b'{"batch": []}')[0] == 500


@pytest.mark.parametrize(("mode", "slower_than"), [("slow", 0.1), ("hang", 0.25)])
def test_it_can_be_slow_or_hang(mode: str, slower_than: float) -> None:
    with FakePostHog(mode=mode, delay=0.15) as server:
        started = time.perf_counter()
        try:
            post(server.url + "/batch/", b'{"batch": []}', timeout=0.3)
        except TimeoutError:
            assert mode == "hang"
        assert time.perf_counter() - started >= slower_than
        assert server.wait_for_requests(1)


def test_capture_events_sees_what_was_delivered(transactional_db: Any) -> None:
    import analytics
    from analytics.testutils import capture_events

    with capture_events() as events:
        analytics.emit("setup.completed", telemetry_choice="undecided")
    analytics.emit("setup.completed", telemetry_choice="on")
    assert events.names == ["setup.completed"]
    assert events.properties("setup.completed") == {"telemetry_choice": "undecided"}
