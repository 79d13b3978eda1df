from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_exchanges_credentials_for_a_token_that_authenticates(
    anon_api: Any, member: Any
) -> None:
    r = anon_api.post("/api/v1/auth/token/", {"username": "mel", "password": PASSWORD})
    assert r.status_code == 200
    token = r.json()["token"]
    assert token.startswith("tt_")
    assert len(token) == 67  # the prefix and 64 hex characters (32 random bytes)
    # Each exchange makes a new named token (the first is not shown again: it is hashed).
    again = anon_api.post("/api/v1/auth/token/", {"username": "mel", "password": PASSWORD})
    assert again.json()["token"] != token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/timer/").status_code == 200


def test_it_refuses_wrong_credentials_without_saying_which_part(anon_api: Any, member: Any) -> None:
    r = anon_api.post("/api/v1/auth/token/", {"username": "mel", "password": "nope"})
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_it_requires_both_fields(anon_api: Any) -> None:
    r = anon_api.post("/api/v1/auth/token/", {})
    assert r.status_code == 400
    assert set(r.json()) == {"username", "password"}


def test_a_bad_token_answers_401(anon_api: Any) -> None:
    anon_api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anon_api.get("/api/v1/time-entries/").status_code == 401


def test_session_authentication_works_for_the_browser(client: Any, member: Any) -> None:
    client.force_login(member)
    assert client.get("/api/v1/time-entries/").status_code == 200


def test_the_profile_defaults_to_utc_and_member_role(member: Any) -> None:
    from apps.accounts.selectors import profile_get, user_is_admin

    profile = profile_get(user=member)
    assert (profile.timezone, profile.role) == ("UTC", "member")
    assert user_is_admin(member) is False


def test_superusers_are_admins(django_user_model: Any) -> None:
    from apps.accounts.selectors import user_is_admin

    root = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    assert user_is_admin(root) is True


def test_an_unknown_time_zone_is_rejected(member: Any) -> None:
    from django.core.exceptions import ValidationError

    from apps.accounts.services import profile_update

    with pytest.raises(ValidationError) as err:
        profile_update(user=member, data={"timezone": "Mars/Olympus"})
    assert "timezone" in err.value.message_dict
