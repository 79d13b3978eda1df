"""Structured logging: the JSON line format, a readable console format, the log file.

Every line is one JSON object whose first fields are fixed, because log shippers
(``ops/alloy``, ``ops/promtail``) parse them::

    {"timestamp": "2026-11-28T17:59:14.123Z", "level": "INFO", "logger": "analytics.events",
     "message": "timer.started", "request_id": "5b0c...", "env": "production",
     "event": "timer.started", "project_id": 3}

``timestamp`` is UTC with exactly three fractional digits and a literal ``Z``;
``request_id`` is ``null`` outside a request; ``event`` and the event's properties appear
only on event lines. Other ``extra`` fields follow them.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from concurrent_log_handler import ConcurrentRotatingFileHandler
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from analytics import context

FIXED_FIELDS = ("timestamp", "level", "logger", "message", "request_id", "env")
# Record attributes that are not extra fields, plus ours and Django's request objects
# (their repr would put full URLs with query strings into the log).
_NOT_EXTRA = frozenset(
    {
        *RESERVED_ATTRS,
        "message",
        "asctime",
        "request",
        "analytics_event",
        "analytics_properties",
        "request_id",
    }
)

# Log files that could not be opened: read by the analytics.W001 system check.
FILE_ERRORS: list[str] = []


def format_timestamp(created: float, msecs: float) -> str:
    """``2026-11-28T17:59:14.123Z``: UTC, milliseconds, a literal Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(msecs):03d}Z"


def _fields(record: logging.LogRecord, env: str) -> dict[str, Any]:
    """The fixed fields, then the event and its properties, then any extras."""
    # Django logs 4xx/5xx responses after the middleware has returned; those records carry
    # the request, on which the middleware left its id.
    request_id = (
        getattr(record, "request_id", None)
        or context.request_id()
        or getattr(record.__dict__.get("request"), "request_id", None)
    )
    data: dict[str, Any] = {
        "timestamp": format_timestamp(record.created, record.msecs),
        "level": record.levelname,
        "logger": record.name,
        # A dict logged as the message is spread into the line by the JSON formatter.
        "message": "" if isinstance(record.msg, dict) else record.getMessage(),
        "request_id": request_id,
        "env": env,
    }
    event = getattr(record, "analytics_event", None)
    if event:
        data["event"] = event
        for key, value in (getattr(record, "analytics_properties", None) or {}).items():
            data.setdefault(key, value)
    for key, value in record.__dict__.items():
        if key not in _NOT_EXTRA and not key.startswith("_") and key not in data:
            data[key] = value
    return data


class JsonFormatter(BaseJsonFormatter):
    """python-json-logger's formatter with TimeTracker's fixed field order."""

    def __init__(self, *args: Any, env: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env = env

    def add_fields(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        log_data.update(_fields(record, self.env))
        # A dict logged as the message, or a formatted exception / stack.
        for key, value in message_dict.items():
            if key not in FIXED_FIELDS:
                log_data.setdefault(key, value)


class ConsoleFormatter(logging.Formatter):
    """A readable line for development (``LOG_FORMAT=console``); the file stays JSON."""

    def __init__(self, *args: Any, env: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env = env

    def format(self, record: logging.LogRecord) -> str:
        data = _fields(record, self.env)
        head = f"{data.pop('timestamp')} {data.pop('level'):<8} {data.pop('logger')}: "
        message = str(data.pop("message"))
        data.pop("env")
        data.pop("event", None)
        request_id = data.pop("request_id")
        details = " ".join(f"{key}={value}" for key, value in data.items())
        line = head + message + (f" [{details}]" if details else "")
        if request_id:
            line += f" (request {request_id[:8]})"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def file_handler(*, filename: str, max_bytes: int, backup_count: int) -> logging.Handler:
    """The JSON log file, or a handler that drops records when the file cannot be opened.

    A read-only or missing log directory must not stop the app: it keeps serving and
    logging to stdout, and the analytics.W001 system check explains what to fix.
    """
    path = Path(filename)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # concurrent-log-handler: size-based rotation under a file lock, so several
        # gunicorn workers append to one file and rotate it without losing a line.
        return ConcurrentRotatingFileHandler(
            str(path), maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
        )
    except OSError as exc:
        FILE_ERRORS.append(f"{path}: {exc.strerror or exc}")
        return logging.NullHandler()
