"""The real app under gunicorn, scraped by a real Prometheus with our configuration.

A background thread sends traffic the whole time (health checks, a 404, an
unauthenticated API call, a user starting timers, recording an entry by hand and
exporting CSV). The app's cache is a Redis (the shared one at 127.0.0.1:6379 under a
prefix of its own, or a private ``redis-server``) so that the cache panels have counters.
Prometheus runs ops/prometheus with only the addresses, the token file and the intervals
changed, and then every PromQL expression of every dashboard panel and alert rule is
evaluated against it: all must be accepted, and every panel must show data.

The last test proves that an alert reaches someone: a second app, a Prometheus whose rules
have a one-second ``for:``, a real Alertmanager with ops/alertmanager's configuration
rendered for a webhook receiver served by the test; the app is stopped and the receiver
gets the app-down alert.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import secrets
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.ops import configs
from tests.ops.alerting import alertmanager
from tests.servers import AppServer, free_port, gunicorn, running
from tests.support import missing, require_binary

pytestmark = pytest.mark.slow

# A throwaway user of a throwaway database.
PASSWORD = "probe-password-0f3c9a"
# Panels that must show data as soon as the app serves traffic.
PANELS_WITH_DATA = (
    "Request rate by view",
    "Latency p50 / p95 / p99 by view",
    "Error ratio (5xx / all)",
    "Active timers",
    "Workers",
)
EVENTS_PANEL = "Events by name"
# Every Prometheus panel of every dashboard (the test traffic gives each of them data).
ALL_PANELS = tuple(
    dict.fromkeys(q.panel for q in configs.dashboard_queries() if q.kind == "prometheus")
)
SHARED_REDIS = ("127.0.0.1", 6379)
# The slower calls (a manual entry, an export) run once every this many rounds.
SLOW_EVERY = 10


def request(
    url: str,
    *,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5,
) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=data, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class Traffic:
    """Requests of every kind, in a loop, until stopped (or 120 s at most)."""

    server: AppServer
    api_token: str
    project_id: int
    statuses: Counter[str] = field(default_factory=Counter)
    rounds: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        auth = {"Authorization": f"Token {self.api_token}"}
        url = self.server.url
        deadline = time.monotonic() + 120
        while not self.stop.is_set() and time.monotonic() < deadline:
            calls: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = [
                ("healthz", "/healthz", None, {}),
                ("readyz", "/readyz", None, {}),
                ("missing", "/no-such-page/", None, {}),
                ("timer-anonymous", "/api/v1/timer/", None, {}),
                ("timer-start", "/api/v1/timer/start/", {"project": self.project_id}, auth),
                ("timer", "/api/v1/timer/", None, auth),
            ]
            if self.rounds % SLOW_EVERY == 0:
                started = datetime.now(UTC) - timedelta(days=2, minutes=self.rounds)
                entry = {
                    "project": self.project_id,
                    "started_at": started.isoformat(),
                    "ended_at": (started + timedelta(minutes=1)).isoformat(),
                }
                calls += [
                    ("entry-create", "/api/v1/time-entries/", entry, auth),
                    ("export-csv", "/api/v1/time-entries/export/?format=csv", None, auth),
                ]
            self.rounds += 1
            for name, path, body, headers in calls:
                try:
                    status, _ = request(url + path, body=body, headers=headers)
                except OSError:
                    status = 0
                self.statuses[f"{name}:{status}"] += 1
            self.stop.wait(0.05)


@dataclass
class Stack:
    server: AppServer
    metrics_token: str
    prometheus_url: str
    traffic: Traffic

    def query(self, expr: str) -> dict[str, Any]:
        url = f"{self.prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        status, body = request(url)
        payload: dict[str, Any] = json.loads(body)
        payload["http_status"] = status
        return payload

    def series(self, expr: str) -> list[dict[str, Any]]:
        payload = self.query(expr)
        assert payload["status"] == "success", payload
        return list(payload["data"]["result"])

    def series_eventually(self, expr: str, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            result = self.series(expr)
            if result or time.monotonic() > deadline:
                return result
            time.sleep(0.5)


def prepare_user(server: AppServer) -> tuple[str, int]:
    """A user with an API token and one project; returns (token, project id)."""
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('probe', password={PASSWORD!r})",
    )
    status, body = request(
        server.url + "/api/v1/auth/token/", body={"username": "probe", "password": PASSWORD}
    )
    assert status == 200, body
    token = json.loads(body)["token"]
    status, body = request(
        server.url + "/api/v1/projects/",
        body={"name": "Monitoring probe"},
        headers={"Authorization": f"Token {token}"},
    )
    assert status == 201, body
    return token, int(json.loads(body)["id"])


@contextlib.contextmanager
def prometheus(tmp: Path, *, app_port: int, token_file: Path, **changes: Any) -> Iterator[str]:
    """Our Prometheus configuration on 127.0.0.1 (``changes`` as testable_prometheus_config)."""
    binary = require_binary("prometheus", hint="apt-get install prometheus")
    port = free_port()
    config = configs.testable_prometheus_config(
        tmp,
        token_file=token_file,
        targets={"timetracker": [f"127.0.0.1:{app_port}"], "prometheus": [f"127.0.0.1:{port}"]},
        global_={"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        **changes,
    )
    url = f"http://127.0.0.1:{port}"
    command = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with running(
        command,
        name="prometheus",
        cwd=tmp,
        log=tmp / "prometheus.log",
        ready=lambda: request(url + "/-/ready", timeout=1)[0] == 200,
        timeout=15,
    ):
        yield url


def _answers(host: str, port: int) -> bool:
    """True when a Redis answers PING at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_for_the_app(tmp: Path) -> Iterator[dict[str, str]]:
    """App settings for a Redis cache: CI's shared one (own prefix), else a private one."""
    prefix = f"tt-monitoring-{secrets.token_hex(6)}"
    if _answers(*SHARED_REDIS):
        yield {"REDIS_URL": "redis://127.0.0.1:6379/11", "CACHE_PREFIX": prefix}
        return
    binary = shutil.which("redis-server")
    if binary is None:
        missing("no Redis at 127.0.0.1:6379 and no 'redis-server' binary (the cache panels)")
    assert binary is not None
    port = free_port()
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
               "--appendonly", "no", "--dir", str(tmp)]  # fmt: skip
    with running(
        command,
        name="redis-server",
        cwd=tmp,
        log=tmp / "redis.log",
        ready=lambda: _answers("127.0.0.1", port),
        timeout=15,
    ):
        yield {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "CACHE_PREFIX": prefix}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_binary("prometheus", hint="apt-get install prometheus")
    tmp = tmp_path_factory.mktemp("stack")
    metrics_token = secrets.token_hex(20)  # 40 characters
    token_file = tmp / "metrics_token"
    token_file.write_text(metrics_token, encoding="utf-8")
    (tmp / "redis").mkdir()
    with (
        redis_for_the_app(tmp / "redis") as redis_settings,
        gunicorn(tmp / "app", workers=2, METRICS_TOKEN=metrics_token, **redis_settings) as server,
    ):
        api_token, project_id = prepare_user(server)
        traffic = Traffic(server, api_token, project_id)
        thread = threading.Thread(target=traffic.run, name="traffic", daemon=True)
        thread.start()
        try:
            app_port = int(server.url.rsplit(":", 1)[1])
            prometheus_tmp = tmp / "prometheus"
            prometheus_tmp.mkdir()
            with prometheus(prometheus_tmp, app_port=app_port, token_file=token_file) as url:
                stack = Stack(server, metrics_token, url, traffic)
                wait_for_scrapes(stack, count=4)
                yield stack
        finally:
            traffic.stop.set()
            thread.join(timeout=10)


def wait_for_scrapes(stack: Stack, *, count: int, timeout: float = 20) -> None:
    expr = (
        f'count_over_time(up{{job="timetracker"}}[1m]) >= {count} and up{{job="timetracker"}} == 1'
    )
    deadline = time.monotonic() + timeout
    while not stack.series(expr):
        if time.monotonic() > deadline:
            targets = request(stack.prometheus_url + "/api/v1/targets")[1].decode()
            raise AssertionError(f"Prometheus never scraped the app successfully:\n{targets}")
        time.sleep(0.25)


def panel_queries(title: str) -> list[str]:
    found = [
        configs.substitute_grafana_variables(query.expr)
        for query in configs.dashboard_queries()
        if query.kind == "prometheus" and query.panel == title
    ]
    assert found, f"no Prometheus panel titled {title!r}"
    return found


def test_traffic_reaches_every_kind_of_endpoint(stack: Stack) -> None:
    seen = set(stack.traffic.statuses)
    expected = {
        "healthz:200",
        "readyz:200",
        "missing:404",
        "timer-anonymous:401",
        "timer-start:201",
        "timer:200",
        "entry-create:201",
        "export-csv:200",
    }
    assert expected <= seen, stack.traffic.statuses


def test_metrics_require_the_token_prometheus_has(stack: Stack) -> None:
    assert stack.server.get("/metrics")[0] == 403
    status, body = stack.server.get(
        "/metrics", headers={"Authorization": f"Bearer {stack.metrics_token}"}
    )
    assert status == 200
    assert b"timetracker_workers" in body
    (up,) = stack.series('up{job="timetracker"}')
    assert up["value"][1] == "1"


def test_every_dashboard_and_rule_expression_is_accepted(stack: Stack) -> None:
    failures = []
    expressions = configs.prometheus_expressions()
    for where, expr in expressions:
        payload = stack.query(expr)
        if payload.get("status") != "success":
            failures.append(f"{where}: {payload.get('error')}")
    assert not failures, "\n".join(failures)
    assert len(expressions) > 10


@pytest.mark.parametrize("title", PANELS_WITH_DATA)
def test_core_panel_shows_data(stack: Stack, title: str) -> None:
    for expr in panel_queries(title):
        assert stack.series_eventually(expr), f"{title}: no data for {expr}"


@pytest.mark.parametrize("title", ALL_PANELS)
def test_every_panel_shows_data_after_the_traffic(stack: Stack, title: str) -> None:
    for expr in panel_queries(title):
        assert stack.series_eventually(expr, timeout=15), f"{title}: no data for {expr}"


def test_every_app_panel_is_checked() -> None:
    dashboard = configs.load_dashboard(configs.DASHBOARDS_DIR / "timetracker-app.json")
    titles = {p["title"] for p in configs.panels(dashboard) if p["type"] != "row"}
    assert titles <= set(ALL_PANELS)
    assert len(ALL_PANELS) >= 20


def test_product_usage_counts_the_traffic(stack: Stack) -> None:
    (entries,) = panel_queries("Entries created per day by channel")
    api = [s for s in stack.series_eventually(entries) if s["metric"].get("channel") == "api"]
    assert api, entries
    (exports,) = panel_queries("Exports per day by format")
    formats = {s["metric"].get("format") for s in stack.series_eventually(exports)}
    assert "csv" in formats, formats


def test_error_ratio_is_zero_for_a_healthy_app(stack: Stack) -> None:
    (expr,) = panel_queries("Error ratio (5xx / all)")
    (sample,) = stack.series_eventually(expr)
    assert float(sample["value"][1]) == 0


def test_workers_panel_counts_the_gunicorn_workers(stack: Stack) -> None:
    (expr,) = panel_queries("Workers")
    (sample,) = stack.series_eventually(expr)
    assert float(sample["value"][1]) == 2


def test_events_panel_shows_data_when_the_app_exports_events(stack: Stack) -> None:
    _status, body = stack.server.get(
        "/metrics", headers={"Authorization": f"Bearer {stack.metrics_token}"}
    )
    assert b"timetracker_events_total" in body
    for expr in panel_queries(EVENTS_PANEL):
        assert stack.series_eventually(expr), f"{EVENTS_PANEL}: no data for {expr}"


def test_rules_are_loaded_and_evaluate_cleanly(stack: Stack) -> None:
    deadline = time.monotonic() + 10
    while True:
        _status, body = request(stack.prometheus_url + "/api/v1/rules")
        rules = [rule for group in json.loads(body)["data"]["groups"] for rule in group["rules"]]
        if all(rule["health"] != "unknown" for rule in rules) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    names = {rule["name"] for rule in rules}
    assert names == {rule["alert"] for rule in configs.alert_rules()}
    unhealthy = {rule["name"]: rule.get("lastError") for rule in rules if rule["health"] != "ok"}
    assert not unhealthy


def test_no_critical_alert_for_a_healthy_app(stack: Stack) -> None:
    _status, body = request(stack.prometheus_url + "/api/v1/alerts")
    alerts = json.loads(body)["data"]["alerts"]
    critical = [a["labels"]["alertname"] for a in alerts if a["labels"]["severity"] == "critical"]
    assert not critical


def test_app_log_lines_match_the_shippers_format(stack: Stack) -> None:
    log_dir = Path(stack.server.env["LOG_DIR"])
    lines = [
        line
        for path in sorted(log_dir.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert lines, "the app wrote no JSON log lines"
    shipper = configs.alloy_shipper()
    layout = configs.go_layout_to_python(shipper.timestamp_layout)
    for line in lines:
        data = json.loads(line)
        layout.parse(data[shipper.json_fields[shipper.timestamp_source]])
        assert {"level", "env"} <= set(data), line


# --- From Prometheus through Alertmanager to a receiver ----------------------------------


@dataclass
class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that keeps every Alertmanager notification it gets."""

    notifications: list[dict[str, Any]] = field(default_factory=list)
    received: threading.Condition = field(default_factory=threading.Condition)

    @contextlib.contextmanager
    def serving(self) -> Iterator[str]:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.received:
                    receiver.notifications.append(json.loads(body))
                    receiver.received.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, name="webhook", daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/alerts"
        finally:
            server.shutdown()
            server.server_close()

    def wait_for(self, alertname: str, *, timeout: float) -> dict[str, Any] | None:
        """The first firing notification naming ``alertname``, polling until ``timeout``."""
        deadline = time.monotonic() + timeout
        with self.received:
            while True:
                for notification in self.notifications:
                    for alert in notification.get("alerts", []):
                        if alert["labels"].get("alertname") == alertname and (
                            alert["status"] == "firing"
                        ):
                            return notification
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.received.wait(remaining)


def app_down_rule() -> dict[str, Any]:
    """The rule that fires when Prometheus cannot scrape the app (up == 0)."""
    (rule,) = [
        rule
        for rule in configs.alert_rules()
        if "".join(rule["expr"].split()) == 'up{job="timetracker"}==0'
    ]
    return rule


def test_an_alert_reaches_the_webhook_when_the_app_stops(tmp_path: Path) -> None:
    require_binary("prometheus", hint="apt-get install prometheus")
    rule = app_down_rule()
    receiver = WebhookReceiver()
    metrics_token = secrets.token_hex(20)
    token_file = tmp_path / "metrics_token"
    token_file.write_text(metrics_token, encoding="utf-8")
    (tmp_path / "alertmanager").mkdir()
    (tmp_path / "prometheus").mkdir()
    with (
        receiver.serving() as webhook_url,
        gunicorn(tmp_path / "app", workers=1, METRICS_TOKEN=metrics_token) as server,
    ):
        rendered = configs.render_alertmanager_config(
            tmp_path / "alertmanager", {"ALERTMANAGER_WEBHOOK_URL": webhook_url}
        )
        assert rendered.returncode == 0, rendered.stderr
        # Our routing, grouping and receivers; only the waits are shortened.
        config_path = tmp_path / "alertmanager" / "alertmanager.yml"
        config = configs.load_yaml(config_path)
        config["route"].update(group_wait="1s", group_interval="1s")
        config_path.write_text(json.dumps(config), encoding="utf-8")
        with alertmanager(tmp_path / "alertmanager", config_path) as alertmanager_url:
            app_port = int(server.url.rsplit(":", 1)[1])
            with prometheus(
                tmp_path / "prometheus",
                app_port=app_port,
                token_file=token_file,
                alertmanagers=[alertmanager_url.removeprefix("http://")],
                rule_for="1s",
            ) as prometheus_url:
                stack = Stack(server, metrics_token, prometheus_url, Traffic(server, "", 0))
                wait_for_scrapes(stack, count=2)
                assert receiver.wait_for(rule["alert"], timeout=0) is None  # healthy: silent
                assert server.process is not None
                server.process.terminate()
                server.process.wait(timeout=15)
                notification = receiver.wait_for(rule["alert"], timeout=30)
    assert notification is not None, f"no {rule['alert']} notification: {receiver.notifications}"
    assert notification["receiver"] == "critical"
    (alert,) = [a for a in notification["alerts"] if a["labels"]["alertname"] == rule["alert"]]
    assert alert["labels"]["severity"] == rule["labels"]["severity"] == "critical"
    assert alert["labels"]["instance"] == f"127.0.0.1:{app_port}"
    assert alert["annotations"]["runbook"] == rule["annotations"]["runbook"]
