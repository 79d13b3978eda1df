"""`manage.py config show`: every variable, where it came from, and never a secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from apps.core.configuration import MASK, effective, mask
from timetracker.env import Read

ROOT = Path(__file__).resolve().parents[3]

# Distinctive values, so that finding any of them (or a telling piece) in the output is
# unambiguous.
SECRETS = {
    "SECRET_KEY": "sk-Zq8vN3xW7pR2tY6uJ1mK4bH9gF5dS0aL3cV8nB2xZ7qW4eR",
    "POSTHOG_API_KEY": "phc_PosthogSecretValue123",
    "ANALYTICS_ID_SECRET": "analytics-id-secret-value",
    "TELEMETRY_API_KEY": "phc_TelemetrySecretValue456",
    "SENTRY_DSN": "https://sentrypublickey0123@127.0.0.1:9/42",
}
DB_PASSWORD = "dbPassw0rdValue"
REDIS_PASSWORD = "redisPassw0rdValue"
FILE_TOKEN = "metrics-token-from-a-file-0123456789abcdef"


def _config_show(tmp_path: Path, *args: str) -> str:
    (tmp_path / "token").write_text(FILE_TOKEN + "\n")
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    environ = {
        **keep,
        **SECRETS,
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_DIR": str(tmp_path / "logs"),
        # Never connected to: the command needs no database.
        "DATABASE_URL": f"postgres://tracker:{DB_PASSWORD}@db.example.com:5432/timetracker",
        "REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:9/3",
        "METRICS_TOKEN_FILE": str(tmp_path / "token"),
        "LOG_LEVEL": "warning",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "config", "show", *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _assert_no_secret_in(output: str) -> None:
    for name, value in SECRETS.items():
        assert value not in output, name
    # Nor a telling piece of one (the DSN's key, say).
    for piece in ("sentrypublickey", "PosthogSecret", "TelemetrySecret", "analytics-id-secret"):
        assert piece not in output
    assert DB_PASSWORD not in output
    assert REDIS_PASSWORD not in output
    assert FILE_TOKEN not in output


@pytest.mark.slow
def test_it_prints_every_variable_with_its_source_and_no_secret(tmp_path: Path) -> None:
    output = _config_show(tmp_path)
    _assert_no_secret_in(output)
    rows = {
        line.split()[0]: line.split(maxsplit=2)[1:]
        for line in output.splitlines()
        if line and line.split()[0].isupper()
    }
    assert rows["LOG_LEVEL"] == ["environment", "warning"]
    assert rows["DEBUG"] == ["default", "true"]
    assert rows["METRICS_TOKEN"] == ["file", MASK]
    assert rows["SECRET_KEY"] == ["environment", MASK]
    assert rows["SENTRY_DSN"] == ["environment", MASK]
    assert rows["DATABASE_URL"] == [
        "environment",
        f"postgres://tracker:{MASK}@db.example.com:5432/timetracker",
    ]
    assert rows["REDIS_URL"] == ["environment", f"redis://:{MASK}@127.0.0.1:9/3"]
    names = [line.split()[0] for line in output.splitlines() if line and line.split()[0].isupper()]
    assert names == sorted(names)
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "IDLE_TIMER_HOURS", "REDIS_URL"} <= set(names)


@pytest.mark.slow
def test_json_has_the_same_rows_and_no_secret(tmp_path: Path) -> None:
    output = _config_show(tmp_path, "--json")
    _assert_no_secret_in(output)
    rows = {row["name"]: row for row in json.loads(output)}
    assert rows["POSTHOG_API_KEY"] == {
        "name": "POSTHOG_API_KEY",
        "value": MASK,
        "source": "environment",
        "masked": True,
    }
    assert rows["CACHE_PREFIX"]["value"] == "timetracker"
    assert rows["CACHE_PREFIX"]["masked"] is False


@pytest.mark.parametrize(
    ("read", "shown"),
    [
        (Read("SECRET_KEY", "abc", "environment", secret=True), MASK),
        # Masked by name alone, whatever the helper was told.
        (Read("TELEMETRY_API_KEY", "abc", "environment"), MASK),
        (Read("SOME_TOKEN", "abc", "default"), MASK),
        (Read("DB_PASSWORD", "abc", "default"), MASK),
        (Read("SENTRY_DSN", "https://key@host/1", "environment", secret=True), MASK),
        (Read("DATABASE_URL", "postgres://u:pw@h/db", ".env", secret=True), f"postgres://u:{MASK}@h/db"),
        (Read("DATABASE_URL", "sqlite:////srv/data/db.sqlite3", "default", secret=True), "sqlite:////srv/data/db.sqlite3"),
        (Read("REDIS_URL", "redis://h:6379/0?password=pw", "file", secret=True), f"redis://h:6379/0?{MASK}"),
        (Read("REDIS_URL", "redis://u:pw@h:notaport/0", "file", secret=True), MASK),
        (Read("SECRET_KEY", "", "default", secret=True), ""),
        (Read("DEBUG", False, "default"), "false"),
        (Read("ALLOWED_HOSTS", ["a.example", "b.example"], "environment"), "a.example,b.example"),
    ],
)  # fmt: skip
def test_masking(read: Read, shown: str) -> None:
    assert mask(read)[0] == shown


def test_rows_are_sorted_by_name() -> None:
    reads = [Read("B", "2", "default"), Read("A", "1", ".env")]
    assert [row.name for row in effective(reads)] == ["A", "B"]
