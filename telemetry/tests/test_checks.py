"""System checks: a bad host, a hook that cannot be imported, a time-out too long."""

from __future__ import annotations

from typing import Any

from telemetry import checks


def _ids() -> list[str]:
    return [message.id or "" for message in checks.check_settings()]


def test_the_projects_settings_pass() -> None:
    assert _ids() == []


def test_a_host_that_is_no_http_url_is_an_error(settings: Any) -> None:
    settings.TELEMETRY_HOST = "ftp://telemetry.example.com"
    assert _ids() == ["telemetry.E001"]


def test_a_hook_that_cannot_be_imported_is_an_error(settings: Any) -> None:
    settings.TELEMETRY_COUNTS = "nowhere.counts"
    assert _ids() == ["telemetry.E002"]


def test_a_timeout_above_five_seconds_is_a_warning(settings: Any) -> None:
    settings.TELEMETRY_TIMEOUT = 30
    assert _ids() == ["telemetry.W001"]


def test_a_missing_middleware_is_a_warning(settings: Any) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != checks.MIDDLEWARE]
    assert _ids() == ["telemetry.W002"]
