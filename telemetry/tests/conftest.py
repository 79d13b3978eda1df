"""Fixtures of the telemetry tests: a fake capture server and reports pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from analytics.testutils import FakePostHog
from telemetry.testutils import reporting_to


@pytest.fixture
def capture() -> Iterator[FakePostHog]:
    """A PostHog capture endpoint on 127.0.0.1 that records every byte it receives."""
    with FakePostHog() as server:
        yield server


@pytest.fixture
def reporting(capture: FakePostHog) -> Iterator[FakePostHog]:
    """Reports go to ``capture`` (API key set, short time-out, no jitter)."""
    with reporting_to(capture):
        yield capture
