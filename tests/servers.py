"""Start the real app under gunicorn for integration tests and benchmarks.

Every server gets its own temporary directory for data, logs and metric files; nothing
here ever touches the project's own ``data/`` or ``logs/``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class AppServer:
    url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout


@contextlib.contextmanager
def running(
    command: list[str],
    *,
    name: str,
    cwd: Path,
    log: Path,
    ready: Callable[[], bool],
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` until the block ends; enter the block once ``ready()`` says so.

    Its output goes to ``log``, whose tail is in the error when it exits or never gets
    ready. The process is terminated (killed after 10 s) however the block ends.
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


def app_env(tmp: Path, **extra: str) -> dict[str, str]:
    """An environment for a separate app process with its own SQLite database and logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DATA_DIR=str(tmp / "data"),
        LOG_DIR=str(tmp / "logs"),
        DATABASE_URL=f"sqlite:///{tmp / 'data' / 'db.sqlite3'}",
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "prometheus"),
        DEBUG="true",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def gunicorn(tmp: Path, *, workers: int = 2, **extra: str) -> Iterator[AppServer]:
    """Migrate a fresh database, serve the app with gunicorn, stop it afterwards."""
    port = free_port()
    env = app_env(tmp, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers), **extra)
    for sub in ("data", "logs", "prometheus"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    server = AppServer(f"http://127.0.0.1:{port}", env, tmp / "gunicorn.log")
    server.manage("migrate", "--noinput", "-v", "0")
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
        yield server
