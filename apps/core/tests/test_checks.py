"""The project's system checks: each configuration mistake is caught, with an id and a hint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import CheckMessage, run_checks

from analytics import logs
from timetracker import env

ROOT = Path(__file__).resolve().parents[3]
VALID_DSN = "https://0123456789abcdef@sentry.example.com/42"


def found(check_id: str) -> list[CheckMessage]:
    messages = [m for m in run_checks() if m.id == check_id]
    for message in messages:
        assert message.hint, f"{check_id} has no hint"
    return messages


class TestPostHogHost:
    def test_a_key_with_a_host_that_is_no_url_is_an_error(self, settings: Any) -> None:
        settings.ANALYTICS_POSTHOG_API_KEY = "phc_key"
        settings.ANALYTICS_POSTHOG_HOST = "eu.i.posthog.com"
        [message] = found("timetracker.E001")
        assert message.is_serious()
        assert "POSTHOG_HOST" in message.msg

    def test_a_url_or_no_key_is_fine(self, settings: Any) -> None:
        settings.ANALYTICS_POSTHOG_API_KEY = "phc_key"
        settings.ANALYTICS_POSTHOG_HOST = "https://posthog.example.com"
        assert found("timetracker.E001") == []
        settings.ANALYTICS_POSTHOG_API_KEY = ""
        settings.ANALYTICS_POSTHOG_HOST = "not a url"
        assert found("timetracker.E001") == []


class TestSentryDsn:
    @pytest.mark.parametrize(
        "dsn", ["not-a-dsn", "https://sentry.example.com/42", "ftp://key@host/1"]
    )
    def test_a_dsn_that_does_not_parse_is_an_error(self, settings: Any, dsn: str) -> None:
        settings.SENTRY_DSN = dsn
        [message] = found("timetracker.E002")
        assert message.is_serious()
        assert "SENTRY_DSN" in message.msg

    def test_the_message_never_quotes_the_dsn(self, settings: Any) -> None:
        settings.SENTRY_DSN = "secretkey123:whatever"
        [message] = found("timetracker.E002")
        assert "secretkey123" not in message.msg + (message.hint or "")

    def test_a_valid_dsn_is_fine(self, settings: Any) -> None:
        settings.SENTRY_DSN = VALID_DSN
        assert found("timetracker.E002") == []

    @pytest.mark.slow
    def test_start_up_survives_a_bad_dsn_and_check_reports_it(self, tmp_path: Path) -> None:
        keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "check"],
            cwd=tmp_path,
            env={
                **keep,
                "DATA_DIR": str(tmp_path),
                "LOG_DIR": str(tmp_path),
                "SENTRY_DSN": "not-a-dsn",
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode != 0
        assert "timetracker.E002" in result.stderr
        assert "Traceback" not in result.stderr


class TestMetricsToken:
    def test_a_short_token_is_a_warning(self, settings: Any) -> None:
        settings.METRICS_TOKEN = "x" * 31
        [message] = found("timetracker.W001")
        assert "31 characters" in message.msg

    def test_a_long_or_no_token_is_fine(self, settings: Any) -> None:
        settings.METRICS_TOKEN = "x" * 32
        assert found("timetracker.W001") == []
        settings.METRICS_TOKEN = ""
        assert found("timetracker.W001") == []


class TestTelemetryEndpoint:
    def _enabled_by(self, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
        monkeypatch.setitem(
            env.READ, "TELEMETRY_ENABLED", env.Read("TELEMETRY_ENABLED", True, source)
        )

    def test_enabled_by_the_environment_without_a_key_is_a_warning(
        self, settings: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self._enabled_by(monkeypatch, "environment")
        settings.TELEMETRY_API_KEY = ""
        [message] = found("timetracker.W002")
        assert "TELEMETRY_API_KEY" in message.msg

    def test_the_default_or_a_key_is_fine(
        self, settings: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self._enabled_by(monkeypatch, "default")
        settings.TELEMETRY_API_KEY = ""
        assert found("timetracker.W002") == []
        self._enabled_by(monkeypatch, ".env")
        settings.TELEMETRY_API_KEY = "phc_project"
        assert found("timetracker.W002") == []

    def test_it_works_without_the_telemetry_settings(
        self, settings: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self._enabled_by(monkeypatch, "environment")
        del settings.TELEMETRY_ENABLED
        del settings.TELEMETRY_API_KEY
        assert found("timetracker.W002") == []


class TestDebugHosts:
    def test_debug_with_a_public_host_is_a_warning(self, settings: Any) -> None:
        settings.DEBUG = True
        settings.ALLOWED_HOSTS = ["localhost", "time.example.com", "*"]
        [message] = found("timetracker.W003")
        assert "time.example.com, *" in message.msg

    def test_debug_with_local_hosts_or_production_is_fine(self, settings: Any) -> None:
        settings.DEBUG = True
        settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "::1", "app.localhost"]
        assert found("timetracker.W003") == []
        settings.DEBUG = False
        settings.ALLOWED_HOSTS = ["time.example.com"]
        assert found("timetracker.W003") == []


def test_an_unwritable_log_directory_is_analytics_w001(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The analytics app's own check covers it; the project adds no second one.
    monkeypatch.setattr(logs, "FILE_ERRORS", [])
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    logs.file_handler(filename=str(blocker / "app.jsonl"), max_bytes=0, backup_count=0)
    [message] = found("analytics.W001")
    assert "not-a-directory" in message.msg


def test_an_undeclared_kill_switch_name_is_a_warning(settings: Any) -> None:
    settings.ANALYTICS_POSTHOG_SWITCH = "posthog-off"
    [message] = found("timetracker.W004")
    assert "posthog-off" in message.msg


def test_the_default_configuration_passes_every_project_check() -> None:
    assert [m for m in run_checks() if m.id and m.id.startswith("timetracker.")] == []
