"""Metrics under gunicorn with several workers add up (Prometheus multiprocess mode)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.servers import gunicorn

pytestmark = pytest.mark.slow

HEALTHZ = re.compile(
    r'^timetracker_http_responses_total\{status="200",view="healthz"\} (\S+)$',
    re.MULTILINE,
)


def _healthz_count(text: str) -> float:
    match = HEALTHZ.search(text)
    return float(match.group(1)) if match else 0.0


def test_counters_from_all_workers_add_up(tmp_path: Path) -> None:
    requests = 60
    with gunicorn(tmp_path, workers=2) as server:
        baseline = _healthz_count(server.get("/metrics")[1].decode())  # start-up probes
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: server.get("/healthz")[0], range(requests)))
        assert statuses == [200] * requests
        # Several scrapes, answered by whichever worker: each sees the whole server.
        for _ in range(4):
            status, body = server.get("/metrics")
            text = body.decode()
            assert status == 200
            assert _healthz_count(text) == baseline + requests
            assert re.search(r"^timetracker_workers 2\.0$", text, re.MULTILINE), text[-2000:]
            assert "timetracker_ready 1.0" in text
