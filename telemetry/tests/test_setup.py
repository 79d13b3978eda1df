"""The first-run setup: redirects, exemptions, the token, the first admin, the choice."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from analytics.testutils import CapturedEvents
from telemetry import conf, setup
from telemetry.models import ConsentChange, Installation
from telemetry.payload import SCHEMA

pytestmark = [pytest.mark.django_db, pytest.mark.setup_pending]

PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def token() -> str:
    return setup.issue_token()


def _form(token: str, **extra: str) -> dict[str, str]:
    return {
        "token": token,
        "username": "root",
        "email": "root@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "telemetry": "off",
        **extra,
    }


@pytest.mark.parametrize("url", ["/", "/entries/", "/reports/", "/accounts/login/", "/admin/"])
def test_pages_lead_to_setup_while_no_admin_exists(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/setup/"


def test_a_member_alone_does_not_count_as_an_admin(client: Client, member: Any) -> None:
    client.force_login(member)
    assert client.get("/")["Location"] == "/setup/"


@pytest.mark.parametrize(
    ("url", "status"),
    [("/healthz", 200), ("/readyz", 200), ("/metrics", 200), ("/api/v1/projects/", 401),
     ("/api/schema/", 200), ("/no-such-page/", 404)],
)  # fmt: skip
def test_probes_metrics_static_files_and_the_api_answer_as_usual(
    client: Client, url: str, status: int
) -> None:
    response = client.get(url)
    assert response.status_code == status, url


def test_static_files_are_never_redirected() -> None:
    from telemetry.middleware import is_exempt

    assert is_exempt("/static/css/app.css")
    assert is_exempt("/setup/")
    assert not is_exempt("/")
    assert not is_exempt("/healthz-not-really")


@pytest.mark.parametrize("kind", ["superuser", "role"])
def test_an_existing_admin_means_no_setup(client: Client, kind: str) -> None:
    from tests.factories import UserFactory

    if kind == "superuser":
        get_user_model().objects.create_superuser("boss", "", PASSWORD)
    else:
        UserFactory(username="ada", profile__role="admin")
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert client.get("/setup/").status_code == 404


def test_the_page_asks_without_preselecting_and_lists_the_real_report(
    client: Client, token: str
) -> None:
    response = client.get("/setup/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('type="radio"') == 2
    assert "checked" not in html
    for name in SCHEMA:
        assert f"<code>{name}</code>" in html
    installation = Installation.objects.get_solo()
    assert str(installation.install_id) in html
    assert "At most once a day" in html
    assert "keeps reports for at most 365 days" in html
    assert "Never sent" in html


def test_the_token_is_required(client: Client, token: str) -> None:
    for wrong in ("", "0" * 32, token[:-1]):
        response = client.post("/setup/", _form(wrong))
        assert response.status_code == 400
        assert "This is not the current setup token" in response.content.decode() or not wrong
    assert not get_user_model().objects.exists()
    assert Installation.objects.get_solo().state == "undecided"


def test_only_a_hash_of_the_token_is_stored(token: str) -> None:
    stored = Installation.objects.get_solo().setup_token_hash
    assert token not in stored
    assert len(stored) == 64


def test_a_new_token_replaces_the_old_one(client: Client, token: str) -> None:
    setup.issue_token()
    response = client.post("/setup/", _form(token))
    assert "This is not the current setup token" in response.content.decode()


def test_an_answer_to_the_telemetry_question_is_required(client: Client, token: str) -> None:
    form = _form(token)
    del form["telemetry"]
    response = client.post("/setup/", form)
    assert "Please choose yes or no." in response.content.decode()
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("password2", "something else entirely", "The two passwords differ."),
     ("password1", "password", "This password is too common.")],
)  # fmt: skip
def test_passwords_are_confirmed_and_validated(
    client: Client, token: str, field: str, value: str, message: str
) -> None:
    form = _form(token, **{field: value})
    if field == "password1":
        form["password2"] = value
    html = client.post("/setup/", form).content.decode()
    assert message in html.replace("&#x27;", "'")


@pytest.mark.parametrize("choice", ["on", "off"])
def test_it_creates_the_first_admin_stores_the_choice_and_signs_in(
    client: Client,
    token: str,
    choice: str,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/setup/", _form(token, telemetry=choice))
    assert response.status_code == 302
    # TELEMETRY_SETUP_DONE_URL: the project leads the new admin to two-factor enrolment.
    assert response["Location"] == conf.setup_done_url()
    user = get_user_model().objects.get(username="root")
    assert user.is_superuser
    assert user.is_staff
    assert user.email == "root@example.com"
    installation = Installation.objects.get_solo()
    assert installation.state == choice
    assert installation.decided_by == user
    assert installation.decided_via == "setup"
    assert installation.setup_token_hash == ""
    assert installation.setup_completed_at is not None
    assert ConsentChange.objects.get().channel == "setup"
    assert analytics_events.properties("setup.completed") == {"telemetry_choice": choice}
    assert analytics_events.properties("telemetry.consent_changed") == {
        "state": choice,
        "channel": "setup",
    }
    # Signed in, and the dashboard is what comes next.
    assert client.get("/").status_code == 200


def test_setup_is_unreachable_afterwards(client: Client, token: str) -> None:
    client.post("/setup/", _form(token))
    assert client.get("/setup/").status_code == 404
    assert client.post("/setup/", _form(token, username="second")).status_code == 404
    assert Client().get("/setup/").status_code == 404
    assert get_user_model().objects.count() == 1


def test_a_second_submission_racing_the_first_cannot_create_a_second_admin(
    client: Client, token: str
) -> None:
    # The form was valid when checked, but someone finished setup just before it was saved.
    from telemetry.forms import SetupForm

    form = SetupForm(_form(token), installation=Installation.objects.get_solo())
    assert form.is_valid()
    client.post("/setup/", _form(token))
    with pytest.raises(setup.SetupError):
        setup.complete(token=token, username="late", email="", password=PASSWORD, choice="on")
    assert not get_user_model().objects.filter(username="late").exists()


def test_the_user_models_username_rules_apply(client: Client, token: str) -> None:
    html = client.post("/setup/", _form(token, username="no spaces allowed")).content.decode()
    assert "Enter a valid username." in html
    assert not get_user_model().objects.exists()


def test_an_existing_username_is_refused(client: Client, token: str, member: Any) -> None:
    html = client.post("/setup/", _form(token, username="MEL")).content.decode()
    assert "A user with this username already exists." in html


def test_the_page_says_when_no_token_is_pending(client: Client) -> None:
    assert "No setup token is pending" in client.get("/setup/").content.decode()


def test_the_page_is_well_formed_html(client: Client, token: str) -> None:
    from apps.web.tests.html_check import assert_valid_page

    assert_valid_page(client.get("/setup/").content.decode())


class TestTokenCommand:
    def test_it_prints_a_token_that_opens_setup(self, client: Client) -> None:
        out = StringIO()
        call_command("setup_token", "--url", "http://127.0.0.1:8000/setup/", stdout=out)
        text = out.getvalue()
        assert "http://127.0.0.1:8000/setup/" in text
        token = next(line.strip() for line in text.splitlines() if len(line.strip()) == 32)
        response = client.post("/setup/", _form(token))
        assert response.status_code == 302

    def test_it_prints_nothing_once_setup_is_done(self) -> None:
        get_user_model().objects.create_superuser("boss", "", PASSWORD)
        out = StringIO()
        call_command("setup_token", stdout=out)
        assert out.getvalue() == ""
        assert Installation.objects.get_solo().setup_token_hash == ""


def test_once_done_the_check_is_remembered(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    get_user_model().objects.create_superuser("boss", "", PASSWORD)
    client.get("/healthz")
    assert setup.needed() is False
    with django_assert_max_num_queries(0):
        assert setup.needed() is False


@pytest.mark.parametrize("zone", ["Mars/Olympus", "<script>", "x" * 5000])
def test_it_refuses_an_unknown_time_zone_with_a_field_error(
    client: Client, token: str, zone: str
) -> None:
    for field in ("timezone", "default_timezone"):
        response = client.post("/setup/", _form(token, **{field: zone}))
        assert response.status_code == 400
        assert f'id="id_{field}_error"' in response.content.decode()
        assert not get_user_model().objects.filter(username="root").exists()


def test_it_asks_for_the_installations_default_zone_and_new_accounts_start_in_it(
    client: Client, token: str
) -> None:
    html = client.get("/setup/").content.decode()
    assert 'name="default_timezone"' in html
    assert html.count("data-browser-timezone") == 2  # both pre-filled from the browser
    response = client.post(
        "/setup/", _form(token, timezone="Europe/Berlin", default_timezone="Europe/Lisbon")
    )
    assert response.status_code == 302
    from apps.accounts.selectors import default_timezone, profile_get

    root = get_user_model().objects.get(username="root")
    assert profile_get(user=root).timezone == "Europe/Berlin"
    assert default_timezone() == "Europe/Lisbon"
    newcomer = get_user_model().objects.create_user("newcomer")
    assert profile_get(user=newcomer).timezone == "Europe/Lisbon"
