"""Commands are a door too: waffle's commands announce flag changes with channel cli."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient
from waffle.models import Switch

from analytics import conf, context
from analytics.testutils import CapturedEvents
from apps.core import flags

pytestmark = pytest.mark.django_db


def _quiet(*args: str) -> None:
    call_command(*args, stdout=io.StringIO())


def test_waffle_switch_announces_the_change_with_channel_cli(
    analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    Switch.objects.update_or_create(name=flags.MAINTENANCE_MODE, defaults={"active": False})
    with django_capture_on_commit_callbacks(execute=True):
        _quiet("waffle_switch", flags.MAINTENANCE_MODE, "on")
        _quiet("waffle_switch", flags.MAINTENANCE_MODE, "on")  # unchanged: no event
        _quiet("waffle_delete", "--switches", flags.MAINTENANCE_MODE)
    assert [dict(e.properties) for e in analytics_events] == [
        {"kind": "switch", "flag_name": flags.MAINTENANCE_MODE, "state": True, "channel": "cli"},
        {"kind": "switch", "flag_name": flags.MAINTENANCE_MODE, "state": False, "channel": "cli"},
    ]


def test_waffle_flag_announces_the_change_with_channel_cli(
    analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    toggle = next(t for t in flags.declared() if t.kind == flags.Kind.FLAG)
    wanted = "--everyone" if not toggle.default else "--deactivate"
    with django_capture_on_commit_callbacks(execute=True):
        _quiet("waffle_flag", toggle.name, wanted, "--create")
    assert analytics_events.properties("feature_flag.changed") == {
        "kind": "flag",
        "flag_name": toggle.name,
        "state": not toggle.default,
        "channel": "cli",
    }


def test_undeclared_rows_are_never_announced(
    analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _quiet("waffle_switch", "typed-by-someone", "on", "--create")
    assert analytics_events.names == []


def test_the_channel_comes_from_the_path_prefix() -> None:
    assert conf.channel_for_path("/api/v1/timer/") == "api"
    assert conf.channel_for_path("/admin/clients/") == "admin"
    assert conf.channel_for_path("/entries/") == "web"
    assert conf.channel_choices() == ("web", "admin", "api", "cli")
    assert context.channel() == "cli"  # no request: a command
    with context.request_context(channel="api"):
        assert context.channel() == "api"


def test_a_token_from_the_api_is_a_login_with_channel_api(
    member: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/auth/token/", {"username": "mel", "password": "correct horse battery"}
        )
    assert response.status_code == 200
    assert analytics_events.properties("auth.login") == {"channel": "api"}
    assert analytics_events.properties("api_token.created") == {"channel": "api"}
    member.refresh_from_db()
    assert member.last_login is not None


def test_a_password_change_is_an_event_from_every_door(
    member: Any,
    member_web: Client,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        member_web.post(
            "/accounts/password/",
            {
                "old_password": "correct horse battery",
                "new_password1": "another long phrase 7",
                "new_password2": "another long phrase 7",
            },
        )
        member.set_password("a third long phrase 9")
        member.save()
    channels = [e.properties["channel"] for e in analytics_events.named("auth.password_changed")]
    assert channels == ["web", "cli"]
