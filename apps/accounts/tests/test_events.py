"""Analytics events of the accounts app, and the person properties it provides."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.catalogue import catalogue
from analytics.testutils import CapturedEvents, capture_log_lines
from apps.accounts.models import Role
from tests.factories import UserFactory

PASSWORD = "correct horse battery"


def test_a_login_through_the_form(
    member: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/login/", {"username": "mel", "password": PASSWORD})
    event = analytics_events.one("auth.login")
    assert event.properties == {"channel": "web"}
    assert event.actor_id == member.pk


def test_a_login_to_the_admin(
    db: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert analytics_events.properties("auth.login") == {"channel": "admin"}


def test_a_failed_login_is_logged_without_the_username(
    member: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), capture_log_lines() as lines:
        Client().post("/accounts/login/", {"username": "mel", "password": "wrong"})
        APIClient().post("/api/v1/auth/token/", {"username": "mel", "password": "wrong"})
    assert analytics_events.names == ["auth.login_failed", "auth.login_failed"]
    assert [e.properties["channel"] for e in analytics_events] == ["web", "api"]
    assert all(event.actor_id is None for event in analytics_events)
    assert not catalogue.get("auth.login_failed").outbound
    assert '"mel"' not in str(lines)
    assert "mel@example.com" not in str(lines)


def test_a_logout(
    member_web: Client, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        member_web.post("/accounts/logout/")
    assert analytics_events.names == ["auth.logout"]


def test_each_api_token_exchange_counts_once(
    member: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    # One commit per request, as in production. Each exchange is a login (channel api)
    # and makes a new named token (its key is shown once).
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = APIClient().post(
                "/api/v1/auth/token/", {"username": "mel", "password": PASSWORD}
            )
        assert response.status_code == 200
    assert analytics_events.names == ["auth.login", "api_token.created"] * 2
    assert [dict(event.properties) for event in analytics_events] == [{"channel": "api"}] * 4
    assert {event.actor_id for event in analytics_events} == {member.pk}


class TestPersonProperties:
    def provider(self) -> Any:
        provider = catalogue.person_provider
        assert provider is not None
        return provider

    def test_role_offset_and_account_age_only(self, db: Any) -> None:
        user = UserFactory(profile__role=Role.ADMIN, profile__timezone="Asia/Kolkata")
        user.date_joined = timezone.now() - timedelta(days=40)
        user.save(update_fields=["date_joined"])
        found = self.provider()(user.pk)
        assert found == {"account_age": 40, "role": "admin", "utc_offset_hours": 6}
        # What PostHog gets: the age only as a range (+05:30 rounds to 6 hours).
        assert catalogue.clean_person_properties(found) == {
            "account_age": "30d-90d",
            "role": "admin",
            "utc_offset_hours": 6,
        }

    def test_a_superuser_counts_as_admin_and_a_stranger_as_nobody(self, db: Any) -> None:
        root = UserFactory(is_superuser=True)
        assert self.provider()(root.pk)["role"] == "admin"
        assert self.provider()(root.pk + 1000) == {}
