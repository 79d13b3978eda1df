"""Not a single request leaves while any layer says off: setup, admin, worker, commands.

The endpoint is a real capture server on 127.0.0.1 with a valid-looking API key, so the
only thing standing between the installation and a report is the consent layers.
"""

from __future__ import annotations

import contextlib
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from analytics.testutils import FakePostHog
from telemetry import setup
from telemetry.models import Installation
from telemetry.worker import Worker

PASSWORD = "a long and unusual passphrase 42"
ADMIN = "/admin/telemetry/installation/"

SCENARIOS = {
    # scenario: (answer given in setup, extra settings)
    "undecided": (None, {}),
    "off": ("off", {}),
    "do-not-track": ("on", {"TELEMETRY_DO_NOT_TRACK": True}),
    "telemetry-disabled": ("on", {"TELEMETRY_ENABLED": False}),
}


def _command(*args: str) -> None:
    # Exit codes are tested elsewhere; here only traffic matters.
    with contextlib.suppress(SystemExit):
        call_command("telemetry", *args, stdout=StringIO(), stderr=StringIO())


def _setup(client: Client, answer: str | None) -> None:
    token = setup.issue_token()
    assert client.get("/").status_code == 302
    assert client.get("/setup/").status_code == 200
    form = {
        "token": token,
        "username": "root",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    if answer is not None:
        form["telemetry"] = answer
    client.post("/setup/", form)
    if answer is None:  # the question is required: setup stays pending
        assert Installation.objects.get_solo().state == "undecided"
        get_user_model().objects.create_superuser("root", "", PASSWORD)
        assert client.login(username="root", password=PASSWORD)


@pytest.mark.setup_pending
@pytest.mark.django_db
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_request_reaches_the_endpoint(
    reporting: FakePostHog, settings: Any, scenario: str
) -> None:
    answer, extra = SCENARIOS[scenario]
    for name, value in extra.items():
        setattr(settings, name, value)
    client = Client()

    _setup(client, answer)
    expected_state = answer or "undecided"
    assert Installation.objects.get_solo().state == expected_state

    # The admin page, its confirmation pages, and the decision it already holds.
    assert client.get(ADMIN).status_code == 200
    assert client.get(ADMIN + "decide/on/").status_code == 200
    assert client.get(ADMIN + "decide/off/").status_code == 200
    if expected_state != "undecided":
        client.post(ADMIN + f"decide/{expected_state}/")

    # Every command; "enable" only where the environment keeps it off anyway.
    for args in (("status",), ("status", "--json"), ("preview",), ("send", "--dry-run"),
                 ("send",), ("worker", "--once"), ("schema",)):  # fmt: skip
        _command(*args)
    if extra:
        _command("enable")

    # The worker, with the report due if the database says on.
    Installation.objects.update(next_send_at=timezone.now())
    Worker(poll_interval=0.01).run(passes=3)

    assert reporting.requests == [], scenario


@pytest.mark.django_db
def test_the_same_steps_do_send_when_every_layer_allows_it(reporting: FakePostHog) -> None:
    # The control: without it, the test above could pass because nothing works at all.
    _command("enable")
    _command("send")
    Installation.objects.update(next_send_at=timezone.now())
    Worker(poll_interval=0.01).run(passes=2)
    assert len(reporting.requests) == 2
