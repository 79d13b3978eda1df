"""gunicorn configuration: `gunicorn -c gunicorn.conf.py` (the container's command).

Settings come from the environment like the rest of the app; see docs/configuration.md.

Prometheus multiprocess mode: every worker writes its metrics to files in
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds them up, so a scrape answered by any
worker reports the whole server. Stale metric files are removed when gunicorn starts
(they would add old counts) and a dead worker's live gauges are dropped when it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

wsgi_app = "timetracker.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Request logging is the app's job (JSON lines with request ids); gunicorn logs errors.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Set before any worker imports prometheus_client, which reads it at import time. An
# empty value means "use the default", never the current directory.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(
        Path(tempfile.gettempdir()) / "timetracker-prometheus"
    )


def on_starting(server: Any) -> None:
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    # Only prometheus_client's own files are removed: never a whole directory tree.
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)


def post_worker_init(worker: Any) -> None:
    from apps.monitoring.metrics import mark_worker_started

    mark_worker_started()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server: Any) -> None:
    """While no admin exists, print the one-time setup token (docs/operations.md).

    In a child process: the master never imports Django (its workers do), and a database
    that is not ready yet only costs a warning, never the server. No metric files: the
    child is not a worker.
    """
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    manage = str(Path(__file__).resolve().with_name("manage.py"))
    try:
        subprocess.run([sys.executable, manage, "setup_token"], env=env, timeout=60, check=False)  # noqa: S603
    except (OSError, subprocess.SubprocessError) as exc:
        server.log.warning("could not print the setup token: %s", exc)
