"""Structured logging: the exact line shape, the console form, the file and its rotation."""

from __future__ import annotations

import json
import logging
import os
import re
import runpy
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from concurrent_log_handler import ConcurrentRotatingFileHandler
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

import analytics
from analytics import checks, context, logs

ROOT = Path(__file__).resolve().parents[2]
# The line the log shippers (ops/alloy, ops/promtail) are written and tested against.
SAMPLE_LOG_LINE = (
    '{"timestamp": "2026-11-28T17:59:14.123Z", "level": "INFO", "logger": "analytics.events", '
    '"message": "timer.started", "request_id": "5b0c6c1e0d7f4d0a9f3f6a1c2b3d4e5f", '
    '"env": "production", "event": "timer.started", "project_id": 3}'
)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def record(name: str, message: str, level: int = logging.INFO, **extra: Any) -> logging.LogRecord:
    made = logging.LogRecord(name, level, __file__, 1, message, None, None)
    made.__dict__.update(extra)
    return made


def log_file() -> Path:
    """The JSON file the running configuration writes (a temporary one in the suite)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, ConcurrentRotatingFileHandler):
            return Path(handler.baseFilename)
    raise AssertionError("no JSON log file is configured")


def last_lines(path: Path, count: int) -> list[dict[str, Any]]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()[-count:]
    return [json.loads(line) for line in lines]


class TestJsonLine:
    def test_an_event_line_is_exactly_the_documented_shape(self) -> None:
        made = record(
            "analytics.events",
            "timer.started",
            analytics_event="timer.started",
            analytics_properties={"project_id": 3},
            request_id="5b0c6c1e0d7f4d0a9f3f6a1c2b3d4e5f",
        )
        made.created = datetime(2026, 11, 28, 17, 59, 14, tzinfo=UTC).timestamp() + 0.123
        made.msecs = 123.0
        assert logs.JsonFormatter(env="production").format(made) == SAMPLE_LOG_LINE

    def test_milliseconds_are_always_three_digits(self) -> None:
        made = record("x", "y")
        made.created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
        made.msecs = 7.9
        line = json.loads(logs.JsonFormatter(env="test").format(made))
        assert line["timestamp"] == "2026-01-02T03:04:05.007Z"

    def test_a_plain_line_has_no_event_and_keeps_extras_after_the_fixed_fields(self) -> None:
        line = json.loads(
            logs.JsonFormatter(env="staging").format(record("apps.x", "hello %s", status=502))
        )
        assert list(line) == [
            "timestamp",
            "level",
            "logger",
            "message",
            "request_id",
            "env",
            "status",
        ]
        assert line["message"] == "hello %s"
        assert line["request_id"] is None
        assert line["env"] == "staging"
        assert TIMESTAMP.match(line["timestamp"])

    def test_inside_a_request_every_line_carries_the_request_id(self) -> None:
        with context.request_context(request_id="abcdef0123456789"):
            line = json.loads(logs.JsonFormatter().format(record("apps.x", "inside")))
        assert line["request_id"] == "abcdef0123456789"

    def test_exceptions_are_one_json_line_too(self) -> None:
        try:
            raise ValueError("boom")
        except ValueError:
            made = record("apps.x", "failed", logging.ERROR, exc_info=sys.exc_info())
        text = logs.JsonFormatter().format(made)
        assert "\n" not in text
        assert "ValueError: boom" in json.loads(text)["exc_info"]

    def test_the_running_configuration_writes_events_to_the_file(
        self, transactional_db: Any
    ) -> None:
        with context.request_context(request_id="feedfacefeedface"):
            analytics.emit(
                "feature_flag.changed", kind="switch", flag_name="x-y", state=True, channel="cli"
            )
        (line,) = last_lines(log_file(), 1)
        assert list(line) == [
            "timestamp",
            "level",
            "logger",
            "message",
            "request_id",
            "env",
            "event",
            "kind",
            "flag_name",
            "state",
            "channel",
        ]
        assert line["event"] == line["message"] == "feature_flag.changed"
        assert line["channel"] == "cli"
        assert line["request_id"] == "feedfacefeedface"
        assert (line["logger"], line["level"]) == ("analytics.events", "INFO")


class TestConsoleLine:
    def test_it_is_readable_and_keeps_the_details(self) -> None:
        made = record(
            "analytics.events",
            "timer.started",
            analytics_event="timer.started",
            analytics_properties={"project_id": 3},
        )
        with context.request_context(request_id="5b0c6c1e0d7f4d0a"):
            line = logs.ConsoleFormatter(env="development").format(made)
        assert re.match(
            r"^\d{4}-\d\d-\d\dT[\d:.]+Z INFO     analytics\.events: timer\.started "
            r"\[project_id=3\] \(request 5b0c6c1e\)$",
            line,
        ), line


@pytest.fixture
def settings_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Evaluate timetracker/settings.py afresh with a controlled environment."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    for name in ("LOG_FORMAT", "LOG_DIR", "LOG_MAX_BYTES", "LOG_BACKUP_COUNT"):
        monkeypatch.delenv(name, raising=False)

    def load(**variables: str) -> dict[str, Any]:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(ROOT / "timetracker" / "settings.py"))

    return load


class TestConfiguration:
    def test_an_unknown_log_format_fails_at_start_up_naming_the_variable(
        self, settings_module: Any
    ) -> None:
        with pytest.raises(ImproperlyConfigured, match=r"^LOG_FORMAT: expected one of json"):
            settings_module(LOG_FORMAT="loud")

    def test_the_variables_shape_the_logging_configuration(
        self, settings_module: Any, tmp_path: Path
    ) -> None:
        values = settings_module(
            LOG_FORMAT="console",
            LOG_DIR=str(tmp_path / "elsewhere"),
            LOG_MAX_BYTES="2048",
            LOG_BACKUP_COUNT="2",
        )
        handlers = values["LOGGING"]["handlers"]
        assert handlers["stdout"]["formatter"] == "console"
        assert handlers["file"]["formatter"] == "json"
        assert handlers["file"]["filename"] == str(tmp_path / "elsewhere" / "app.jsonl")
        assert (handlers["file"]["max_bytes"], handlers["file"]["backup_count"]) == (2048, 2)
        assert values["LOGGING"]["root"]["handlers"] == ["stdout", "file"]

    def test_the_default_is_json_in_logs(self, settings_module: Any) -> None:
        values = settings_module()
        assert values["LOGGING"]["handlers"]["stdout"]["formatter"] == "json"
        assert values["LOGGING"]["handlers"]["file"]["filename"] == str(ROOT / "logs" / "app.jsonl")


class TestUnwritableDirectory:
    @pytest.fixture
    def blocked(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.setattr(logs, "FILE_ERRORS", [])
        # A regular file where the directory should be: fails even for root.
        (tmp_path / "not-a-dir").write_text("")
        return tmp_path / "not-a-dir" / "logs" / "app.jsonl"

    def test_it_falls_back_to_stdout_and_a_check_warns(self, blocked: Path) -> None:
        handler = logs.file_handler(filename=str(blocked), max_bytes=0, backup_count=0)
        assert isinstance(handler, logging.NullHandler)
        (warning,) = checks.check_log_file()
        assert warning.id == "analytics.W001"
        assert str(blocked) in warning.msg
        assert "LOG_DIR" in warning.hint

    def test_the_app_still_serves(self, blocked: Path, db: Any) -> None:
        handler = logs.file_handler(filename=str(blocked), max_bytes=0, backup_count=0)
        logging.getLogger().addHandler(handler)
        try:
            assert Client().get("/healthz").status_code == 200
            assert Client().get("/accounts/login/").status_code == 200
        finally:
            logging.getLogger().removeHandler(handler)

    def test_manage_py_starts_and_reports_it(self, tmp_path: Path) -> None:
        (tmp_path / "not-a-dir").write_text("")
        keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "check"],
            cwd=tmp_path,
            env={
                **keep,
                "DATA_DIR": str(tmp_path / "data"),
                "LOG_DIR": str(tmp_path / "not-a-dir" / "logs"),
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "analytics.W001" in result.stderr
        warning = json.loads(result.stdout.splitlines()[0])
        assert warning["level"] == "WARNING"
        assert "cannot write the log file" in warning["message"]


class TestRotation:
    def test_it_rotates_by_size_and_keeps_the_backups(self, tmp_path: Path) -> None:
        path = tmp_path / "app.jsonl"
        handler = logs.file_handler(filename=str(path), max_bytes=300, backup_count=2)
        handler.setFormatter(logs.JsonFormatter(env="test"))
        for n in range(20):
            handler.emit(record("apps.x", f"line {n}"))
        handler.close()
        assert sorted(p.name for p in tmp_path.glob("app.jsonl*")) == [
            "app.jsonl",
            "app.jsonl.1",
            "app.jsonl.2",
        ]
        for name in ("app.jsonl", "app.jsonl.1"):
            lines = (tmp_path / name).read_text().splitlines()
            # concurrent-log-handler rotates once a file has reached the size, so a file
            # holds at most the size plus the line that crossed it.
            assert (tmp_path / name).stat().st_size <= 300 + max(len(x) + 1 for x in lines)
            for line in lines:
                json.loads(line)

    def test_two_processes_rotating_one_file_lose_no_line(self, tmp_path: Path) -> None:
        # Two writers, as two gunicorn workers are, with a size that forces many
        # rotations: every line of both ends up in the file or a backup, whole.
        path = tmp_path / "app.jsonl"
        script = (
            "import logging, sys\n"
            "from analytics import logs\n"
            f"handler = logs.file_handler(filename={str(path)!r}, max_bytes=2000, "
            "backup_count=1000)\n"
            "handler.setFormatter(logs.JsonFormatter(env='test'))\n"
            "for n in range(300):\n"
            "    handler.emit(logging.makeLogRecord("
            "{'msg': f'{sys.argv[1]}-{n}', 'levelname': 'INFO', 'levelno': 20, 'name': 'x'}))\n"
            "handler.close()\n"
        )
        workers = [
            subprocess.Popen([sys.executable, "-c", script, name], cwd=ROOT) for name in ("a", "b")
        ]
        assert [w.wait(timeout=60) for w in workers] == [0, 0]
        messages = [
            json.loads(line)["message"]
            for file in tmp_path.glob("app.jsonl*")
            for line in file.read_text(encoding="utf-8").splitlines()
        ]
        assert sorted(messages) == sorted(f"{w}-{n}" for w in "ab" for n in range(300))
        assert len(list(tmp_path.glob("app.jsonl.*"))) > 10  # it did rotate, often
