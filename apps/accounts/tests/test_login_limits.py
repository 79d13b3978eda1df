"""Login limits (django-axes): every door, per username and per address, then unlocked."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from analytics.catalogue import catalogue
from analytics.testutils import CapturedEvents, capture_log_lines
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LIMIT = 5
DOORS = {
    "web": ("/accounts/login/", Client),
    "admin": ("/admin/login/", Client),
    "api": ("/api/v1/auth/token/", APIClient),
}


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.TRUSTED_PROXIES = []


@pytest.fixture
def root(db: Any) -> Any:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _post(door: str, username: str, password: str, **extra: Any) -> Any:
    path, client_class = DOORS[door]
    return client_class().post(path, {"username": username, "password": password}, **extra)


def _signed_in(response: Any) -> bool:
    return "_auth_user_id" in response.wsgi_request.session


def _locked_total(channel: str) -> float:
    value = REGISTRY.get_sample_value("timetracker_login_locked_total", {"channel": channel})
    return value or 0.0


@pytest.mark.parametrize("door", DOORS)
def test_each_door_locks_after_the_limit_and_then_refuses_the_right_password(
    door: str, root: Any
) -> None:
    statuses = [_post(door, "root", f"wrong{n}").status_code for n in range(LIMIT)]
    assert statuses[: LIMIT - 1] == [400 if door == "api" else 200] * (LIMIT - 1)
    assert statuses[-1] == 429
    right = _post(door, "root", PASSWORD)
    assert right.status_code == 429
    assert int(right["Retry-After"]) == 15 * 60
    if door == "api":
        assert right.json()["code"] == "login_locked"
        assert "token" not in right.json()
    else:
        assert not _signed_in(right)
        assert "Too many failed logins" in right.content.decode()
        # The page is the login form again, with the lock as its error.
        assert 'name="password"' in right.content.decode()


def test_the_doors_share_one_count(root: Any) -> None:
    _post("web", "root", "wrong")
    _post("admin", "root", "wrong")
    _post("api", "root", "wrong")
    _post("web", "root", "wrong")
    assert _post("api", "root", "wrong").status_code == 429
    assert _post("admin", "root", PASSWORD).status_code == 429


def test_a_username_is_locked_whatever_address_the_attempts_come_from(root: Any) -> None:
    for n in range(LIMIT):
        _post("web", "root", "wrong", REMOTE_ADDR=f"198.51.100.{n + 1}")
    response = _post("web", "root", PASSWORD, REMOTE_ADDR="203.0.113.50")
    assert response.status_code == 429
    assert not _signed_in(response)


def test_an_address_is_locked_whatever_usernames_it_tries(root: Any) -> None:
    for n in range(LIMIT):
        _post("api", f"guess{n}", "wrong", REMOTE_ADDR="198.51.100.7")
    assert _post("api", "root", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    # Another address is not locked, and neither is the username.
    assert _post("api", "root", PASSWORD, REMOTE_ADDR="198.51.100.8").status_code == 200


def test_forged_forwarding_headers_from_an_untrusted_client_change_nothing(root: Any) -> None:
    for n in range(LIMIT):
        _post("web", f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    # Still the same address (REMOTE_ADDR 127.0.0.1), so locked, whatever header is sent.
    locked = _post("web", "root", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(root: Any, settings: Any) -> None:
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(LIMIT):
        _post("web", f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.1"}
    # That client is locked; another one behind the same proxy is not.
    assert (
        _post("web", "root", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy).status_code == 429
    )
    ok = _post("web", "root", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.2", **proxy)
    assert ok.status_code == 302
    assert _signed_in(ok)


def test_the_counts_are_rows_in_the_database_without_passwords(root: Any) -> None:
    _post("web", "root", "hunter2-wrong")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.failures_since_start) == ("root", 1)
    assert "hunter2" not in attempt.post_data


def test_axes_reset_unlocks(root: Any) -> None:
    for n in range(LIMIT):
        _post("web", "root", f"wrong{n}")
    assert _post("web", "root", PASSWORD).status_code == 429
    call_command("axes_reset", verbosity=0)
    response = _post("web", "root", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(response)


def test_axes_reset_username_unlocks_one_account(root: Any) -> None:
    for n in range(LIMIT):
        _post("api", "root", "wrong", REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert _post("api", "root", PASSWORD, REMOTE_ADDR="203.0.113.1").status_code == 429
    call_command("axes_reset_username", "root", verbosity=0)
    assert _post("api", "root", PASSWORD, REMOTE_ADDR="203.0.113.1").status_code == 200


def test_fewer_failures_than_the_limit_do_not_lock(root: Any) -> None:
    for n in range(LIMIT - 1):
        _post("web", "root", f"wrong{n}")
    assert _post("web", "root", PASSWORD).status_code == 302


def test_the_limit_and_cool_off_come_from_settings(root: Any, settings: Any) -> None:
    from datetime import timedelta

    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    _post("api", "root", "wrong")
    locked = _post("api", "root", "wrong")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "60"
    assert "1 minute," in locked.json()["detail"]


def test_a_lockout_is_an_event_without_the_username_and_a_metric(
    root: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    before = {channel: _locked_total(channel) for channel in DOORS}
    with django_capture_on_commit_callbacks(execute=True), capture_log_lines() as lines:
        for n in range(LIMIT):
            _post("admin", "root", f"wrong{n}")
        _post("admin", "root", PASSWORD)
    locked = analytics_events.named("auth.login_locked")
    assert [event.properties for event in locked] == [
        {"started": True, "channel": "admin"},
        {"started": False, "channel": "admin"},
    ]
    assert all(event.actor_id is None for event in locked)
    assert not catalogue.get("auth.login_locked").outbound
    assert '"root"' not in str(lines)
    assert "127.0.0.1" not in str(lines)
    assert _locked_total("admin") == before["admin"] + 2
    assert _locked_total("web") == before["web"]


def test_the_lockout_metric_is_exposed_for_every_door(admin: Any) -> None:
    text = Client().get("/metrics").content.decode()
    for channel in DOORS:
        assert f'timetracker_login_locked_total{{channel="{channel}"}}' in text


def test_a_login_without_a_request_is_not_counted(root: Any) -> None:
    # The test client's login() and shell calls pass no request: no door, no count.
    from django.contrib.auth import authenticate

    assert authenticate(username="root", password="wrong") is None
    assert authenticate(username="root", password=PASSWORD) == root
    assert not AccessAttempt.objects.exists()
