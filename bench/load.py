"""A small closed-loop load generator on the loopback interface (threads and http.client).

Each client is a thread acting as its own user: it runs the request mix ``iterations``
times, one request after the other, timing each from connect to the last byte of the
answer. Nothing here ever connects anywhere but the server it is given (127.0.0.1).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bench.seed import Account


@dataclass(frozen=True)
class Step:
    name: str
    method: str
    path: str
    body: bytes | None = None
    # "token" for the API, "session" for pages.
    auth: str = "token"
    ok: tuple[int, ...] = (200,)


Mix = Callable[[Account, int], Sequence[Step]]


def analytics_mix(account: Account, iteration: int) -> list[Step]:
    """Timer start and stop (API), the dashboard, the entry list, the report page, a month's
    summary (API)."""
    project = account.project_ids[iteration % len(account.project_ids)]
    today = datetime.now(tz=UTC).date()
    start = (today - timedelta(days=30)).isoformat()
    return [
        Step(
            "timer start",
            "POST",
            "/api/v1/timer/start/",
            json.dumps({"project": project}).encode(),
            ok=(201,),
        ),
        Step("dashboard", "GET", "/", auth="session"),
        Step("entry list", "GET", "/entries/", auth="session"),
        Step("report page", "GET", "/reports/", auth="session"),
        Step(
            "summary report",
            "GET",
            f"/api/v1/reports/summary/?start={start}&end={today.isoformat()}&group_by=project",
        ),
        Step("timer stop", "POST", "/api/v1/timer/stop/"),
    ]


@dataclass
class Sample:
    """What one or more runs measured."""

    latencies: list[float] = field(default_factory=list)
    by_step: dict[str, list[float]] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    wall: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.requests / self.wall if self.wall else 0.0

    def add(self, other: Sample) -> None:
        self.latencies.extend(other.latencies)
        for name, values in other.by_step.items():
            self.by_step.setdefault(name, []).extend(values)
        self.failures.update(other.failures)
        self.wall += other.wall


def _headers(account: Account, step: Step) -> dict[str, str]:
    headers = {"Accept": "application/json" if step.auth == "token" else "text/html"}
    if step.auth == "token":
        headers["Authorization"] = f"Token {account.token}"
    else:
        headers["Cookie"] = f"sessionid={account.session}"
    if step.body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def one_request(host: str, port: int, account: Account, step: Step) -> tuple[int, float]:
    """Status and seconds; status 0 when the connection failed."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request(step.method, step.path, body=step.body, headers=_headers(account, step))
        response = conn.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        conn.close()
    return status, time.perf_counter() - started


def drive(url: str, accounts: Sequence[Account], *, iterations: int, mix: Mix) -> Sample:
    """Every account in its own thread, ``iterations`` rounds of ``mix`` each."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only talks to the loopback interface")
    results = [Sample() for _ in accounts]

    def client(account: Account, out: Sample) -> None:
        for i in range(iterations):
            for step in mix(account, i):
                status, seconds = one_request(host, port, account, step)
                out.latencies.append(seconds)
                out.by_step.setdefault(step.name, []).append(seconds)
                if status not in step.ok:
                    out.failures[f"{step.name}: {status}"] += 1

    threads = [
        threading.Thread(target=client, args=(account, out), daemon=True)
        for account, out in zip(accounts, results, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Sample(wall=time.perf_counter() - started)
    for result in results:
        total.add(result)
    return total
