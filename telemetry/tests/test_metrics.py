"""timetracker_telemetry_enabled and _consecutive_failures, computed at scrape time."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from analytics.testutils import FakePostHog
from telemetry import sender
from telemetry.testutils import opt_in

pytestmark = pytest.mark.django_db


def _scrape(client: Client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def test_off_by_default(client: Client) -> None:
    text = _scrape(client)
    assert "timetracker_telemetry_enabled 0.0" in text
    assert "timetracker_telemetry_consecutive_failures 0.0" in text


def test_on_and_failing(client: Client, reporting: FakePostHog) -> None:
    reporting.mode = "error"
    opt_in()
    for _ in range(3):
        sender.send(channel="worker")
    text = _scrape(client)
    assert "timetracker_telemetry_enabled 1.0" in text
    assert "timetracker_telemetry_consecutive_failures 3.0" in text


def test_the_environment_layer_turns_the_gauge_off(
    client: Client, reporting: FakePostHog, settings: Any
) -> None:
    opt_in()
    settings.TELEMETRY_ENABLED = False
    assert "timetracker_telemetry_enabled 0.0" in _scrape(client)
