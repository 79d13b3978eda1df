"""The catalogue as documentation: docs/events.md, the command, the page, the checks."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from analytics import checks, docs
from analytics.catalogue import catalogue

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    call_command("analytics", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_docs_events_md_is_the_generated_catalogue() -> None:
    committed = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert committed == run("catalogue", "--format", "markdown"), (
        f"docs/events.md is out of date; regenerate it with `{docs.GENERATE}`"
    )


def test_the_markdown_documents_every_event_and_property() -> None:
    text = docs.as_markdown(catalogue)
    for event in catalogue:
        assert f"### `{event.name}`" in text
        for name in event.properties:
            assert f"| `{name}` |" in text
    assert "never: local log and metrics only" in text  # auth.login_failed


def test_it_writes_json_and_files(tmp_path: Path) -> None:
    data = json.loads(run("catalogue", "--format", "json"))
    assert [event["name"] for event in data["events"]] == [event.name for event in catalogue]
    target = tmp_path / "events.md"
    run("catalogue", "--output", str(target))
    assert target.read_text(encoding="utf-8") == docs.as_markdown(catalogue)


def test_status_says_where_events_go(settings: Any) -> None:
    settings.ANALYTICS_DO_NOT_TRACK = True
    out = run("status")
    assert "PostHog: off (environment: DO_NOT_TRACK is set)" in out
    assert "analytics.sinks.jsonlog.JsonLogSink" in out


class TestPage:
    def test_it_is_for_logged_in_users(self, db: Any) -> None:
        response = Client().get("/privacy/events/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_it_shows_the_catalogue_and_where_it_goes(self, db: Any, settings: Any) -> None:
        settings.ANALYTICS_POSTHOG_HOST = "https://posthog.example.org"
        user = get_user_model().objects.create_user(username="reader", password="pw-123456789")
        client = Client()
        client.force_login(user)
        response = client.get("/privacy/events/")
        assert response.status_code == 200
        html = response.content.decode()
        for event in catalogue:
            assert f"<code>{event.name}</code>" in html
        assert "https://posthog.example.org" in html
        assert "POSTHOG_API_KEY is not set" in html


class TestChecks:
    def test_a_sink_that_cannot_be_imported_is_an_error(self, settings: Any) -> None:
        settings.ANALYTICS_SINKS = ["jsonlog", "nowhere.Sink"]
        (error,) = checks.check_sinks()
        assert error.id == "analytics.E001"
        assert "nowhere.Sink" in error.msg

    def test_the_configured_sinks_pass(self) -> None:
        assert checks.check_sinks() == []
        assert checks.check_wiring() == []

    def test_missing_wiring_is_reported(
        self, settings: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "RequestContext" not in m]
        monkeypatch.setattr(checks.apps, "is_installed", lambda name: name != "waffle")
        assert [message.id for message in checks.check_wiring()] == [
            "analytics.W002",
            "analytics.W003",
        ]
