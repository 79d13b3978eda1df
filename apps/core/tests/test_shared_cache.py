"""Flags through a shared Redis cache: a change made by one process is seen by another.

Two long-lived ``manage.py shell`` processes stand in for two gunicorn workers: one reads
a switch (which caches it), the other changes it, and the first reads it again. With
``REDIS_URL`` the change is seen at once; with a cache per process it is not, which is
why several workers need Redis. Keys live in Redis database 9 under a prefix unique to the
test, and only those keys are removed afterwards.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.servers import ROOT, app_env, fresh_sqlite
from tests.support import missing

REDIS_URL = "redis://127.0.0.1:6379/9"
# Each process answers one line per command: "get NAME" -> True/False, "set NAME on|off".
WORKER = """
import sys
from apps.core import flags
from waffle.models import Switch

print("ready", flush=True)
for line in sys.stdin:
    command, name, *rest = line.split()
    if command == "get":
        print(flags.switch_is_active(name), flush=True)
    else:
        switch = Switch.objects.get(name=name)
        switch.active = rest[0] == "on"
        switch.save()
        print("saved", flush=True)
"""

pytestmark = pytest.mark.slow


class Worker:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        # stderr goes to a file: a pipe nobody reads blocks a chatty worker once it is full.
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", WORKER],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        self.logged: list[dict[str, Any]] = []
        # A thread reads the lines as they come. Waiting on the pipe with select() instead
        # missed a line that arrived in the same read as the one before it (it sits in the
        # reader's buffer, not in the pipe), and then waited for an answer already there.
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._line() == "ready"

    def _read(self) -> None:
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        for line in stdout:
            self.lines.put(line)
        self.lines.put("")  # the worker's output ended

    def _stderr(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-2000:]

    def _line(self, timeout: float = 120) -> str:
        try:
            line = self.lines.get(timeout=timeout).strip()
        except queue.Empty:
            raise AssertionError(f"the worker did not answer: {self._stderr()}") from None
        if not line:
            raise AssertionError(f"the worker stopped: {self._stderr()}")
        return line

    def ask(self, command: str) -> str:
        """Send one command and return its answer.

        The process's JSON log lines (a switch saved records ``feature_flag.changed``, and
        the console logs it before the answer) are kept in ``self.logged``.
        """
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        while True:
            line = self._line()
            if not line.startswith("{"):
                return line
            self.logged.append(json.loads(line))

    def events(self, name: str) -> list[dict[str, Any]]:
        return [line for line in self.logged if line.get("event") == name]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    try:
        import redis
    except ImportError:
        missing("the redis package is not installed (requirements/base.txt)")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError:
        missing("Redis is not reachable at 127.0.0.1:6379")
    prefix = f"tt-test-{uuid.uuid4().hex}"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    fresh_sqlite(tmp_path)  # a copy of a database migrated once per test process
    return tmp_path


def _two_workers(tmp: Path, **extra: str) -> tuple[Worker, Worker]:
    # One database and one cache, but a log directory each: the test is about the cache,
    # and two processes then share no log file or its rotation lock (the events are read
    # from each process's stdout).
    first = app_env(tmp, LOG_DIR=str(tmp / "logs-1"), **extra)
    second = app_env(tmp, LOG_DIR=str(tmp / "logs-2"), **extra)
    return Worker(first, tmp), Worker(second, tmp)


def _seen_within(worker: Worker, name: str, expected: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if worker.ask(f"get {name}") == expected:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def test_a_switch_changed_in_one_process_is_seen_by_another_through_redis(
    database: Path, redis_prefix: str
) -> None:
    import redis

    reader, writer = _two_workers(database, REDIS_URL=REDIS_URL, CACHE_PREFIX=redis_prefix)
    try:
        assert reader.ask("get maintenance-mode") == "False"  # now cached in Redis
        keys = redis.Redis.from_url(REDIS_URL).keys(f"{redis_prefix}:*")
        assert f"{redis_prefix}:1:switches:all".encode() in keys

        assert writer.ask("set maintenance-mode on") == "saved"
        # Saving deletes the cached rows, so the next read anywhere finds the new state.
        assert _seen_within(reader, "maintenance-mode", "True", seconds=2)

        assert writer.ask("set maintenance-mode off") == "saved"
        assert _seen_within(reader, "maintenance-mode", "False", seconds=2)
        # Each save outside a request was recorded once, through the cli door.
        assert [
            (line["flag_name"], line["state"], line["channel"])
            for line in writer.events("feature_flag.changed")
        ] == [("maintenance-mode", True, "cli"), ("maintenance-mode", False, "cli")]
        assert reader.events("feature_flag.changed") == []
    finally:
        reader.close()
        writer.close()


def test_without_redis_each_process_keeps_its_own_cached_state(database: Path) -> None:
    # The reason for REDIS_URL with several workers: here the reader keeps the old state
    # until its own cache entry expires (CACHES TIMEOUT, 5 minutes).
    reader, writer = _two_workers(database)
    try:
        assert reader.ask("get maintenance-mode") == "False"
        assert writer.ask("set maintenance-mode on") == "saved"
        assert writer.ask("get maintenance-mode") == "True"
        assert not _seen_within(reader, "maintenance-mode", "True", seconds=1)
    finally:
        reader.close()
        writer.close()
