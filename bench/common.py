"""What every benchmark needs: a scratch database, Django, gunicorn, and figures.

Safety first: the benchmarks create and drop their own PostgreSQL database, so they refuse
to touch one whose name does not contain ``bench``; they write only into temporary
directories they created and remove only those; and every server they start listens on
127.0.0.1 and is stopped by its process id when the benchmark ends, however it ends.
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_timetracker"
# One secret per run, shared by the driver and its servers (sessions are signed with it).
# A child process that prepares data (bench.pages --prepare) is given the driver's secret.
SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or "bench-" + secrets.token_urlsafe(48)
# Only these variables of the caller's environment reach the servers: a developer's
# SENTRY_DSN or POSTHOG_API_KEY must never make a benchmark talk to a real service.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "VIRTUAL_ENV")


# --- Figures --------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, so the output can be pasted into docs/performance.md."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in cells]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


# --- Temporary directory and database -------------------------------------------------------
@contextlib.contextmanager
def temp_dir(name: str) -> Iterator[Path]:
    """A directory of our own under the system's temporary directory, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=f"timetracker-{name}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def database_url(suffix: str = "") -> str:
    """The benchmark database; ``suffix`` names a second one beside it (``_large``)."""
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not suffix:
        return url
    parts = urlsplit(url)
    return urlunsplit((*parts[:2], parts.path.rstrip("/") + suffix, parts.query, ""))


def _database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name or "bench" not in name:
        raise SystemExit(
            f"BENCH_DATABASE_URL names the database {name!r}; the benchmarks drop and recreate "
            "their database, so its name must contain 'bench' (e.g. bench_timetracker)"
        )
    return name


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


def _drop(cursor: object, name: str) -> None:
    from psycopg import sql

    # Our own database only (its name was checked); sessions of a crashed run go first.
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )
    cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))  # type: ignore[attr-defined]


@contextlib.contextmanager
def scratch_database(*, keep: bool = False, suffix: str = "") -> Iterator[str]:
    """Create the benchmark database afresh, yield its URL, drop it afterwards."""
    import psycopg
    from psycopg import sql

    url = database_url(suffix)
    name = _database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn, conn.cursor() as cur:
        _drop(cur, name)
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url
    finally:
        close_django_connections()
        if keep:
            print(f"(kept the database {name})")
        else:
            with (
                psycopg.connect(_maintenance_url(url), autocommit=True) as conn,
                conn.cursor() as cur,
            ):
                _drop(cur, name)


# --- Django in this process and in servers --------------------------------------------------
def app_env(tmp: Path, db_url: str, *, mode: str = "off", **extra: str) -> dict[str, str]:
    """The environment of an app process: production mode, everything under ``tmp``.

    ``mode`` ``off`` turns logging to a file, metrics, PostHog and Sentry off
    (:mod:`bench.settings`); ``on`` keeps the project's settings and lets ``extra`` point
    PostHog and Sentry at local fakes.
    """
    env = {key: os.environ[key] for key in INHERITED if key in os.environ}
    for sub in ("data", "logs", "prometheus"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_OBSERVABILITY=mode,
        PYTHONPATH=str(ROOT),
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        DATA_DIR=str(tmp / "data"),
        LOG_DIR=str(tmp / "logs"),
        DATABASE_URL=db_url,
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "prometheus"),
        # Explicitly empty, so that a developer's .env cannot fill them in.
        SENTRY_DSN="",
        SENTRY_DSN_FILE="",
        POSTHOG_API_KEY="",
        POSTHOG_API_KEY_FILE="",
        POSTHOG_HOST="http://127.0.0.1:9",
        TELEMETRY_ENABLED="false",
        DO_NOT_TRACK="false",
        ANALYTICS_ENABLED="true",
        METRICS_ENABLED="true",
    )
    env.update(extra)
    return env


def setup_django(tmp: Path, db_url: str, *, migrate: bool = True) -> None:
    """Configure Django in this process (observability off) and migrate the database."""
    os.environ.update(app_env(tmp, db_url, mode="off"))
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the driver keeps its metrics in memory
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)


def close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


# --- gunicorn -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; the fields after its closing ")" do not.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _is_our_leftover(pid: int) -> bool:
    """A worker whose master is gone: re-parented, still running gunicorn."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"gunicorn" in command and str(ROOT).encode() in command


def status_kib(pid: int, field_name: str) -> int:
    """A ``/proc/<pid>/status`` memory field (VmHWM, VmRSS) in KiB; 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Server:
    name: str
    url: str
    log: Path
    process: subprocess.Popen[bytes]
    workers: int
    _known_workers: set[int] = field(default_factory=set)

    def worker_pids(self) -> list[int]:
        pids = _children(self.process.pid)
        self._known_workers.update(pids)
        return pids

    def peak_rss_kib(self) -> list[int]:
        """VmHWM of each live worker: the most memory it has held since it started."""
        return [status_kib(pid, "VmHWM") for pid in self.worker_pids()]

    def replaced_workers(self) -> int:
        """Workers that were replaced (a crash or a time-out) since the server started."""
        return max(0, len(self._known_workers | set(self.worker_pids())) - self.workers)

    def wait_ready(self, *, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if (
                    self.get("/healthz", timeout=2)[0] == 200
                    and len(self.worker_pids()) >= self.workers
                ):
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"gunicorn {self.name} did not answer:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers); workers left over are killed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self._known_workers:
            if _is_our_leftover(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def get_with_session(self, path: str, session: str) -> tuple[int, str]:
        """Status and the redirect target or the start of the body, without following."""
        import http.client

        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        try:
            conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
            response = conn.getresponse()
            return response.status, response.getheader("Location") or response.read(300).decode()
        finally:
            conn.close()

    def get(self, path: str, *, timeout: float = 10) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def start_gunicorn(name: str, tmp: Path, env: dict[str, str], *, workers: int) -> Server:
    """Start serving the app with the project's gunicorn.conf.py (not yet ready)."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    tmp.mkdir(parents=True, exist_ok=True)
    log = tmp / f"gunicorn-{name}.log"
    with log.open("wb") as out:
        # cwd is our temporary directory: the server never writes into the checkout.
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "--chdir", str(ROOT)],
            cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return Server(name, f"http://127.0.0.1:{port}", log, process, workers)


@contextlib.contextmanager
def gunicorns(specs: dict[str, tuple[Path, dict[str, str], int]]) -> Iterator[dict[str, Server]]:
    """Start several servers at once (name: (directory, environment, workers)), stop them all."""
    servers: dict[str, Server] = {}
    try:
        for name, (tmp, env, workers) in specs.items():
            servers[name] = start_gunicorn(name, tmp, env, workers=workers)
        for server in servers.values():
            server.wait_ready()
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@contextlib.contextmanager
def gunicorn(name: str, tmp: Path, env: dict[str, str], *, workers: int) -> Iterator[Server]:
    with gunicorns({name: (tmp, env, workers)}) as servers:
        yield servers[name]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: how busy the machine was around a run."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"
