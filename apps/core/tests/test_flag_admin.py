"""Turning a flag or switch on or off in the Django admin: a log entry and one event."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.test import Client
from django.utils import timezone
from waffle.models import Flag, Switch

from analytics.testutils import CapturedEvents
from apps.core import flags
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_web(db: Any) -> Client:
    """A Django superuser signed in: the operator who manages flags in the admin."""
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def _dates() -> dict[str, str]:
    now = timezone.localtime()
    return {
        f"{name}_{part}": value
        for name in ("created", "modified")
        for part, value in ((0, now.strftime("%Y-%m-%d")), (1, now.strftime("%H:%M:%S")))
    }


def switch_form(switch: Switch, *, active: bool, note: str | None = None) -> dict[str, str]:
    data = {"name": switch.name, "note": switch.note if note is None else note, **_dates()}
    if active:
        data["active"] = "on"
    return data


def flag_form(flag: Flag, *, everyone: bool | None) -> dict[str, str]:
    choice = {None: "unknown", True: "true", False: "false"}[everyone]
    return {
        "name": flag.name,
        "everyone": choice,
        "percent": "",
        "languages": "",
        "note": flag.note,
        "users": "",
        **_dates(),
    }


def change(client: Client, model: str, row: Any, data: dict[str, str], capture: Any) -> None:
    with capture(execute=True):
        response = client.post(f"/admin/waffle/{model}/{row.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def changes(events: CapturedEvents) -> list[dict[str, Any]]:
    return [dict(event.properties) for event in events.named("feature_flag.changed")]


def test_turning_a_switch_on_writes_a_log_entry_and_fires_one_event(
    operator_web: Client,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    switch = Switch.objects.get(name=flags.MAINTENANCE_MODE)

    change(
        operator_web,
        "switch",
        switch,
        switch_form(switch, active=True),
        django_capture_on_commit_callbacks,
    )

    assert Switch.objects.get(pk=switch.pk).active is True
    assert changes(analytics_events) == [
        {"kind": "switch", "flag_name": "maintenance-mode", "state": True, "channel": "admin"}
    ]
    entry = LogEntry.objects.get(object_id=str(switch.pk))
    assert entry.action_flag == CHANGE
    assert entry.user.username == "root"
    assert "Active" in entry.get_change_message()


def test_saving_without_changing_the_state_fires_nothing(
    operator_web: Client,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    switch = Switch.objects.get(name=flags.MAINTENANCE_MODE)
    change(
        operator_web,
        "switch",
        switch,
        switch_form(switch, active=False, note="planned"),
        django_capture_on_commit_callbacks,
    )
    assert changes(analytics_events) == []
    assert LogEntry.objects.filter(object_id=str(switch.pk)).count() == 1


def test_turning_a_flag_off_for_everyone_fires_its_new_state(
    operator_web: Client,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    flag = Flag.objects.get(name=flags.EXPORT_XLSX)
    change(
        operator_web,
        "flag",
        flag,
        flag_form(flag, everyone=False),
        django_capture_on_commit_callbacks,
    )
    assert Flag.objects.get(pk=flag.pk).everyone is False
    assert changes(analytics_events) == [
        {"kind": "flag", "flag_name": "export-xlsx", "state": False, "channel": "admin"}
    ]
    assert LogEntry.objects.filter(object_id=str(flag.pk), action_flag=CHANGE).exists()


def test_the_bulk_actions_announce_each_row_they_change(
    operator_web: Client,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    maintenance = Switch.objects.get(name=flags.MAINTENANCE_MODE)
    posthog = Switch.objects.get(name=flags.ANALYTICS_POSTHOG)
    posthog.active = True
    posthog.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_web.post(
            "/admin/waffle/switch/",
            {"action": "enable_switches", "_selected_action": [maintenance.pk, posthog.pk]},
        )
    assert response.status_code == 302
    # analytics-posthog was on already: only maintenance-mode changed.
    assert changes(analytics_events) == [
        {"kind": "switch", "flag_name": "maintenance-mode", "state": True, "channel": "admin"}
    ]
    assert LogEntry.objects.filter(object_id=str(maintenance.pk), action_flag=CHANGE).exists()


def test_deleting_a_switch_that_was_on_announces_its_default(
    operator_web: Client,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    switch = Switch.objects.get(name=flags.MAINTENANCE_MODE)
    Switch.objects.filter(pk=switch.pk).update(active=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_web.post(f"/admin/waffle/switch/{switch.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert changes(analytics_events) == [
        {"kind": "switch", "flag_name": "maintenance-mode", "state": False, "channel": "admin"}
    ]
    assert LogEntry.objects.filter(object_id=str(switch.pk), action_flag=DELETION).exists()


def test_rows_the_code_does_not_use_are_never_announced(
    operator_web: Client,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The name was typed into the admin: it is user input, not a declared identifier.
    switch = Switch.objects.create(name="jane-doe-test", active=False)
    change(
        operator_web,
        "switch",
        switch,
        switch_form(switch, active=True),
        django_capture_on_commit_callbacks,
    )
    assert changes(analytics_events) == []
    assert LogEntry.objects.filter(object_id=str(switch.pk)).exists()


def test_the_list_says_which_rows_the_code_uses(operator_web: Client) -> None:
    Switch.objects.create(name="left-over")
    html = operator_web.get("/admin/waffle/switch/").content.decode()
    assert "Used by the code" in html
    assert "yes (core)" in html
    assert ">no<" in html
