"""``manage.py telemetry``: status, enable, disable, preview, send, schema; exit codes."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from analytics.testutils import FakePostHog
from telemetry import docs
from telemetry.models import ConsentChange, Installation, SendRecord
from telemetry.testutils import opt_in

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("telemetry", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_status_says_off_and_why_with_exit_code_3() -> None:
    code, out, _ = run("status")
    assert code == 3
    assert "Telemetry: off (decided by the database layer: nobody has decided yet" in out
    assert str(Installation.objects.get_solo().install_id) in out
    assert "Last send: never" in out


def test_status_json_is_machine_readable(reporting: FakePostHog) -> None:
    opt_in()
    run("send")
    code, out, _ = run("status", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["effective"] == "on"
    assert data["layer"] == "database"
    assert data["install_id"] == str(Installation.objects.get_solo().install_id)
    assert data["last_send"]["outcome"] == "sent"
    assert data["last_send"]["http_status"] == 200
    assert data["next_send_due"] is not None
    assert data["destination"] == reporting.url + "/i/v0/e/"


def test_enable_and_disable_store_the_decision_and_rotate_the_id() -> None:
    before = Installation.objects.get_solo().install_id
    code, out, err = run("enable")
    assert code == 0
    assert "Telemetry is now on (was undecided)." in out
    assert "TELEMETRY_API_KEY is not set" in err  # on, but nowhere to send
    code, out, _ = run("enable")
    assert "already on" in out
    code, out, _ = run("disable")
    after = Installation.objects.get_solo()
    assert code == 0
    assert after.state == "off"
    assert after.install_id != before
    assert f"New install id: {after.install_id}" in out
    assert [c.channel for c in ConsentChange.objects.all()] == ["command", "command"]


def test_preview_prints_exactly_what_send_sends(reporting: FakePostHog) -> None:
    opt_in()
    _, preview, _ = run("preview")
    _, dry_run, _ = run("send", "--dry-run")
    assert reporting.requests == []
    code, _, err = run("send")
    assert code == 0
    assert "Sent (HTTP 200" in err
    (request,) = reporting.requests
    assert preview.encode() == dry_run.encode() == request.raw


def test_send_when_off_sends_nothing_and_exits_3(reporting: FakePostHog) -> None:
    code, out, err = run("send")
    assert code == 3
    assert out == ""
    assert "Telemetry is off (database: nobody has decided yet" in err
    code, out, _ = run("send", "--dry-run")
    assert code == 3
    assert json.loads(out)["event"] == "installation_report"
    assert reporting.requests == []


def test_a_failed_send_exits_1_and_is_recorded(reporting: FakePostHog) -> None:
    reporting.mode = "error"
    opt_in()
    code, _, err = run("send")
    assert code == 1
    assert "Send failed: HTTP 500" in err
    assert SendRecord.objects.get().outcome == "failed"


def test_a_manual_send_pushes_the_workers_next_report_a_day_out(reporting: FakePostHog) -> None:
    from datetime import timedelta

    from django.utils import timezone

    opt_in()
    run("send")
    due = Installation.objects.get_solo().next_send_at
    assert due is not None
    assert due > timezone.now() + timedelta(hours=23)


def test_debug_send_prints_instead(reporting: FakePostHog, settings: Any) -> None:
    settings.TELEMETRY_DEBUG = True
    opt_in()
    _, preview, _ = run("preview")
    code, out, _ = run("send")
    assert code == 0
    assert out == preview
    assert reporting.requests == []


def test_worker_once_runs_one_pass(reporting: FakePostHog) -> None:
    opt_in()
    code, _, _ = run("worker", "--once")
    assert code == 0
    assert len(reporting.requests) == 1


def test_schema_prints_the_docs_table() -> None:
    assert run("schema")[1] == docs.as_markdown()
    fields = json.loads(run("schema", "--format", "json")[1])["fields"]
    assert fields[0]["name"] == "api_key"


def test_a_wrong_subcommand_is_a_usage_error() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("telemetry", "bogus")


def test_an_unavailable_database_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    def broken() -> Installation:
        raise OperationalError("database is locked")

    monkeypatch.setattr(Installation.objects, "get_solo", broken)
    code, _, err = run("status")
    assert code == 1
    assert "database is unavailable" in err
