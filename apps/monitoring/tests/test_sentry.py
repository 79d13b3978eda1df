"""Sentry's allow-list, field by field, and an error arriving with tracing off.

The walk through pages, admin and API with every request traced is in
``test_sentry_privacy.py``; this module checks the hooks on events built by hand and one
error sent through the SDK to a fake Sentry on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from sentry_sdk.integrations.django import DjangoIntegration

from analytics import context
from analytics.identity import distinct_id
from analytics.testutils import FakePostHog
from apps.monitoring.tests.test_sentry_privacy import assert_no_piece_of, parse_envelope
from timetracker.sentry import (
    allowed,
    before_send,
    before_send_transaction,
    init_sentry,
    withheld,
)

pytestmark = pytest.mark.django_db

NOTES = "secret-notes-about-acme"


def failing_view(request: HttpRequest) -> HttpResponse:
    notes = request.POST.get("notes", "")
    # Only part of the notes: the test must look for every piece, not the whole text.
    raise RuntimeError(f"could not save entry for {request.user.email}: {notes[:10]}")


urlpatterns = [path("boom/", failing_view, name="boom")]


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
        {"notes": NOTES, "password": "hunter2-pass"},
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)

    # Tracing off: the error and nothing else (no transaction, no session, no report).
    assert len(sentry.requests) == 1, "expected exactly the error envelope"
    envelope = parse_envelope(sentry.requests[0].body)
    assert [header["type"] for header, _ in envelope.items] == ["event"]
    (event,) = envelope.payloads("event")
    (error,) = event["exception"]["values"]
    request_id = response["X-Request-ID"]
    assert error["type"] == "RuntimeError"
    assert error["value"] == withheld("RuntimeError", request_id)
    assert event["tags"] == {"route": "boom", "request_id": request_id}
    assert event["user"] == {"id": distinct_id(member.pk)}
    assert event["release"] == "9.9.9"

    sent = sentry.all_bytes.decode("utf-8", "replace")
    assert_no_piece_of([NOTES, "mel@example.com", "mel%40example.com", "hunter2-pass"], sent)
    for secret in ["cookie-value-xyz", "sessionid", "198.51.100.23", member.username]:
        assert secret not in sent, secret
    # The fake's own address is in the HTTP Host header only, never in the event.
    assert b"127.0.0.1" not in sentry.requests[0].body


def test_tracing_off_means_no_sampling_no_breadcrumbs_and_nothing_on_the_request_path(
    sentry: FakePostHog,
) -> None:
    client = sentry_sdk.get_client()
    assert client.options["traces_sample_rate"] is None
    assert client.options["max_breadcrumbs"] == 0
    assert client.options["trace_propagation_targets"] == []
    # Errors come from Django's got_request_exception; no integration wraps the WSGI
    # handler, SQL, logging, outgoing HTTP or Redis (docs/performance.md, section 1).
    assert sorted(client.integrations) == ["atexit", "dedupe", "excepthook"]
    assert client.get_integration(DjangoIntegration) is None
    keys = [receiver[0][0] for receiver in got_request_exception.receivers]
    assert "timetracker.sentry.capture_request_exception" in keys


@pytest.fixture
def traced_sentry() -> Iterator[FakePostHog]:
    with FakePostHog(paths=None) as fake:
        dsn = fake.url.replace("http://", "http://publickey@") + "/1"
        init_sentry(dsn=dsn, environment="test", release="9.9.9", traces_sample_rate=0.5)
        try:
            yield fake
        finally:
            sentry_sdk.get_client().close()
            sentry_sdk.init(dsn=None)


def test_tracing_on_switches_to_the_django_integration_without_auto_enabled_ones(
    traced_sentry: FakePostHog,
) -> None:
    client = sentry_sdk.get_client()
    assert client.options["traces_sample_rate"] == 0.5
    django = client.get_integration(DjangoIntegration)
    assert django is not None
    assert (django.middleware_spans, django.signals_spans, django.cache_spans) == (
        False,
        False,
        False,
    )
    # Not whatever happens to be installed (Redis, RQ, ...): Django plus the defaults.
    assert "redis" not in client.integrations
    assert "rq" not in client.integrations


@pytest.mark.urls("apps.monitoring.tests.test_sentry")
def test_with_tracing_on_an_error_is_sent_once(traced_sentry: FakePostHog, member: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(member)
    response = client.post("/boom/", {"notes": NOTES})
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)

    events = [
        payload
        for request in traced_sentry.requests
        for payload in parse_envelope(request.body).payloads("event")
    ]
    # The Django integration captured it; the got_request_exception receiver stood back.
    assert len(events) == 1
    assert events[0]["tags"]["route"] == "boom"
    assert events[0]["tags"]["request_id"] == response["X-Request-ID"]
    assert_no_piece_of([NOTES], traced_sentry.all_bytes.decode("utf-8", "replace"))


# --- The allow-list on events built by hand ----------------------------------------------------

SDK_EVENT: dict[str, Any] = {
    "event_id": "0" * 32,
    "timestamp": "2026-11-28T17:59:14Z",
    "platform": "python",
    "level": "error",
    "release": "1.2.3",
    "environment": "production",
    "server_name": "host.example.com",
    "sdk": {"name": "sentry.python.django", "version": "2", "integrations": ["django"]},
    "transaction": "/entries/Acme/",
    "transaction_info": {"source": "url"},
    "request": {
        "url": "https://time.example.com/entries/?q=acme",
        "method": "POST",
        "data": {"notes": "x"},
        "cookies": {"sessionid": "abc"},
        "query_string": "q=acme",
        "headers": {"Cookie": "sessionid=abc", "Accept": "text/html", "X-Real-Ip": "1.2.3.4"},
        "env": {"REMOTE_ADDR": "1.2.3.4"},
    },
    "user": {"email": "ada@example.com", "ip_address": "1.2.3.4"},
    "breadcrumbs": {"values": [{"category": "query", "message": "SELECT 'Acme'"}]},
    "extra": {"sys.argv": ["manage.py", "createsuperuser", "--username", "ada"]},
    "modules": {"django": "5.2"},
    "tags": {"client": "Acme", "http.status_code": "500"},
    "contexts": {
        "trace": {
            "trace_id": "1" * 32,
            "span_id": "2" * 16,
            "op": "http.server",
            "description": "POST /entries/?q=acme",
            "data": {"thread.name": "worker", "http.response.status_code": 500},
            "dynamic_sampling_context": {
                "trace_id": "1" * 32,
                "public_key": "key",
                "release": "1.2.3",
                "transaction": "/entries/Acme/",
                "user_segment": "Acme",
            },
        },
        "runtime": {"name": "CPython"},
        "response": {"status_code": 500},
        "custom": {"project": "Acme"},
    },
    "logentry": {"message": "mail to %s", "params": ["ada@example.com"]},
    "threads": {"values": [{"id": 1, "name": "Acme worker"}]},
    "exception": {
        "values": [
            {
                "type": "ValueError",
                "module": "builtins",
                "value": "cannot export 'Acme'",
                "mechanism": {"type": "django", "handled": False, "data": {"x": "Acme"}},
                "stacktrace": {
                    "frames": [
                        {
                            "filename": "apps/reports/exports/formats.py",
                            "abs_path": "/srv/app/apps/reports/exports/formats.py",
                            "module": "apps.reports.exports.formats",
                            "function": "xlsx",
                            "lineno": 12,
                            "in_app": True,
                            "context_line": "    raise ValueError(name)",
                            "vars": {"name": "'Acme'"},
                        },
                        {
                            "filename": "openpyxl/cell.py",
                            "module": "openpyxl.cell",
                            "function": "set",
                            "lineno": 3,
                            "in_app": False,
                            "context_line": "x = 1",
                        },
                    ]
                },
            }
        ]
    },
    "spans": [
        {
            "span_id": "3" * 16,
            "op": "db",
            "description": "SELECT 1 FROM t WHERE name = 'Acme' AND note = 'it''s' AND id = %s",
            "data": {"db.system": "postgresql", "db.params": ["Acme"], "db.name": "acme"},
        },
        {
            "span_id": "4" * 16,
            "op": "template.render",
            "description": "[web/x.html, ...]",
            "data": {"context": {"client": "<Client: Acme>"}},
        },
        {"span_id": "5" * 16, "op": "cache.get", "description": "user:ada@example.com"},
        {
            "span_id": "6" * 16,
            "op": "http.client",
            "description": "POST https://ph/?q=Acme",
            "data": {"url": "https://ph/", "http.request.method": "POST"},
        },
        {
            "span_id": "7" * 16,
            "op": "subprocess",
            "description": "git log --author=Acme",
            "tags": {"who": "Acme"},
        },
    ],
}


def test_the_allow_list_keeps_exactly_the_declared_fields() -> None:
    with context.request_context(request_id="req-12345678", route="web:export"):
        cleaned = before_send(SDK_EVENT, {})
    note = withheld("ValueError", "req-12345678")
    assert cleaned == {
        "event_id": "0" * 32,
        "timestamp": "2026-11-28T17:59:14Z",
        "platform": "python",
        "level": "error",
        "release": "1.2.3",
        "environment": "production",
        "sdk": {"name": "sentry.python.django", "version": "2"},
        "transaction": "web:export",
        "transaction_info": {"source": "route"},
        "tags": {"route": "web:export", "request_id": "req-12345678", "http.status_code": "500"},
        "request": {"method": "POST"},
        "contexts": {
            "trace": {
                "trace_id": "1" * 32,
                "span_id": "2" * 16,
                "op": "http.server",
                "data": {"http.response.status_code": 500},
                "dynamic_sampling_context": {
                    "trace_id": "1" * 32,
                    "public_key": "key",
                    "release": "1.2.3",
                    "transaction": "web:export",
                },
            },
            "response": {"status_code": 500},
        },
        "message": withheld("Captured message", "req-12345678"),
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "module": "builtins",
                    "value": note,
                    "mechanism": {"type": "django", "handled": False},
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "apps/reports/exports/formats.py",
                                "module": "apps.reports.exports.formats",
                                "function": "xlsx",
                                "lineno": 12,
                                "in_app": True,
                                "context_line": "    raise ValueError(name)",
                            },
                            {
                                "filename": "openpyxl/cell.py",
                                "module": "openpyxl.cell",
                                "function": "set",
                                "lineno": 3,
                                "in_app": False,
                            },
                        ]
                    },
                }
            ]
        },
        "spans": [
            {
                "span_id": "3" * 16,
                "op": "db",
                "description": "SELECT 1 FROM t WHERE name = '?' AND note = '?' AND id = %s",
                "data": {"db.system": "postgresql"},
            },
            {"span_id": "4" * 16, "op": "template.render", "description": "[web/x.html, ...]"},
            {"span_id": "5" * 16, "op": "cache.get"},
            {"span_id": "6" * 16, "op": "http.client", "data": {"http.request.method": "POST"}},
            {"span_id": "7" * 16, "op": "subprocess"},
        ],
    }
    assert "Acme" not in repr(cleaned)


@pytest.mark.urls("apps.monitoring.tests.test_sentry")
def test_a_transaction_after_the_request_is_named_by_its_route() -> None:
    # Transactions finish after the request context is gone: the route comes from the path.
    event = {"type": "transaction", "request": {"url": "http://testserver/boom/?q=acme"}}
    assert before_send_transaction(event, {})["transaction"] == "boom"
    unknown = {"type": "transaction", "request": {"url": "http://testserver/acme/"}}
    cleaned = before_send_transaction(unknown, {})
    assert cleaned["transaction"] == "unresolved"
    assert cleaned["tags"] == {"route": "unresolved"}


def test_outside_a_request_the_message_points_at_the_time() -> None:
    cleaned = allowed({"exception": {"values": [{"type": "OSError", "value": "/home/ada"}]}})
    assert cleaned["exception"]["values"][0]["value"] == withheld("OSError", None)
    assert "request_id" not in cleaned["tags"]
    assert "user" not in cleaned


@pytest.mark.parametrize("message", ["database is locked", "timed out", ""])
def test_safe_static_messages_are_sent_as_they_are(message: str) -> None:
    cleaned = allowed({"exception": {"values": [{"type": "OperationalError", "value": message}]}})
    assert cleaned["exception"]["values"][0]["value"] == message
