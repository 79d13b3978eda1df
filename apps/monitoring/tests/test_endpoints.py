from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from apps.monitoring import health
from apps.timers.services import timer_start, timer_stop

pytestmark = pytest.mark.django_db


def _value(text: str, sample: str) -> float | None:
    """The value of one exposition sample line, e.g. 'timetracker_ready'."""
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


class TestHealth:
    def test_healthz_answers_without_touching_the_database(
        self, client: Client, django_assert_num_queries: Any
    ) -> None:
        with django_assert_num_queries(0):
            r = client.get("/healthz")
        assert r.status_code == 200
        assert r.json() == {"status": "ok"}
        assert "no-cache" in r["Cache-Control"]

    def test_readyz_answers_200_when_the_database_is_migrated(self, client: Client) -> None:
        r = client.get("/readyz")
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "reason": "ok"}

    def test_readyz_answers_503_when_migrations_are_missing(
        self, client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(health, "_migrations_applied", False)
        monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [1, 2])
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.json() == {"status": "unavailable", "reason": "2 migrations not applied"}

    def test_readyz_answers_503_when_the_database_is_down(
        self, client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(*args: Any, **kwargs: Any) -> Any:
            raise OperationalError("connection refused")

        monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", broken)
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["reason"] == "database unavailable"


class TestMetricsAccess:
    def test_loopback_clients_are_served_by_default(self, client: Client) -> None:
        r = client.get("/metrics")
        assert r.status_code == 200
        assert r["Content-Type"].startswith("text/plain")

    def test_other_networks_get_403(self, client: Client) -> None:
        assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403

    def test_configured_networks_are_served(self, client: Client, settings: Any) -> None:
        settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
        assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403

    def test_with_a_token_only_the_bearer_is_served(self, client: Client, settings: Any) -> None:
        settings.METRICS_TOKEN = "s3cret-token-with-enough-length-0123456789"
        assert client.get("/metrics").status_code == 403  # loopback is not enough any more
        bad = client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
        assert bad.status_code == 403
        good = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
        assert good.status_code == 200
        basic = client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {settings.METRICS_TOKEN}")
        assert basic.status_code == 403

    def test_disabled_metrics_answer_404(self, client: Client, settings: Any) -> None:
        settings.METRICS_ENABLED = False
        assert client.get("/metrics").status_code == 404


class TestMetricsContent:
    def test_it_exposes_build_readiness_and_active_timers(
        self, client: Client, settings: Any, member: Any, other_member: Any, project: Any
    ) -> None:
        timer_start(user=member, project=project)
        timer_start(user=other_member, project=project)
        text = client.get("/metrics").content.decode()
        assert f'timetracker_build_info{{version="{settings.APP_VERSION}"}} 1.0' in text
        assert _value(text, "timetracker_ready") == 1.0
        assert _value(text, "timetracker_active_timers") == 2.0
        assert "# HELP timetracker_active_timers Timers running right now" in text

    def test_it_counts_requests_by_view_name_not_path(self, client: Client) -> None:
        client.get("/healthz")
        text = client.get("/metrics").content.decode()
        assert 'timetracker_http_responses_total{status="200",view="healthz"}' in text
        assert "/healthz" not in text  # labels are view names, never raw paths

    def test_a_scrape_checks_the_database_once_started_before_the_merge(
        self, client: Client, monkeypatch: Any
    ) -> None:
        calls: list[str] = []
        real = health.check_database

        def counted(alias: str = "default") -> tuple[bool, str]:
            calls.append(alias)
            return real(alias)

        monkeypatch.setattr(health, "check_database", counted)
        for _ in range(3):
            text = client.get("/metrics").content.decode()
            assert _value(text, "timetracker_ready") == 1.0
        # One check per scrape: the one started ahead is taken, not a second one.
        assert calls == ["default"] * 3
        # And a later probe does not take an old answer: it checks again.
        assert health.database_ready() == (True, "ok")
        assert len(calls) == 4

    def test_it_records_the_duration_of_stopped_timers(
        self,
        client: Client,
        member: Any,
        project: Any,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        sample = "timetracker_timer_duration_seconds_count"
        before = _value(client.get("/metrics").content.decode(), sample) or 0.0
        with django_capture_on_commit_callbacks(execute=True):
            timer_start(user=member, project=project)
            timer_stop(user=member)
        text = client.get("/metrics").content.decode()
        assert _value(text, sample) == before + 1
        assert 'timetracker_timer_duration_seconds_bucket{le="60.0"}' in text

    def test_it_reports_database_query_counts(self, client: Client) -> None:
        text = client.get("/metrics").content.decode()
        assert "django_db_execute_total" in text

    def test_a_failing_extra_collector_does_not_empty_the_scrape(
        self, client: Client, settings: Any
    ) -> None:
        settings.METRICS_COLLECTORS = ["apps.monitoring.tests.test_endpoints.broken_collector"]
        r = client.get("/metrics")
        assert r.status_code == 200
        assert "timetracker_ready" in r.content.decode()


def broken_collector() -> Any:
    raise RuntimeError("boom")
