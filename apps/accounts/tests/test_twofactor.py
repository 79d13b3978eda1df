"""Two-factor login: enrolment, the code after login, recovery codes, the admin gate."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from analytics.testutils import CapturedEvents
from apps.accounts import twofactor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"


def app_code(device: TOTPDevice) -> str:
    """What the user's authenticator app shows now, computed from the device's key.

    A time step is accepted once, so after a success the next code is the next step's
    (inside the device's tolerance of one step).
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.t() <= device.last_t:
        totp.drift += device.last_t + 1 - totp.t()
    return f"{totp.token():0{device.digits}d}"


def enrol(user: Any) -> tuple[TOTPDevice, list[str]]:
    device = twofactor.enrolment_device(user=user)
    result, codes = twofactor.enrolment_confirm(user=user, device=device, code=app_code(device))
    assert result.ok
    return TOTPDevice.objects.get(pk=device.pk), codes


def unthrottle(device: Any) -> None:
    """As if the back-off delay after the last wrong code had passed."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


def password_login(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


# --- Enrolment --------------------------------------------------------------------------------


def test_it_enrols_with_a_locally_drawn_qr_code_and_shows_ten_recovery_codes(
    member: Any,
    member_web: Client,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    page = member_web.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg width="' in html
    assert 'class="qr-code"' in html
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    assert twofactor.secret_text(device) in html
    # Drawn here: no image from elsewhere, no inline style (the CSP forbids both). The only
    # image on the page is the header's logo, a static file of ours.
    assert re.findall(r'<img[^>]*src="([^"]+)"', html) == ["/static/favicon.svg"]
    assert "data:image" not in html
    assert "style=" not in html
    # No inline script: only the site's own static scripts (shortcuts, the header's timer).
    assert re.findall(r'<script(?![^>]*\bsrc="/static/)[^>]*>', html) == []
    assert member_web.get(SETUP).content.decode().count(twofactor.secret_text(device)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        wrong = member_web.post(SETUP, {"code": f"{(int(app_code(device)) + 1) % 10**6:06d}"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1
    unthrottle(device)

    with django_capture_on_commit_callbacks(execute=True):
        done = member_web.post(SETUP, {"code": app_code(device), "next": "/entries/"})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", done.content.decode())
    assert len(codes) == 10
    assert twofactor.two_factor_enabled(member)
    assert StaticToken.objects.filter(device__user=member).count() == 10
    assert analytics_events.properties("auth.two_factor_enabled") == {"channel": "web"}
    assert analytics_events.properties("auth.two_factor_failed") == {
        "method": "totp",
        "channel": "web",
    }
    # This session passed the second factor while enrolling: it goes on unasked.
    assert member_web.get("/entries/").status_code == 200
    # The codes are shown once: the page now says it is on and shows none.
    overview = member_web.get("/accounts/2fa/").content.decode()
    assert "is <strong>on</strong>" in overview
    assert codes[0] not in overview
    assert member_web.get(SETUP)["Location"] == "/accounts/2fa/"


# --- Login --------------------------------------------------------------------------------


def test_once_on_it_is_asked_for_at_every_login(member: Any) -> None:
    device, _ = enrol(member)
    client = password_login("mel")
    for url in ("/", "/entries/", "/accounts/profile/", "/accounts/2fa/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{VERIFY}?next="), url
    assert client.get(VERIFY).status_code == 200

    response = client.post(VERIFY, {"code": app_code(device), "next": "/entries/"})
    assert response["Location"] == "/entries/"
    assert client.get("/").status_code == 200


def test_a_wrong_code_is_refused_counted_and_throttled(
    member: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    device, _ = enrol(member)
    client = password_login("mel")
    right = app_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(VERIFY, {"code": wrong})
        # Straight away, even the right code waits out django-otp's back-off.
        second = client.post(VERIFY, {"code": right})
    assert "That code is not right" in first.content.decode()
    assert "Too many wrong codes" in second.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert client.get("/")["Location"].startswith(VERIFY)
    events = analytics_events.named("auth.two_factor_failed")
    assert [e.properties for e in events] == [{"method": "totp", "channel": "web"}] * 2
    assert all(e.actor_id == member.pk for e in events)
    assert right not in str(events)
    assert wrong not in str(events)
    assert "mel" not in str(events)

    unthrottle(device)
    assert client.post(VERIFY, {"code": app_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert client.get("/").status_code == 200


def test_a_recovery_code_works_once(member: Any) -> None:
    _, codes = enrol(member)
    shown = f"{codes[0][:4]}-{codes[0][4:]}".upper()

    first = password_login("mel")
    response = first.post(VERIFY, {"code": shown})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert twofactor.recovery_codes_left(user=member) == 9

    again = password_login("mel")
    refused = again.post(VERIFY, {"code": shown})
    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    assert again.get("/")["Location"].startswith(VERIFY)
    unthrottle(StaticDevice.objects.get(user=member))
    assert again.post(VERIFY, {"code": codes[1]}).status_code == 302
    assert again.get("/").status_code == 200
    assert twofactor.recovery_codes_left(user=member) == 8


def test_next_never_leads_off_the_site(member: Any) -> None:
    device, _ = enrol(member)
    client = password_login("mel")
    response = client.post(VERIFY, {"code": app_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_member_without_it_is_never_asked(member_web: Client, settings: Any) -> None:
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    assert member_web.get("/").status_code == 200
    assert member_web.get(VERIFY)["Location"] == "/"


# --- Required for admins --------------------------------------------------------------------


@pytest.fixture
def required(settings: Any) -> None:
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True


@pytest.mark.parametrize("kind", ["role", "superuser", "staff"])
@pytest.mark.parametrize("url", ["/", "/entries/", "/reports/", "/admin/", "/admin/auth/user/"])
def test_an_admin_without_it_is_sent_to_enrolment_everywhere(
    required: None, kind: str, url: str
) -> None:
    if kind == "role":
        user = UserFactory(username="ada", profile__role="admin")
    else:
        user = UserFactory(username="ada", is_staff=True, is_superuser=kind == "superuser")
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{SETUP}?next=")
    assert client.post(url, {})["Location"] == SETUP


def test_an_admin_who_owes_it_still_reaches_probes_static_files_and_logout(
    required: None, admin_web: Client
) -> None:
    assert admin_web.get("/healthz").status_code == 200
    assert admin_web.get("/static/css/app.css").status_code in (200, 404)
    assert admin_web.get(SETUP).status_code == 200
    assert admin_web.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert admin_web.get("/")["Location"].startswith("/accounts/login/")


def test_a_required_admin_gets_in_after_enrolling_and_cannot_turn_it_off(
    required: None, admin: Any, admin_web: Client
) -> None:
    page = admin_web.get(f"{SETUP}?next=/reports/").content.decode()
    assert "must use two-factor login" in page
    assert 'id="twofactor-skip"' not in page
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    response = admin_web.post(SETUP, {"code": app_code(device), "next": "/reports/"})
    assert response.status_code == 200
    assert admin_web.get("/reports/").status_code == 200
    assert "cannot be turned off" in admin_web.get("/accounts/2fa/").content.decode()
    refused = admin_web.post("/accounts/2fa/disable/", {"disable-code": app_code(device)})
    assert refused.status_code == 302
    assert twofactor.two_factor_enabled(admin)


def test_the_admin_site_is_behind_the_same_second_factor(db: Any) -> None:
    # Two-factor optional here: a superuser who has a device must still give the code.
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    device, _ = enrol(root)
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response["Location"] == "/admin/"
    for url in ("/admin/", "/admin/auth/user/", "/admin/otp_totp/totpdevice/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{VERIFY}?next={url.replace('/', '%2F')}"
    client.post(VERIFY, {"code": app_code(device), "next": "/admin/"})
    assert client.get("/admin/").status_code == 200


def test_the_api_is_not_behind_it_but_a_session_that_owes_it_is_anonymous_there(
    required: None, admin: Any
) -> None:
    token = APIClient().post("/api/v1/auth/token/", {"username": "ada", "password": PASSWORD})
    assert token.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/projects/").status_code == 200

    session = Client()
    session.force_login(admin)
    assert session.get("/api/v1/projects/").status_code in (401, 403)


# --- Turning it off -------------------------------------------------------------------------


def test_turning_it_off_takes_a_code(
    member: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    device, _ = enrol(member)
    client = password_login("mel")
    client.post(VERIFY, {"code": app_code(device)})
    refused = client.post("/accounts/2fa/disable/", {"disable-code": "12"})
    assert refused.status_code == 400
    assert twofactor.two_factor_enabled(member)
    unthrottle(device)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/accounts/2fa/disable/", {"disable-code": app_code(device)})
    assert done["Location"] == "/accounts/2fa/"
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticDevice.objects.filter(user=member).exists()
    assert analytics_events.properties("auth.two_factor_disabled") == {"channel": "web"}
    assert password_login("mel").get("/").status_code == 200


def test_new_recovery_codes_replace_the_old_ones(member: Any) -> None:
    device, old = enrol(member)
    client = password_login("mel")
    client.post(VERIFY, {"code": app_code(device)})
    # A recovery code is not accepted for making new ones (it would be spent for nothing).
    assert client.post("/accounts/2fa/recovery-codes/", {"codes-code": old[0]}).status_code == 400
    assert twofactor.recovery_codes_left(user=member) == 10
    page = client.post("/accounts/2fa/recovery-codes/", {"codes-code": app_code(device)})
    new = re.findall(r"<code>([a-z2-7]{4})-([a-z2-7]{4})</code>", page.content.decode())
    assert len(new) == 10
    assert not StaticToken.objects.filter(token__in=old).exists()


def test_an_admin_deleting_a_lost_device_turns_it_off(
    member: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    device, _ = enrol(member)
    root = get_user_model().objects.create_superuser("root", "", PASSWORD)
    enrol(root)
    admin_client = password_login("root")
    admin_client.post(VERIFY, {"code": app_code(TOTPDevice.objects.get(user=root))})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302
    assert not twofactor.two_factor_enabled(member)
    disabled = analytics_events.one("auth.two_factor_disabled")
    assert disabled.properties == {"channel": "admin"}
    assert disabled.actor_id == member.pk


# --- The first-run setup offers it ----------------------------------------------------------


@pytest.mark.setup_pending
@pytest.mark.parametrize("is_required", [False, True])
def test_the_setup_flow_offers_it_to_the_first_admin(settings: Any, is_required: bool) -> None:
    from telemetry import setup

    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = is_required
    client = Client()
    form = {
        "token": setup.issue_token(),
        "username": "root",
        "email": "",
        "password1": "a long and unusual passphrase 42",
        "password2": "a long and unusual passphrase 42",
        "telemetry": "off",
    }
    response = client.post("/setup/", form)
    assert response["Location"] == f"{SETUP}?next=/"
    page = client.get(response["Location"]).content.decode()
    assert 'class="qr-code"' in page
    if is_required:
        assert 'id="twofactor-skip"' not in page
        assert client.get("/")["Location"] == f"{SETUP}?next=%2F"
    else:
        assert '<a href="/" id="twofactor-skip">Skip for now</a>' in page
        assert client.get("/").status_code == 200
        assert not twofactor.two_factor_enabled(get_user_model().objects.get(username="root"))
