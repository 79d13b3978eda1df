"""A whole user journey through the real web UI and API, against a fake PostHog.

It proves, on the bytes PostHog would receive: the exact events and their declared
properties; that no username, e-mail address, client/project/task name, note or client IP
ever leaves; that every consent layer saying "off" means not a single request; and that
a hanging PostHog neither slows requests down nor breaks them.
"""

from __future__ import annotations

import json
import runpy
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from statistics import median
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from analytics import identity
from analytics.catalogue import catalogue
from analytics.sinks import posthog
from analytics.sinks.posthog import PROTOCOL_PROPERTIES, PostHogSink
from analytics.testutils import FakePostHog, capture_events, flush, posthog_enabled
from apps.accounts.models import Role
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"
CLIENT_IP = "203.0.113.77"
HANG_TIMEOUT = 4.0  # seconds: PostHog's time-out while the fake one hangs

EXPECTED = [
    "auth.login",
    "client.created",
    "project.created",
    "task.created",
    "task.updated",
    "task.status_changed",
    "timer.started",
    "timer.stopped",
    "time_entry.created",
    "time_entry.updated",
    "report.viewed",
    "report.viewed",
    "export.csv",
    "export.xlsx",
    "export.json",
    "export.ics",
    "auth.logout",
]


@dataclass
class Journey:
    """One person's session; every request is timed and must succeed."""

    suffix: str
    user: Any = None
    timings: list[tuple[str, float]] = field(default_factory=list)
    client: Client = field(
        default_factory=lambda: Client(REMOTE_ADDR=CLIENT_IP, HTTP_X_FORWARDED_FOR=CLIENT_IP)
    )

    @property
    def secrets(self) -> list[str]:
        """Everything personal the journey types or owns: none of it may leave."""
        return [
            self.username,
            self.email,
            self.client_name,
            self.project_name,
            self.task_name,
            self.notes,
            self.other_notes,
            CLIENT_IP,
        ]

    def __post_init__(self) -> None:
        s = self.suffix
        self.username = f"zelda-{s}"
        self.email = f"zelda.{s}@example.org"
        self.client_name = f"Acme Nightingale {s}"
        self.project_name = f"Project Bluebird {s}"
        self.task_name = f"Design the unicorn logo {s}"
        self.notes = f"Confidential merger call with Mr Smith {s}"
        self.other_notes = f"Lunch with the auditors {s}"
        self.user = UserFactory(username=self.username, email=self.email, profile__role=Role.ADMIN)

    def request(self, method: str, path: str, *, expect: int, **kwargs: Any) -> Any:
        if "json" in kwargs:
            kwargs["data"] = json.dumps(kwargs.pop("json"))
            kwargs["content_type"] = "application/json"
        started = time.perf_counter()
        response = getattr(self.client, method)(path, **kwargs)
        if response.streaming:
            b"".join(response.streaming_content)
        self.timings.append((f"{method.upper()} {path}", time.perf_counter() - started))
        assert response.status_code == expect, (path, response.status_code)
        return response

    def run(self) -> None:
        today = timezone.localdate()
        period = {"start": (today - timedelta(days=1)).isoformat(), "end": today.isoformat()}
        self.request("get", "/accounts/login/", expect=200)
        self.request(
            "post",
            "/accounts/login/",
            data={"username": self.username, "password": "x"},
            expect=200,
        )
        self.request(
            "post",
            "/accounts/login/",
            data={"username": self.username, "password": PASSWORD},
            expect=302,
        )
        self.request("post", "/clients/new/", data={"name": self.client_name}, expect=302)
        client_id = self.request("get", "/api/v1/clients/", expect=200).json()["results"][0]["id"]
        project = self.request(
            "post",
            "/api/v1/projects/",
            json={"name": self.project_name, "client": client_id, "hourly_rate": "80.00"},
            expect=201,
        ).json()
        task = self.request(
            "post",
            "/api/v1/tasks/",
            json={"project": project["id"], "name": self.task_name},
            expect=201,
        ).json()
        self.request(
            "patch", f"/api/v1/tasks/{task['id']}/", json={"status": "in_progress"}, expect=200
        )
        self.request(
            "post",
            "/timer/start/",
            data={"project": project["id"], "task": task["id"], "notes": self.notes},
            expect=302,
        )
        self.request("post", "/timer/stop/", expect=302)
        now = timezone.now()
        entry = self.request(
            "post",
            "/api/v1/time-entries/",
            json={
                "project": project["id"],
                "task": task["id"],
                "started_at": (now - timedelta(hours=2, minutes=10)).isoformat(),
                "ended_at": (now - timedelta(hours=1)).isoformat(),
                "notes": self.notes,
            },
            expect=201,
        ).json()
        self.request(
            "patch",
            f"/api/v1/time-entries/{entry['id']}/",
            json={"notes": self.other_notes},
            expect=200,
        )
        self.request("get", "/reports/", data={**period, "group_by": "project"}, expect=200)
        self.request(
            "get", "/api/v1/reports/summary/", data={**period, "group_by": "client"}, expect=200
        )
        self.request("get", "/reports/export.csv", data=period, expect=200)
        self.request("get", "/reports/export.xlsx", data=period, expect=200)
        self.request(
            "get", "/api/v1/time-entries/export/", data={**period, "format": "json"}, expect=200
        )
        self.request(
            "get", "/api/v1/time-entries/export/", data={**period, "format": "ics"}, expect=200
        )
        self.request("get", "/privacy/events/", expect=200)
        self.request("post", "/accounts/logout/", expect=302)
        self.project_id, self.task_id, self.entry_id = project["id"], task["id"], entry["id"]


def assert_nothing_personal(server: FakePostHog, journey: Journey) -> None:
    sent = server.all_bytes.lower()
    for secret in journey.secrets:
        assert secret.lower().encode() not in sent, f"{secret!r} left the machine"


@pytest.fixture
def posthog_server() -> Any:
    with FakePostHog() as server:
        yield server


def test_the_journey_sends_exactly_the_declared_events(
    transactional_db: Any, posthog_server: FakePostHog
) -> None:
    # The account exists before the journey (UserFactory's set_password and save would
    # record auth.password_changed): the journey starts at the login page.
    journey = Journey("ok")
    with posthog_enabled(posthog_server), capture_events() as delivered:
        journey.run()
        flush()
    # Turning the switch back off after the block is not sent, however long one waits.
    posthog.drain_handoff(timeout=2)
    posthog.join_retired(timeout=2)

    # Locally, the failed login was recorded too; it never leaves.
    assert delivered.names == ["auth.login_failed", *EXPECTED]
    # posthog_enabled() turned the analytics-posthog switch on before the journey: a change
    # of a declared switch outside any request, announced through the cli door, and the
    # first event PostHog may receive. Then the journey's events, exactly.
    # The installation group's $groupidentify is tested in test_posthog_groups_journey.py.
    events = [e for e in posthog_server.events if e["event"] != "$groupidentify"]
    assert [e["event"] for e in events] == ["feature_flag.changed", *EXPECTED]
    switch_event, *journey_events = events
    assert {
        name: switch_event["properties"][name] for name in ("kind", "flag_name", "state", "channel")
    } == {"kind": "switch", "flag_name": "analytics-posthog", "state": True, "channel": "cli"}
    assert {request.path for request in posthog_server.requests} == {"/batch/"}

    distinct_id = identity.distinct_id(journey.user.pk)
    assert switch_event["distinct_id"] != distinct_id  # no user did it
    assert all(event["distinct_id"] == distinct_id for event in journey_events)
    for event in events:
        declared = catalogue.get(event["event"]).properties
        for name, value in event["properties"].items():
            if name in declared:
                assert declared[name].accepts(value) or value is None, (event["event"], name)
            else:
                assert name in PROTOCOL_PROPERTIES | {"$set", "$groups"}, (event["event"], name)
        assert set(declared) <= set(event["properties"]), event["event"]
        assert event["properties"]["$geoip_disable"] is True

    by_name = {event["event"]: event["properties"] for event in journey_events}
    assert by_name["auth.login"]["$set"] == {
        "account_age": "<1d",
        "role": "admin",
        "utc_offset_hours": 0,
    }
    assert by_name["project.created"]["project_id"] == journey.project_id
    assert by_name["project.created"]["has_client"] is True
    assert by_name["task.status_changed"]["old_status"] == "todo"
    assert by_name["task.status_changed"]["new_status"] == "in_progress"
    assert by_name["timer.started"]["task_id"] == journey.task_id
    assert by_name["timer.stopped"]["duration"] == "<1m"
    assert by_name["time_entry.created"]["duration"] == "1h-2h"
    assert by_name["time_entry.updated"]["entry_id"] == journey.entry_id
    # Each write carries its door: the web forms say web, the API says api.
    channels = {name: properties.get("channel") for name, properties in by_name.items()}
    assert channels["auth.login"] == "web"
    assert channels["client.created"] == "web"
    assert channels["project.created"] == channels["task.created"] == "api"
    assert channels["task.updated"] == channels["task.status_changed"] == "api"
    assert channels["timer.started"] == channels["timer.stopped"] == "web"
    assert channels["time_entry.created"] == channels["time_entry.updated"] == "api"
    assert by_name["export.csv"]["channel"] == "web"
    assert by_name["export.ics"]["channel"] == "api"
    assert_nothing_personal(posthog_server, journey)


def _settings_from_environment(monkeypatch: pytest.MonkeyPatch, **variables: str) -> Any:
    """The ANALYTICS_* settings the real settings module derives from these variables."""
    monkeypatch.setenv("SECRET_KEY", "k" * 60)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    values = runpy.run_path(str(ROOT / "timetracker" / "settings.py"))
    return {
        name: values[name]
        for name in ("ANALYTICS_DO_NOT_TRACK", "ANALYTICS_ENABLED")
        if name in values
    }


@pytest.mark.parametrize(
    ("variables", "overrides", "switch"),
    [
        ({"DO_NOT_TRACK": "1"}, {}, True),
        ({"ANALYTICS_ENABLED": "false"}, {}, True),
        ({}, {"ANALYTICS_POSTHOG_API_KEY": ""}, True),
        ({}, {}, False),
    ],
    ids=["DO_NOT_TRACK=1", "ANALYTICS_ENABLED=false", "no-key", "switch-off"],
)
def test_with_any_consent_layer_off_posthog_receives_nothing(
    transactional_db: Any,
    posthog_server: FakePostHog,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
    overrides: dict[str, Any],
    switch: bool,
) -> None:
    from_environment = _settings_from_environment(monkeypatch, **variables)
    journey = Journey("off")
    with (
        posthog_enabled(posthog_server, switch=switch, **from_environment, **overrides),
        capture_events() as delivered,
    ):
        journey.run()
        flush()
    assert delivered.names == ["auth.login_failed", *EXPECTED]  # still recorded locally
    assert posthog_server.requests == []


def test_a_hanging_posthog_neither_slows_nor_breaks_requests(
    transactional_db: Any, posthog_server: FakePostHog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Time what each request spends handing events to PostHog, apart from database noise.
    handing: list[float] = []
    handle = PostHogSink.handle

    def timed(self: PostHogSink, event: Any) -> None:
        started = time.perf_counter()
        handle(self, event)
        handing.append(time.perf_counter() - started)

    monkeypatch.setattr(PostHogSink, "handle", timed)
    # Warm up (templates, queries, the SDK) so that neither measured run pays for it.
    with posthog_enabled(posthog_server):
        Journey("warm").run()
    posthog_server.mode = "hang"
    hanging = Journey("hang")  # its account first, outside the measured requests
    # A long time-out while PostHog hangs: a request that waited for it would be slower by
    # whole seconds, which no scheduling noise on a loaded machine comes near.
    with posthog_enabled(posthog_server, ANALYTICS_POSTHOG_TIMEOUT=HANG_TIMEOUT):
        handing.clear()
        hanging.run()  # every request answered as expected, or it raised
        assert posthog_server.wait_for_requests(2), "PostHog was never even tried"
        # The journey's hand-offs only: leaving the block turns the switch back off, which is
        # itself a feature_flag.changed (offered, then refused for want of consent).
        hanging_handoffs = list(handing)
    with FakePostHog() as answering_server, posthog_enabled(answering_server):
        answering = Journey("answer")
        answering.run()

    # A capture that waited for PostHog would cost the whole time-out each time; the bounds
    # are a small fraction of it, so a busy CI machine cannot reach them by itself.
    assert len(hanging_handoffs) == len(EXPECTED) + 1  # the failed login is offered too
    assert max(hanging_handoffs) < HANG_TIMEOUT / 4, hanging_handoffs
    assert median(hanging_handoffs) < 0.05, hanging_handoffs
    # End to end, request by request: none waited for PostHog. A request that did would be
    # slower by the whole 0.5 s time-out; the difference is compared with that, not with a
    # few milliseconds, which a busy machine's scheduling alone can exceed.
    slower = [h[1] - a[1] for h, a in zip(hanging.timings, answering.timings, strict=True)]
    names = [name for name, _ in hanging.timings]
    report = [(name, round(delta * 1000, 1)) for name, delta in zip(names, slower, strict=True)]
    assert max(slower) < HANG_TIMEOUT / 2, report
