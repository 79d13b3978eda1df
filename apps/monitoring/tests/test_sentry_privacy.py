"""What reaches Sentry, proven on the bytes a fake Sentry on 127.0.0.1 receives.

With every request traced (``traces_sample_rate=1.0``) a real server (pytest-django's
``live_server``, so the SDK's WSGI and Django instrumentation run as in production) serves
web pages, the Django admin, the API, a page rendered through ``django.shortcuts.render``
with names in its context, a 404 and a failing view. No name, note, username, e-mail
address, query-string value, token or cookie, nor any four-character piece of one, may
appear in the envelopes; the route name, the request id and the exception type must.
"""

from __future__ import annotations

import gzip
import json
import logging
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import requests
import sentry_sdk
from django import shortcuts
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from analytics.identity import distinct_id
from analytics.testutils import CapturedRequest, FakePostHog, capture_log_lines
from apps.accounts.services import api_token_create
from apps.clients.models import Client as ClientModel
from apps.projects.models import Project
from apps.timers.models import TimeEntry
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    TaskFactory,
    TimeEntryFactory,
    UserFactory,
)
from timetracker.sentry import init_sentry

pytestmark = pytest.mark.django_db(transaction=True)

# Made-up words: none of their four-character pieces occurs in code, SQL or hex ids.
CLIENT_NAME = "Zqxjkv Wobbleton"
PROJECT_NAME = "Quillfrodz Mxyzpt"
TASK_NAME = "Brakvil Snorquet"
NOTES = "Plumbago vexzup quorble"
USERNAME = "jubbitrax"
EMAIL = "vorpwinkle@glimquatz.zq"
FULL_NAME = ("Yzolda", "Grubwizzle")
QUERY_VALUE = "Frimblezorp"
MISSING_PATH = "Vemdripquux"
MARKERS = [CLIENT_NAME, PROJECT_NAME, TASK_NAME, NOTES, USERNAME, EMAIL, *FULL_NAME]
MARKERS += [QUERY_VALUE, MISSING_PATH]


def pieces(text: str, size: int = 4) -> set[str]:
    """Every ``size``-character substring of ``text``, lower-cased."""
    text = text.lower()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def assert_no_piece_of(markers: list[str], sent: str) -> None:
    """Fail on any marker, or any four-character piece of one, in ``sent`` (any case)."""
    sent = sent.lower()
    leaks = sorted(
        f"{piece!r} of {marker!r}"
        for marker in markers
        for piece in pieces(marker)
        if piece in sent
    )
    assert not leaks, "left for Sentry: " + ", ".join(leaks)


# --- Reading envelopes -------------------------------------------------------------------------


@dataclass
class Envelope:
    headers: dict[str, Any]
    items: list[tuple[dict[str, Any], Any]]  # (item header, payload)

    def payloads(self, kind: str) -> list[dict[str, Any]]:
        return [payload for header, payload in self.items if header.get("type") == kind]


def parse_envelope(body: bytes) -> Envelope:
    """Sentry's envelope format: a JSON header line, then (item header, payload) pairs."""
    lines = body.split(b"\n")
    headers = json.loads(lines[0])
    items = []
    rest = b"\n".join(lines[1:])
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item = json.loads(item_line)
        if "length" in item:
            raw, rest = rest[: item["length"]], rest[item["length"] + 1 :]
        else:
            raw, _, rest = rest.partition(b"\n")
        items.append((item, json.loads(raw)))
    return Envelope(headers, items)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def everything_sent(requests_: list[CapturedRequest]) -> str:
    """The decoded bytes (request line, headers, body) and every parsed JSON string."""
    parts = []
    for request in requests_:
        assert request.headers.get("Content-Encoding", "gzip") == "gzip", request.headers
        assert request.body == (
            gzip.decompress(request.raw) if request.raw[:2] == b"\x1f\x8b" else request.raw
        )
        parts.append(request.all_bytes.decode("utf-8", "replace"))
        envelope = parse_envelope(request.body)
        parts.extend(_strings(envelope.headers))
        for header, payload in envelope.items:
            parts.extend(_strings(header))
            parts.extend(_strings(payload))
    return "\n".join(parts)


# --- Test-only views (mounted in front of the product's URLs) -------------------------------


def names_page(request: HttpRequest) -> HttpResponse:
    """A page rendered with names in its context, through the SDK-patched ``render``.

    The product's views import ``render`` before a test can start the SDK, so they render
    unpatched here; in production (the SDK starts in settings) they go through this path.
    It also calls out (to the fake's /outgoing/) and captures a message with a note.
    """
    entry = TimeEntry.objects.select_related("project__client", "task", "user").get()
    fake_url = request.GET["fake"]
    outgoing = urllib.request.Request(
        f"{fake_url}/outgoing/?q={QUERY_VALUE}", data=b"{}", method="POST"
    )
    urllib.request.urlopen(outgoing, timeout=5).close()
    sentry_sdk.capture_message(f"note seen: {entry.notes}")
    return shortcuts.render(
        request,
        "404.html",
        {
            "entry": entry,
            "project": entry.project,
            "client": entry.project.client,
            "task": entry.task,
            "owner": entry.user,
            "notes": entry.notes,
            "projects": list(Project.objects.all()),
            "clients": list(ClientModel.objects.all()),
        },
    )


def failing_view(request: HttpRequest) -> HttpResponse:
    project = Project.objects.select_related("client").get()
    try:
        {}[f"{project.client.name} {request.user.get_username()}"]
    except KeyError as exc:
        raise ValueError(f"cannot export {project.name}: {NOTES} ({request.user.email})") from exc
    return HttpResponse()  # pragma: no cover


urlpatterns = [
    path("test-only/names/", names_page, name="test-sentry-names"),
    path("test-only/boom/", failing_view, name="test-sentry-boom"),
    path("", include("timetracker.urls")),
]


# --- The walk --------------------------------------------------------------------------------


@pytest.fixture
def sentry() -> Iterator[FakePostHog]:
    """A fake Sentry (any path; envelopes go to /api/<project>/envelope/), every request traced."""
    with FakePostHog(paths=None) as fake:
        dsn = fake.url.replace("http://", "http://publickey@") + "/1"
        init_sentry(dsn=dsn, environment="test", release="9.9.9", traces_sample_rate=1.0)
        try:
            yield fake
        finally:
            sentry_sdk.get_client().close()
            sentry_sdk.init(dsn=None)


@dataclass
class Walk:
    base: str
    web: requests.Session
    api: requests.Session
    secrets: list[str]  # full values only: tokens and ids are hex, pieces would collide
    request_ids: dict[str, str]  # route name -> the request id the server answered with
    user_pk: int = 0

    def call(
        self,
        session: requests.Session,
        method: str,
        url: str,
        *,
        route: str,
        expect: int,
        **kwargs: Any,
    ) -> Any:
        response = session.request(method, self.base + url, timeout=10, **kwargs)
        assert response.status_code == expect, (url, response.status_code)
        self.request_ids[route] = response.headers["X-Request-ID"]
        return response


def walk(live_server: Any, fake: FakePostHog) -> Walk:
    user = UserFactory(
        username=USERNAME,
        email=EMAIL,
        first_name=FULL_NAME[0],
        last_name=FULL_NAME[1],
        is_staff=True,
        is_superuser=True,
    )
    project = ProjectFactory(name=PROJECT_NAME, client=ClientFactory(name=CLIENT_NAME))
    task = TaskFactory(project=project, name=TASK_NAME)
    entry = TimeEntryFactory(user=user, project=project, task=task, notes=NOTES)
    login = Client()
    login.force_login(user)
    session_id = login.cookies["sessionid"].value
    _row, token = api_token_create(user=user, name="sentry walk")

    result = Walk(live_server.url, requests.Session(), requests.Session(), [session_id, token], {})
    result.web.cookies.set("sessionid", session_id)
    result.api.headers["Authorization"] = f"Token {token}"
    today = timezone.localdate()
    period = {
        "start": (today - timedelta(days=7)).isoformat(),
        "end": today.isoformat(),
        "q": QUERY_VALUE,
    }
    web, api, call = result.web, result.api, result.call

    call(web, "GET", "/", route="web:dashboard", expect=200, params={"q": QUERY_VALUE})
    call(web, "GET", "/entries/", route="web:entry-list", expect=200, params={"q": QUERY_VALUE})
    call(web, "GET", f"/entries/{entry.pk}/edit/", route="web:entry-edit", expect=200)
    call(web, "GET", "/reports/", route="web:report", expect=200, params=period)
    call(web, "GET", f"/projects/{project.pk}/", route="web:project-detail", expect=200)
    admin = "/admin/timers/timeentry/"
    call(
        web,
        "GET",
        admin,
        route="admin:timers_timeentry_changelist",
        expect=200,
        params={"q": QUERY_VALUE},
    )
    call(
        web, "GET", f"{admin}{entry.pk}/change/", route="admin:timers_timeentry_change", expect=200
    )
    admin = "/admin/projects/project/"
    call(
        web,
        "GET",
        admin,
        route="admin:projects_project_changelist",
        expect=200,
        params={"q": PROJECT_NAME},
    )
    call(
        web,
        "GET",
        f"{admin}{project.pk}/change/",
        route="admin:projects_project_change",
        expect=200,
    )
    call(
        web,
        "GET",
        f"/projects/{MISSING_PATH}/",
        route="unresolved",
        expect=404,
        params={"q": QUERY_VALUE},
    )
    call(
        web,
        "GET",
        "/test-only/names/",
        route="test-sentry-names",
        expect=200,
        params={"fake": fake.url},
    )

    call(
        api,
        "GET",
        "/api/v1/time-entries/",
        route="time-entry-list",
        expect=200,
        params={"q": QUERY_VALUE},
    )
    now = timezone.now()
    new_entry = {
        "project": project.pk,
        "task": task.pk,
        "started_at": (now - timedelta(hours=5)).isoformat(),
        "ended_at": (now - timedelta(hours=4)).isoformat(),
        "notes": NOTES,
    }
    call(api, "POST", "/api/v1/time-entries/", route="time-entry-list", expect=201, json=new_entry)
    call(
        api,
        "POST",
        "/api/v1/timer/start/",
        route="api-timer-start",
        expect=201,
        json={"project": project.pk, "task": task.pk, "notes": NOTES},
    )
    call(api, "POST", "/api/v1/timer/stop/", route="api-timer-stop", expect=200)

    call(
        web,
        "GET",
        "/test-only/boom/",
        route="test-sentry-boom",
        expect=500,
        params={"q": QUERY_VALUE},
    )
    result.user_pk = user.pk
    return result


@pytest.mark.urls("apps.monitoring.tests.test_sentry_privacy")
def test_sentry_receives_routes_types_and_request_ids_but_no_user_text(
    sentry: FakePostHog, live_server: Any
) -> None:
    with capture_log_lines(logging.ERROR) as log_lines:
        done = walk(live_server, sentry)
    sentry_sdk.flush(timeout=5)

    outgoing = [request for request in sentry.requests if "/outgoing/" in request.path]
    envelopes = [request for request in sentry.requests if "/envelope/" in request.path]
    assert outgoing, [request.path for request in sentry.requests]
    assert envelopes, "nothing reached the fake Sentry"
    # Trace headers would tell the operator's PostHog or the telemetry endpoint the release,
    # the route and Sentry's public key.
    assert not {"sentry-trace", "baggage"} & {name.lower() for name in outgoing[0].headers}

    sent = everything_sent(envelopes)
    assert_no_piece_of(MARKERS, sent)
    for secret in done.secrets:
        assert secret.lower() not in sent.lower()
    # Nor the client's address (the live server sees every request from 127.0.0.1).
    assert b"127.0.0.1" not in b"".join(request.body for request in envelopes)

    events = [parse_envelope(request.body) for request in envelopes]
    transactions = [payload for envelope in events for payload in envelope.payloads("transaction")]
    errors = [payload for envelope in events for payload in envelope.payloads("event")]

    # Every request is named by its route, never by its path.
    assert {event["transaction"] for event in transactions} == set(done.request_ids)
    assert all(event["tags"]["route"] == event["transaction"] for event in transactions)

    # The error: its types (the chain too), the route, the request id, the pseudonymous actor.
    (boom,) = [event for event in errors if event.get("exception")]
    request_id = done.request_ids["test-sentry-boom"]
    assert [value["type"] for value in boom["exception"]["values"]] == ["KeyError", "ValueError"]
    assert all(request_id in value["value"] for value in boom["exception"]["values"])
    assert boom["transaction"] == boom["tags"]["route"] == "test-sentry-boom"
    assert boom["tags"]["request_id"] == request_id
    assert boom["user"] == {"id": distinct_id(done.user_pk)}
    assert boom["release"] == "9.9.9"
    assert boom["environment"] == "test"
    frames = [
        frame for value in boom["exception"]["values"] for frame in value["stacktrace"]["frames"]
    ]
    assert any(frame["function"] == "failing_view" and frame["in_app"] for frame in frames)
    assert not any("vars" in frame or "abs_path" in frame for frame in frames)

    # The captured message: withheld, pointing at the log line of its request.
    (message,) = [event for event in errors if event.get("message")]
    assert done.request_ids["test-sentry-names"] in message["message"]

    # The operator reads the message in the local log line with the same request id.
    (line,) = [
        line for line in log_lines if line["request_id"] == request_id and line["level"] == "ERROR"
    ]
    assert NOTES in line["exc_info"]
    assert PROJECT_NAME in line["exc_info"]

    # Spans keep the SQL (placeholders only) and the template names, nothing else.
    spans = [span for event in transactions for span in event["spans"]]
    assert any(
        span["op"] == "template.render" and "404.html" in span["description"] for span in spans
    )
    assert any(span["op"] == "db" and "%s" in span.get("description", "") for span in spans)
    assert all(
        set(span.get("data", {}))
        <= {"db.system", "http.request.method", "http.response.status_code"}
        for span in spans
    )
