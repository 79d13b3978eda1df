"""RequestContextMiddleware: request ids in and out, on every log line, and the access line."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from analytics.testutils import capture_log_lines

GENERATED = re.compile(r"^[0-9a-f]{32}$")


def test_it_makes_a_request_id_and_returns_it(db: Any) -> None:
    response = Client().get("/healthz")
    assert GENERATED.match(response["X-Request-ID"])
    assert Client().get("/healthz")["X-Request-ID"] != response["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["abc-123_DEF.456:789", "5b0c6c1e0d7f4d0a9f3f6a1c2b3d4e5f"])
def test_it_keeps_a_sane_incoming_request_id(db: Any, incoming: str) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["short", "x" * 129, "has spaces in it", 'quote"injection', "new\nline-12345", "-leading-dash"],
)
def test_it_replaces_an_odd_incoming_request_id(db: Any, incoming: str) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert GENERATED.match(response["X-Request-ID"])


def test_every_line_written_during_the_request_carries_its_id(db: Any) -> None:
    with capture_log_lines() as lines:
        response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="trace-0123456789")
    assert response.status_code == 404
    assert sorted(line["logger"] for line in lines) == ["analytics.request", "django.request"]
    assert {line["request_id"] for line in lines} == {"trace-0123456789"}


def test_the_access_line_names_the_route_never_the_path(db: Any) -> None:
    user = get_user_model().objects.create_user(username="ada", password="pw-123456789")
    client = Client()
    client.force_login(user)
    with capture_log_lines() as lines:
        client.get("/privacy/events/?q=ada@example.com")
    (access,) = [line for line in lines if line["logger"] == "analytics.request"]
    assert access["message"] == "request"
    assert access["method"] == "GET"
    assert access["route"] == "analytics:events"
    assert access["status"] == 200
    assert access["user_id"] == user.pk
    assert isinstance(access["duration_ms"], float)
    assert "ada@example.com" not in str(lines)


def test_the_access_line_can_be_turned_off(db: Any, settings: Any) -> None:
    settings.ANALYTICS_ACCESS_LOG = False
    with capture_log_lines() as lines:
        Client().get("/healthz")
    assert [line for line in lines if line["logger"] == "analytics.request"] == []
