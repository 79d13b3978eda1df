"""Start the real app under gunicorn for integration tests and benchmarks.

Every server gets its own temporary directory for data, logs and metric files; nothing
here ever touches the project's own ``data/`` or ``logs/``.

What makes a server cheap to start (docs/local-development.md, "Test speed"):

- its SQLite database is a copy of one migrated once per test process
  (:func:`migrated_sqlite`), not migrated again for every server;
- it runs ``tests.server_settings``: the real settings with a fast password hasher;
- :meth:`AppServer.manage` runs the management command in one long-lived Django process
  per server instead of starting Python and Django again for every call.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO

from timetracker.variables import VARIABLES

ROOT = Path(__file__).resolve().parent.parent
# The real settings with a fast password hasher (see that module).
SETTINGS = "tests.server_settings"
# One reply line per command; anything else the process prints (its JSON log lines) is
# not a reply.
_REPLY = "manage-worker-reply "
_MANAGE_WORKER = f"""
import contextlib, io, json, sys, traceback

import django

django.setup()

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.db import connections

reply = sys.stdout
print({_REPLY!r} + "{{}}", file=reply, flush=True)
for line in sys.stdin:
    out, err, ok = io.StringIO(), io.StringIO(), True
    # What a fresh process would see: nothing cached in this process from an earlier
    # command (a shared Redis cache is the servers' too, and is left alone).
    for cache in caches.all(initialized_only=True):
        if isinstance(cache, LocMemCache):
            cache.clear()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            call_command(*json.loads(line), stdout=out, stderr=err)
    except BaseException:  # noqa: BLE001 (SystemExit and CommandError are failures too)
        ok = False
        err.write(traceback.format_exc())
    finally:
        connections.close_all()
    answer = {{"ok": ok, "stdout": out.getvalue(), "stderr": err.getvalue()}}
    print({_REPLY!r} + json.dumps(answer), file=reply, flush=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ManageWorker:
    """One Django process that runs management commands, one after the other.

    ``call_command`` with the arguments ``manage.py`` would get, in the server's
    environment; each command's output is returned, a failing one raises with its
    traceback. Starting Python and Django costs about a second and a half of CPU, which
    a test that resets lockouts between steps would pay again and again.
    """

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._lock = threading.Lock()
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _MANAGE_WORKER],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=out,
                text=True,
            )
        # A thread reads the output as it comes: select() on the pipe would miss a reply
        # that arrived in the same read as a log line before it (it waits in the reader's
        # buffer, not in the pipe) and wait for the time-out.
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._reply(timeout=120)

    def _read(self) -> None:
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        for line in stdout:
            self._lines.put(line)
        self._lines.put("")  # the process's output ended

    def _reply(self, timeout: float) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"manage.py did not answer:\n{self._tail()}") from None
            if not line:
                raise RuntimeError(f"manage.py exited:\n{self._tail()}")
            if line.startswith(_REPLY):
                return dict(json.loads(line.removeprefix(_REPLY)))
            with self.log.open("a", encoding="utf-8") as log:
                log.write(line)  # a log line of the command, kept for the error tail

    def _tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    def call(self, *args: str, timeout: float = 120) -> str:
        with self._lock:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(args) + "\n")
            self.process.stdin.flush()
            answer = self._reply(timeout)
        if not answer["ok"]:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{answer['stderr']}")
        return str(answer["stdout"])

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


@dataclass
class AppServer:
    url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    _manage: ManageWorker | None = field(default=None, repr=False)

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def manage(self, *args: str) -> str:
        """``manage.py *args`` against this server's database; returns what it printed."""
        if self._manage is None:
            self._manage = ManageWorker(self.env, self.log.with_name("manage.log"))
        return self._manage.call(*args)

    def close(self) -> None:
        if self._manage is not None:
            self._manage.close()
            self._manage = None


@contextlib.contextmanager
def running(
    command: list[str],
    *,
    name: str,
    cwd: Path,
    log: Path,
    ready: Callable[[], bool],
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` until the block ends; enter the block once ``ready()`` says so.

    Its output goes to ``log``, whose tail is in the error when it exits or never gets
    ready (``timeout`` is generous: a busy machine starts slowly, and an exit is seen at
    once). The process is terminated (killed after 10 s) however the block ends.
    """
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if ready():
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not get ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_template: Path | None = None
_template_lock = threading.Lock()
# Where migrated templates are kept between runs and between the processes of one run.
TEMPLATES = Path(tempfile.gettempdir()) / "timetracker-test-templates"
# What a migrated database depends on besides the installed packages: the project's code
# (models, migrations, post-migrate handlers, settings); not its tests or benchmarks.
_NOT_SCHEMA = {".venv", ".git", "tests", "bench", "node_modules", "data", "logs", "docs"}


def _schema_key() -> str:
    """A digest of everything ``migrate`` could depend on: every project Python file outside
    the tests, the configuration (the registry's variables, ``.env``), the installed
    distributions' versions and the interpreter's."""
    digest = hashlib.sha256(sys.version.encode())
    # The configuration it runs with: the variables of the registry, and a .env file.
    for variable in VARIABLES:
        digest.update(f"{variable.name}={os.environ.get(variable.name)!r}".encode())
    dotenv = ROOT / ".env"
    digest.update(dotenv.read_bytes() if dotenv.is_file() else b"")
    for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()):
        digest.update(dist.encode())
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_SCHEMA)
        for name in sorted(n for n in names if n.endswith(".py") and n != "conftest.py"):
            path = Path(folder, name)
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _migrate_into(target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="timetracker-template-") as name:
        tmp = Path(name)
        env = app_env(tmp)
        (tmp / "data").mkdir()
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py migrate failed:\n{result.stderr[-3000:]}")
        partial = target.with_suffix(f".{os.getpid()}.partial")
        shutil.copyfile(tmp / "data" / "db.sqlite3", partial)
        os.replace(partial, target)  # whole or not at all, for every reader


def migrated_sqlite() -> Path:
    """A migrated SQLite database file; copy it, never open it.

    ``migrate`` costs three to five seconds of CPU; each server used to pay it, then each
    test process. The file is made once for a state of the code and the installed packages
    (``_schema_key``) and kept in the system's temporary folder, so the processes of a run
    (xdist workers, under a lock) and later runs share it; templates of other states are
    removed once unused for a day. The copy is what ``migrate`` makes of an empty database
    (post-migrate data included), and the tests that are about migrating
    (``tests/delivery``) still run ``migrate`` themselves.
    """
    global _template
    with _template_lock:
        if _template is None:
            TEMPLATES.mkdir(parents=True, exist_ok=True)
            target = TEMPLATES / f"{_schema_key()}.sqlite3"
            with open(TEMPLATES / "lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be making it
                if not target.exists():
                    _migrate_into(target)
                os.utime(target)  # in use: kept by the pruning below
                # Other states' templates, unused for a day (never one a run is using).
                for old in TEMPLATES.glob("*.sqlite3"):
                    if old != target and time.time() - old.stat().st_mtime > 86400:
                        old.unlink(missing_ok=True)
            _template = target
        return _template


def fresh_sqlite(tmp: Path) -> None:
    """Give ``app_env(tmp)`` a migrated database and a secret key of its own."""
    data = tmp / "data"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_sqlite(), data / "db.sqlite3")
    # Written before any process starts: workers starting together would each make one.
    (data / "secret_key").write_text(secrets.token_urlsafe(50), encoding="utf-8")


def app_env(tmp: Path, **extra: str) -> dict[str, str]:
    """An environment for a separate app process with its own SQLite database and logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DATA_DIR=str(tmp / "data"),
        LOG_DIR=str(tmp / "logs"),
        DATABASE_URL=f"sqlite:///{tmp / 'data' / 'db.sqlite3'}",
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "prometheus"),
        DEBUG="true",
        DJANGO_SETTINGS_MODULE=SETTINGS,
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def gunicorn(tmp: Path, *, workers: int = 2, **extra: str) -> Iterator[AppServer]:
    """Serve the app with gunicorn on a fresh migrated database, stop it afterwards."""
    port = free_port()
    env = app_env(tmp, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers), **extra)
    for sub in ("data", "logs", "prometheus"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    server = AppServer(f"http://127.0.0.1:{port}", env, tmp / "gunicorn.log")
    if "DATABASE_URL" in extra:
        server.manage("migrate", "--noinput", "-v", "0")
    else:
        fresh_sqlite(tmp)
    # cwd is the temporary directory: the server never writes into the checkout.
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
               "--chdir", str(ROOT)]  # fmt: skip
    with running(
        command,
        name="gunicorn",
        cwd=tmp,
        log=server.log,
        env=env,
        ready=lambda: server.get("/healthz")[0] == 200,
    ) as process:
        server.process = process
        try:
            yield server
        finally:
            server.close()
