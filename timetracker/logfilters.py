"""Logging filters of the project (they know its URLs, so they live here, not in an app)."""

from __future__ import annotations

import logging
import re

# Paths whose segments are secrets: the calendar feed's URL is its own credential.
SECRET_PATHS = (re.compile(r"(/calendar/feed/)[^/\s?]+(\.ics)"),)
QUERY = re.compile(r"\?[^\s\"]*")


def redact(text: str) -> str:
    """``text`` without query strings and with secret path segments replaced."""
    text = QUERY.sub("?…", text)
    for pattern in SECRET_PATHS:
        text = pattern.sub(r"\1[secret]\2", text)
    return text


class RedactRequestLine(logging.Filter):
    """For Django's development server log (``"GET /path?q HTTP/1.1" 200 12``): the request
    line loses its query string and any secret path segment before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True
