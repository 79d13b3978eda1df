"""The language a user picks on the profile page: stored through the profile service
(web and admin alike), one of settings.LANGUAGES or "" for the browser's; a bad value is a
field error that saves nothing, and a post that leaves the field out keeps it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from apps.accounts.models import Profile
from apps.accounts.services import profile_update
from apps.web.tests.html_check import assert_valid_page
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("nl", "Nederlands")]
HOSTILE = ["xx", "de\x00", "x" * 10240, "EN", " de", "de-at"]


@pytest.fixture(autouse=True)
def _languages() -> Any:
    with override_settings(LANGUAGES=LANGUAGES):
        yield


def test_it_offers_the_browser_default_and_each_language_in_its_own_name(
    member_web: Client, member: Any
) -> None:
    def language_menu() -> tuple[str, str]:
        html = member_web.get("/accounts/profile/").content.decode()
        start = html.index('name="language"')
        return html, html[start : html.index("</select>", start)]

    html, select = language_menu()
    assert '<option value="" selected>Browser default</option>' in select
    for code, name in LANGUAGES:
        assert f'<option value="{code}">{name}</option>' in select
    assert '<label for="id_language">Language</label>' in html
    assert_valid_page(html)

    # A stored choice is selected, and the page speaks it (the names stay as they are).
    Profile.objects.filter(user=member).update(language="fr")
    html, select = language_menu()
    assert '<option value="fr" selected>Français</option>' in select
    assert '<option value="de">Deutsch</option>' in select
    assert '<html lang="fr"' in html
    assert_valid_page(html)


def test_it_stores_a_valid_language_through_the_profile_service(
    member: Any, post_profile: Any
) -> None:
    posted = post_profile({"timezone": "UTC", "theme": "auto", "language": "de"})
    assert posted.response.status_code == 302
    assert Profile.objects.get(user=member).language == "de"
    assert posted.changed == [["language"]]


def test_it_stores_the_browser_default_when_chosen(member_web: Client, member: Any) -> None:
    Profile.objects.filter(user=member).update(language="nl")
    response = member_web.post("/accounts/profile/", {"timezone": "UTC", "language": ""})
    assert response.status_code == 302
    assert Profile.objects.get(user=member).language == ""


def test_it_keeps_the_language_when_a_post_leaves_it_out(member_web: Client, member: Any) -> None:
    Profile.objects.filter(user=member).update(language="nl")
    response = member_web.post("/accounts/profile/", {"timezone": "UTC", "first_name": "Ann"})
    assert response.status_code == 302
    profile = Profile.objects.select_related("user").get(user=member)
    assert profile.language == "nl"
    assert profile.user.first_name == "Ann"


@pytest.mark.parametrize("language", HOSTILE)
def test_it_refuses_an_unknown_language_with_a_field_error_and_saves_nothing(
    member_web: Client, member: Any, language: str
) -> None:
    Profile.objects.filter(user=member).update(language="en")
    response = member_web.post(
        "/accounts/profile/",
        {"timezone": "Europe/Berlin", "theme": "dark", "first_name": "Ann", "language": language},
    )
    # Refused like any bad input: 400 with the form again and the field's message.
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_language_error"' in html
    assert "Choose one of the languages offered." in html
    assert "\x00" not in html
    assert "x" * 100 not in html  # the message does not echo what was posted
    profile = Profile.objects.select_related("user").get(user=member)
    assert (profile.language, profile.theme, profile.timezone) == ("en", "auto", "UTC")
    assert profile.user.first_name == ""


@pytest.mark.parametrize("language", [*HOSTILE, None, 3])
def test_the_service_refuses_an_unknown_language_for_every_door(member: Any, language: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        profile_update(user=member, data={"language": language})
    assert caught.value.message_dict == {"language": ["Choose one of the languages offered."]}
    assert Profile.objects.get(user=member).language == ""


def test_the_admin_sets_the_language_through_the_service(member: Any) -> None:
    admin_web = Client()
    admin_web.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    profile = Profile.objects.get(user=member)
    url = f"/admin/accounts/profile/{profile.pk}/change/"
    page = admin_web.get(url).content.decode()
    assert '<option value="nl">Nederlands</option>' in page
    fields = {"role": profile.role, "timezone": profile.timezone, "theme": profile.theme}
    refused = admin_web.post(url, {**fields, "language": "xx"})
    assert refused.status_code == 200
    assert Profile.objects.get(pk=profile.pk).language == ""
    assert admin_web.post(url, {**fields, "language": "nl"}).status_code == 302
    assert Profile.objects.get(pk=profile.pk).language == "nl"
