"""The installation's default time zone: asked on the setup page, kept in one row, used for
every new account, changed in the admin through the same service."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from apps.accounts import services
from apps.accounts.models import AccountDefaults, Profile
from apps.accounts.selectors import default_timezone, profile_get


def _bare_user() -> Any:
    """A login without a profile yet (the factories give theirs UTC)."""
    model = get_user_model()
    return model.objects.create_user(f"bare{model.objects.count()}")


def test_without_a_row_new_accounts_start_in_utc(db: Any) -> None:
    assert default_timezone() == "UTC"
    assert profile_get(user=_bare_user()).timezone == "UTC"


def test_new_accounts_start_in_the_installations_zone(db: Any) -> None:
    services.account_defaults_update(timezone="Europe/Amsterdam")
    assert profile_get(user=_bare_user()).timezone == "Europe/Amsterdam"
    made = services.user_create(username="newcomer", password=None)
    assert Profile.objects.get(user=made).timezone == "Europe/Amsterdam"
    # An explicit zone still wins.
    other = services.user_create(username="tokyo", password=None, timezone="Asia/Tokyo")
    assert Profile.objects.get(user=other).timezone == "Asia/Tokyo"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "x" * 100, "Europe/Berlin\x00"])
def test_a_zone_that_is_none_is_refused_and_nothing_changes(db: Any, zone: str) -> None:
    services.account_defaults_update(timezone="Europe/Paris")
    with pytest.raises(ValidationError) as caught:
        services.account_defaults_update(timezone=zone)
    assert "timezone" in caught.value.message_dict
    assert AccountDefaults.objects.get().timezone == "Europe/Paris"


def test_a_stored_value_that_is_no_zone_means_utc(db: Any) -> None:
    AccountDefaults.objects.create(pk=AccountDefaults.SINGLETON_ID, timezone="Nowhere/Land")
    assert default_timezone() == "UTC"
    assert profile_get(user=_bare_user()).timezone == "UTC"


def test_the_admin_changes_it_through_the_service(admin_web: Client, admin: Any) -> None:
    admin.is_superuser = admin.is_staff = True
    admin.save()
    services.account_defaults_update(timezone="UTC")
    url = f"/admin/accounts/accountdefaults/{AccountDefaults.SINGLETON_ID}/change/"
    response = admin_web.post(url, {"timezone": "America/New_York"})
    assert response.status_code == 302
    assert default_timezone() == "America/New_York"
    refused = admin_web.post(url, {"timezone": "Mars/Olympus"})
    assert refused.status_code == 200  # Django's admin shows its form again
    assert default_timezone() == "America/New_York"
    assert admin_web.get("/admin/accounts/accountdefaults/add/").status_code == 403
