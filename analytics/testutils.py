"""Test helpers shipped with the analytics app.

``capture_events()`` records every delivered event without any server::

    with capture_events() as events:
        do_something()
    assert events.names == ["timer.started"]
    assert events.one("timer.started").properties["project_id"] == project.pk

Delivery waits for the transaction to commit: in a test wrapped in a transaction
(pytest-django's ``db``), use ``django_capture_on_commit_callbacks(execute=True)`` or the
``transactional_db`` fixture.

``FakePostHog`` is a real HTTP capture endpoint on 127.0.0.1 (``/batch/`` and
``/i/v0/e/``, plain or gzip JSON) that records every byte it receives and answers ``ok``,
``error`` (500), ``slow`` or ``hang``; ``posthog_enabled(server)`` points the PostHog sink
at it with short time-outs and the kill switch on.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from analytics import bus, conf
from analytics.bus import Event
from analytics.logs import JsonFormatter
from analytics.properties import Value

MODES = ("ok", "error", "slow", "hang")
PATHS = ("/batch/", "/i/v0/e/")


class CapturedEvents(list[Event]):
    """The events delivered while capturing, in order."""

    @property
    def names(self) -> list[str]:
        return [event.name for event in self]

    def named(self, name: str) -> list[Event]:
        return [event for event in self if event.name == name]

    def one(self, name: str) -> Event:
        found = self.named(name)
        if len(found) != 1:
            raise AssertionError(f"expected one {name}, got {len(found)} in {self.names}")
        return found[0]

    def properties(self, name: str) -> dict[str, Value]:
        """The properties of the only ``name`` event."""
        return dict(self.one(name).properties)


@contextmanager
def capture_events() -> Iterator[CapturedEvents]:
    captured = CapturedEvents()
    listener = captured.append
    bus.add_listener(listener)
    try:
        yield captured
    finally:
        bus.remove_listener(listener)


class _JsonLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []
        self.setFormatter(JsonFormatter(env="test"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@contextmanager
def capture_log_lines(level: int = logging.INFO) -> Iterator[list[dict[str, Any]]]:
    """Every log line written in the block, as the JSON objects the log file gets."""
    handler = _JsonLines()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(min(previous, level) if previous else level)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@dataclass(frozen=True)
class CapturedRequest:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes  # as received, possibly gzip-compressed
    body: bytes  # decompressed

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    @property
    def events(self) -> list[dict[str, Any]]:
        """``/batch/`` carries a list of events, ``/i/v0/e/`` a single one."""
        payload = self.payload
        if isinstance(payload, dict) and isinstance(payload.get("batch"), list):
            return list(payload["batch"])
        return [payload]

    @property
    def all_bytes(self) -> bytes:
        """Everything that arrived: headers, the raw body and the decompressed body."""
        head = "".join(f"{k}: {v}\n" for k, v in self.headers.items()).encode()
        return b"\n".join((self.method.encode(), self.path.encode(), head, self.raw, self.body))


class FakePostHog:
    """A PostHog capture endpoint on the loopback interface, for tests.

    ``mode`` can be changed at any time. ``slow`` answers after ``delay`` seconds;
    ``hang`` holds each request until the server is closed (or ``hang_seconds``).
    ``paths`` are the capture endpoints answered; ``None`` accepts any path, which makes
    the same server a fake of other services that receive JSON (Sentry's envelopes).
    """

    def __init__(
        self,
        *,
        mode: str = "ok",
        delay: float = 0.2,
        hang_seconds: float = 10.0,
        paths: tuple[str, ...] | None = PATHS,
    ):
        self.mode = mode
        self.paths = paths
        self.delay = delay
        self.hang_seconds = hang_seconds
        self._requests: list[CapturedRequest] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        # A short poll interval: closing the server must not cost half a second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.01,), name="fake-posthog", daemon=True
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gzipped = (self.headers.get("Content-Encoding") or "").lower() == "gzip"
                body = gzip.decompress(raw) if gzipped or raw[:2] == b"\x1f\x8b" else raw
                server._record(
                    CapturedRequest("POST", self.path, dict(self.headers.items()), raw, body)
                )
                if server.paths is not None and self.path.split("?")[0] not in server.paths:
                    self._answer(404, b'{"error": "not found"}')
                elif server.mode == "hang":
                    server._release.wait(server.hang_seconds)
                elif server.mode == "error":
                    self._answer(500, b'{"error": "fake failure"}')
                else:
                    if server.mode == "slow":
                        time.sleep(server.delay)
                    self._answer(200, b'{"status": "Ok"}')

            def _answer(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (time-out): nothing to answer

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        return Handler

    def _record(self, request: CapturedRequest) -> None:
        with self._arrived:
            self._requests.append(request)
            self._arrived.notify_all()

    # --- Reading what arrived ----------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[CapturedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for request in self.requests for event in request.events]

    @property
    def event_names(self) -> list[str]:
        return [str(event.get("event")) for event in self.events]

    @property
    def all_bytes(self) -> bytes:
        """Every byte received: the place to look for personal data that leaked."""
        return b"\n".join(request.all_bytes for request in self.requests)

    def wait_for_requests(self, count: int, *, timeout: float = 2.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._arrived.wait(remaining)
        return True

    # --- Lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakePostHog:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self._thread.start()
        return self

    def close(self) -> None:
        self._release.set()  # let hanging handlers finish
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakePostHog:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


FAST_DELIVERY = {
    "ANALYTICS_POSTHOG_API_KEY": "phc_test_key",
    "ANALYTICS_POSTHOG_FLUSH_INTERVAL": 0.05,
    "ANALYTICS_POSTHOG_TIMEOUT": 0.5,
    "ANALYTICS_POSTHOG_MAX_RETRIES": 0,
    "ANALYTICS_POSTHOG_EXIT_FLUSH_TIMEOUT": 0.5,
}


@contextmanager
def posthog_switch(*, active: bool = True) -> Iterator[None]:
    """Create (or update) the kill switch for the block; needs database access."""
    from waffle.testutils import override_switch

    with override_switch(conf.posthog_switch(), active=active):
        yield


@contextmanager
def posthog_enabled(server: FakePostHog, *, switch: bool = True, **settings: Any) -> Iterator[None]:
    """Send to ``server`` for the block: key set, short time-outs, switch on.

    Extra ``ANALYTICS_*`` settings override the defaults (``ANALYTICS_DO_NOT_TRACK=True``
    to prove a consent layer). The PostHog client is replaced before and after.
    """
    from django.test import override_settings

    from analytics.sinks import posthog

    values = {**FAST_DELIVERY, "ANALYTICS_POSTHOG_HOST": server.url, **settings}
    overrides = override_settings(**values)
    posthog.reset()
    overrides.enable()
    enabled = True
    try:
        with posthog_switch(active=True) if switch else nullcontext():
            try:
                yield
            finally:
                # The settings go back before the switch does, so turning it off is never
                # sent to ``server``: whether it arrived depended on how fast the retired
                # client drained, and tests count what the server received.
                posthog.reset()
                overrides.disable()
                enabled = False
    finally:
        if enabled:
            overrides.disable()
        posthog.reset()


def flush(*, timeout: float = 2.0) -> None:
    """Wait until queued PostHog events were handed to the server (or gave up)."""
    bus.flush(timeout=timeout)
