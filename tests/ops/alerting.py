"""A real Alertmanager (Debian's prometheus-alertmanager) for the tests in tests/ops."""

from __future__ import annotations

import contextlib
import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.servers import free_port, running
from tests.support import require_binary


def alertmanager_binary() -> str:
    # Debian names it prometheus-alertmanager; upstream's tarball and image, alertmanager.
    found = shutil.which("prometheus-alertmanager")
    return found or require_binary("alertmanager", hint="apt-get install prometheus-alertmanager")


def api(url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        raw = response.read()
    return json.loads(raw) if raw.strip() else None


@contextlib.contextmanager
def alertmanager(tmp: Path, config: Path) -> Iterator[str]:
    """A real Alertmanager on 127.0.0.1 (no cluster) with ``config``; yields its URL."""
    binary = alertmanager_binary()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        binary,
        f"--config.file={config}",
        f"--storage.path={tmp / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    with running(
        command,
        name="alertmanager",
        cwd=tmp,
        log=tmp / "alertmanager.log",
        ready=lambda: urllib.request.urlopen(url + "/-/ready", timeout=1).status == 200,
        timeout=15,
    ):
        yield url
