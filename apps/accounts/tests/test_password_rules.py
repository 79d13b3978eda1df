"""Django's password validators on every door that sets a password, with clear messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
WEAK = {
    "short": ("x7#kq", "This password is too short. It must contain at least 8 characters."),
    "common": ("password123", "This password is too common."),
    "numeric": ("4839201746", "This password is entirely numeric."),
    "like the e-mail address": (
        "root@example",
        "The password is too similar to the email address.",
    ),
}
# The first admin's form (telemetry's setup flow) runs the same validators:
# telemetry/tests/test_setup.py::test_passwords_are_confirmed_and_validated.


@pytest.fixture
def root(db: Any) -> Any:
    return UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def root_web(root: Any) -> Client:
    client = Client()
    client.force_login(root)
    return client


@pytest.mark.parametrize("case", WEAK)
def test_the_password_change_page_refuses_weak_passwords(case: str, root_web: Client) -> None:
    password, message = WEAK[case]
    response = root_web.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert get_user_model().objects.get(username="root").check_password(PASSWORD)


@pytest.mark.parametrize("case", WEAK)
def test_the_admin_refuses_weak_passwords_when_adding_a_user(case: str, root_web: Client) -> None:
    password, message = WEAK[case]
    username = "newbie"
    if case == "like the e-mail address":  # the add form has no e-mail: the username then
        username, password = "rootroot", "rootroot1"
        message = "The password is too similar to the username."
    response = root_web.post(
        "/admin/auth/user/add/",
        {
            "username": username,
            "password1": password,
            "password2": password,
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username=username).exists()


@pytest.mark.parametrize("case", WEAK)
def test_the_admin_refuses_weak_passwords_when_setting_one(
    case: str, root: Any, root_web: Client
) -> None:
    password, message = WEAK[case]
    response = root_web.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    root.refresh_from_db()
    assert root.check_password(PASSWORD)


def test_a_good_password_is_accepted_on_the_password_page(root_web: Client) -> None:
    new = "tangerine orbit lantern"
    response = root_web.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(username="root").check_password(new)
