"""Errors reach Sentry without personal data (a fake Sentry on 127.0.0.1 receives them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from analytics.testutils import FakePostHog
from timetracker.sentry import before_send, init_sentry, scrub_text

pytestmark = pytest.mark.django_db


def failing_view(request: HttpRequest) -> HttpResponse:
    notes = request.POST.get("notes", "")
    raise RuntimeError(f"could not save entry for {request.user.email}: {notes[:10]}")


urlpatterns = [path("boom/", failing_view)]


@pytest.fixture
def sentry() -> Iterator[FakePostHog]:
    # The capture server accepts any path here: Sentry posts to /api/<project>/envelope/.
    with FakePostHog(paths=None) as fake:
        dsn = fake.url.replace("http://", "http://publickey@") + "/1"
        init_sentry(dsn=dsn, environment="test", release="9.9.9", traces_sample_rate=0.0)
        try:
            yield fake
        finally:
            sentry_sdk.get_client().close()
            sentry_sdk.init(dsn=None)


@pytest.mark.urls("apps.monitoring.tests.test_sentry")
def test_a_view_error_arrives_without_body_cookies_email_or_notes(
    sentry: FakePostHog, member: Any
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(member)
    client.cookies["theme"] = "cookie-value-xyz"
    response = client.post(
        "/boom/?email=mel%40example.com",
        {"notes": "secret-notes-about-acme", "password": "hunter2-pass"},
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)

    assert sentry.requests, "the error did not reach the fake Sentry"
    # The bodies: the HTTP headers name the fake's own loopback address.
    sent = b"\n".join(request.body for request in sentry.requests)
    assert b"RuntimeError" in sent
    assert b'"release":"9.9.9"' in sent.replace(b" ", b"")
    for secret in [
        b"mel@example.com",
        b"mel%40example.com",
        b"secret-notes",
        b"hunter2-pass",
        b"cookie-value-xyz",
        b"sessionid",
        b"198.51.100.23",
        b"127.0.0.1",
    ]:
        assert secret not in sent, secret


def test_before_send_removes_request_details_and_user() -> None:
    event = {
        "request": {
            "url": "https://time.example.com/entries/?q=acme",
            "data": {"notes": "x"},
            "cookies": {"sessionid": "abc"},
            "query_string": "q=acme",
            "headers": {"Cookie": "sessionid=abc", "Accept": "text/html", "X-Real-Ip": "1.2.3.4"},
        },
        "user": {"email": "ada@example.com", "ip_address": "1.2.3.4"},
        "breadcrumbs": {"values": [{"category": "query", "message": "SELECT", "data": {"p": 1}}]},
        "logentry": {"message": "mail to ada@example.com from 10.0.0.5"},
    }
    cleaned = before_send(event, {})
    assert cleaned["request"] == {
        "url": "https://time.example.com/entries/",
        "headers": {"Accept": "text/html"},
    }
    assert "user" not in cleaned
    assert cleaned["breadcrumbs"]["values"][0] == {"category": "query", "message": "SELECT"}
    assert cleaned["logentry"]["message"] == "mail to [email] from [ip]"


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("user a.b+c@mail.example.org failed", "user [email] failed"),
        ("from 192.168.1.20 and ::1", "from [ip] and [ip]"),
        ("at 12:30:45 on 2026-11-28", "at 12:30:45 on 2026-11-28"),
        ("fe80::1:2:3:4 here", "[ip] here"),
        ("nothing personal", "nothing personal"),
    ],
)
def test_scrub_text(text: str, clean: str) -> None:
    assert scrub_text(text) == clean
