"""gunicorn configuration: `gunicorn -c gunicorn.conf.py` (the container's command).

Settings come from the environment like the rest of the app; see docs/configuration.md.

Prometheus multiprocess mode: every worker writes its metrics to files in
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds them up, so a scrape answered by any
worker reports the whole server. Stale metric files are removed when gunicorn starts
(they would add old counts) and a dead worker's live gauges are dropped when it exits.
"""

from __future__ import annotations

import os
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
    if worker.age == 1:
        _print_setup_token(worker)


def _print_setup_token(worker: Any) -> None:
    """While no admin exists, the first worker prints the one-time setup token at start
    (docs/operations.md).

    In the worker, which has Django loaded already: the master never imports Django, and a
    process of its own for the command would cost a second of CPU and a Python's memory at
    every start. Workers that replace a dead one later do not print it again. A database
    that is not ready yet only costs a warning, never the worker.
    """
    from django.core.management import call_command

    # SystemExit is the command's "database unavailable"; nothing here may stop the worker.
    try:
        call_command("setup_token")
    except (Exception, SystemExit) as exc:  # noqa: BLE001
        worker.log.warning("could not print the setup token: %s", exc)
    finally:
        sys.stdout.flush()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
