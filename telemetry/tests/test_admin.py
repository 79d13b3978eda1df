"""The admin page: who sees it, what it shows, and turning telemetry on and off."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from analytics.testutils import CapturedEvents, FakePostHog
from telemetry.models import ConsentChange, Installation
from telemetry.payload import report
from telemetry.testutils import opt_in

pytestmark = pytest.mark.django_db

PAGE = "/admin/telemetry/installation/"
PASSWORD = "correct horse battery"


@pytest.fixture
def superuser() -> Any:
    return get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def root_web(superuser: Any) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def staff_web(db: Any) -> Client:
    """Staff without the change permission: may look, not decide."""
    user = get_user_model().objects.create_user("sam", password=PASSWORD, is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def test_it_is_listed_in_the_admin_index(root_web: Client, staff_web: Client) -> None:
    for client in (root_web, staff_web):
        html = client.get("/admin/").content.decode()
        assert f'href="{PAGE}"' in html


def test_it_is_for_staff_only(client: Client, member_web: Client) -> None:
    assert client.get(PAGE)["Location"].startswith("/admin/login/")
    assert member_web.get(PAGE)["Location"].startswith("/admin/login/")


def test_it_shows_state_layer_id_destination_and_the_exact_next_report(
    root_web: Client, reporting: FakePostHog
) -> None:
    installation = opt_in()
    response = root_web.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<strong id="effective-state">on</strong>' in html
    assert '<strong id="deciding-layer">database</strong>' in html
    assert str(installation.install_id) in html
    assert reporting.url + "/i/v0/e/" in html
    shown = response.context["report"]
    assert shown.content == report(install_id=str(installation.install_id)).content
    assert json.dumps(shown.data, indent=2) in html.replace("&quot;", '"')
    assert reporting.requests == []


def test_it_shows_the_environment_layer_when_it_wins(root_web: Client, settings: Any) -> None:
    opt_in()
    settings.TELEMETRY_DO_NOT_TRACK = True
    html = root_web.get(PAGE).content.decode()
    assert '<strong id="effective-state">off</strong>' in html
    assert '<strong id="deciding-layer">environment</strong>' in html
    assert "DO_NOT_TRACK is set" in html


def test_it_shows_the_send_history(root_web: Client, reporting: FakePostHog) -> None:
    from telemetry import sender

    opt_in()
    record = sender.send(channel="command")
    assert record is not None
    html = root_web.get(PAGE).content.decode()
    assert record.payload_sha256 in html
    assert "Send history (the latest send)" in html


def test_it_says_nothing_was_sent_without_counting_zero(root_web: Client) -> None:
    html = root_web.get(PAGE).content.decode()
    assert "<h2>Send history</h2>" in html
    assert "the last 0" not in html
    assert "Nothing has been sent." in html


def test_it_shows_the_product_analytics_state(root_web: Client) -> None:
    html = root_web.get(PAGE).content.decode()
    assert "Product analytics (a separate stream)" in html
    assert "POSTHOG_API_KEY is not set" in html
    assert 'href="/privacy/events/"' in html


def test_turning_it_on_asks_for_confirmation_first(root_web: Client) -> None:
    response = root_web.get(PAGE + "decide/on/")
    assert response.status_code == 200
    assert "Yes, turn telemetry on" in response.content.decode()
    assert Installation.objects.get_solo().state == "undecided"


@pytest.mark.parametrize("state", ["on", "off"])
def test_a_confirmed_change_is_recorded_and_fires_the_event(
    root_web: Client,
    superuser: Any,
    state: str,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = root_web.post(PAGE + f"decide/{state}/")
    assert response.status_code == 302
    assert response["Location"] == PAGE
    installation = Installation.objects.get_solo()
    assert (installation.state, installation.decided_by, installation.decided_via) == (
        state,
        superuser,
        "admin",
    )
    change = ConsentChange.objects.get()
    assert (change.changed_by, change.channel) == (superuser, "admin")
    event = analytics_events.one("telemetry.consent_changed")
    assert dict(event.properties) == {"state": state, "channel": "admin"}
    assert event.actor_id == superuser.pk


def test_turning_it_off_replaces_the_install_id(root_web: Client) -> None:
    before = opt_in().install_id
    confirm = root_web.get(PAGE + "decide/off/").content.decode()
    assert str(before) in confirm
    assert "replaced by a new one" in confirm
    root_web.post(PAGE + "decide/off/")
    assert Installation.objects.get_solo().install_id != before


def test_staff_without_the_permission_cannot_decide(staff_web: Client) -> None:
    html = staff_web.get(PAGE).content.decode()
    assert "Turn telemetry on" not in html
    assert staff_web.get(PAGE + "decide/on/").status_code == 403
    assert staff_web.post(PAGE + "decide/on/").status_code == 403
    assert Installation.objects.get_solo().state == "undecided"


def test_an_unknown_state_is_not_found(root_web: Client) -> None:
    assert root_web.post(PAGE + "decide/maybe/").status_code == 404
