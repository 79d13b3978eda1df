"""Fakes of outside services as real HTTP servers on 127.0.0.1, for tests.

``CaptureServer`` accepts any POST, decompresses gzip bodies, records each request and
answers according to its ``mode``: ``"ok"`` (200), ``"error"`` (500) or ``"hang"`` (never
answers until the server stops). It never reaches beyond the loopback interface.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass
class Captured:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class CaptureServer:
    mode: str = "ok"
    requests: list[Captured] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._release = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip" or raw[:2] == b"\x1f\x8b":
                    raw = gzip.decompress(raw)
                elif encoding == "deflate":
                    raw = zlib.decompress(raw)
                with server._lock:
                    server.requests.append(
                        Captured("POST", self.path, dict(self.headers.items()), raw)
                    )
                if server.mode == "hang":
                    server._release.wait(timeout=30)
                    return
                status = 500 if server.mode == "error" else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                body = b'{"status": 1}' if status == 200 else b'{"error": "fake failure"}'
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_PUT = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def bodies(self) -> bytes:
        """Every captured body, concatenated: the place to look for leaked data."""
        with self._lock:
            return b"\n".join(r.body for r in self.requests)

    def start(self) -> CaptureServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> CaptureServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
