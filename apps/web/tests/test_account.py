"""Profile (name, time zone), password change and the time zone middleware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Profile
from apps.web.tests.html_check import assert_valid_page
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_it_updates_the_name_and_time_zone(member: Any, post_profile: Any) -> None:
    posted = post_profile(
        {"first_name": " Mel ", "last_name": "Member", "timezone": "Europe/Berlin"}, follow=True
    )
    assert "Profile saved." in posted.response.content.decode()
    member.refresh_from_db()
    assert (member.first_name, member.last_name) == ("Mel", "Member")
    assert Profile.objects.get(user=member).timezone == "Europe/Berlin"
    assert posted.changed[0] == ["timezone"]


def test_it_rejects_an_unknown_time_zone_next_to_the_field(member_web: Client) -> None:
    response = member_web.post("/accounts/profile/", {"timezone": "Mars/Olympus"})
    html = response.content.decode()
    assert 'id="id_timezone_error"' in html
    assert 'aria-describedby="id_timezone_error id_timezone_helptext"' in html
    assert_valid_page(html)


def test_it_cannot_change_the_role_from_the_profile_page(member_web: Client, member: Any) -> None:
    member_web.post("/accounts/profile/", {"timezone": "UTC", "role": "admin"})
    assert Profile.objects.get(user=member).role == "member"


def test_it_changes_the_password_and_stays_signed_in(member_web: Client, member: Any) -> None:
    response = member_web.post(
        "/accounts/password/",
        {
            "old_password": "correct horse battery",
            "new_password1": "a much longer passphrase 42",
            "new_password2": "a much longer passphrase 42",
        },
        follow=True,
    )
    assert "Password changed." in response.content.decode()
    member.refresh_from_db()
    assert member.check_password("a much longer passphrase 42")
    assert member_web.get("/").status_code == 200


def test_it_shows_password_errors_next_to_the_fields(member_web: Client) -> None:
    response = member_web.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "short", "new_password2": "other"},
    )
    html = response.content.decode()
    assert 'id="id_old_password_error"' in html
    assert 'id="id_new_password2_error"' in html
    assert_valid_page(html)


def test_it_shows_times_in_the_profile_time_zone(
    member_web: Client, member: Any, project: Any
) -> None:
    start = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    TimeEntryFactory(
        user=member, project=project, started_at=start, ended_at=start + timedelta(hours=1)
    )
    member_web.post("/accounts/profile/", {"timezone": "Asia/Kolkata"})  # UTC+05:30
    html = member_web.get("/entries/").content.decode()
    assert "14:30\u201315:30" in html


def test_it_leaves_no_time_zone_active_after_a_request(member_web: Client, member: Any) -> None:
    member_web.post("/accounts/profile/", {"timezone": "Asia/Tokyo"})
    member_web.get("/")
    assert timezone.get_current_timezone_name() == "UTC"
