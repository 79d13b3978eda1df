"""The development server's access log keeps no query strings and no calendar-feed secret,
in either log stream (stdout and logs/app.jsonl are fed by the same root handlers)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from timetracker.logfilters import redact

SECRET = "k3Y-5ecret_Value"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /calendar/feed/{SECRET}.ics HTTP/1.1", "GET /calendar/feed/[secret].ics HTTP/1.1"),
        (
            f"GET /calendar/feed/{SECRET}.ics?v=2 HTTP/1.1",
            "GET /calendar/feed/[secret].ics?… HTTP/1.1",
        ),
        ("GET /entries/?notes=private+words HTTP/1.1", "GET /entries/?… HTTP/1.1"),
        ("GET /reports/ HTTP/1.1", "GET /reports/ HTTP/1.1"),
    ],
)
def test_it_redacts_the_request_line(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_the_django_server_logger_redacts_before_any_handler(caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /calendar/feed/{SECRET}.ics?token={SECRET} HTTP/1.1", "200", "512"
    )
    assert caplog.records
    assert SECRET not in caplog.text
    assert "/calendar/feed/[secret].ics" in caplog.text
