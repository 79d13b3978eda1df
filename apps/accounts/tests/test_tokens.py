"""Named API tokens: the tokens page, the API exchange, the Django admin, and what the
database keeps (a digest, never the key)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.testutils import CapturedEvents
from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_create, api_token_revoke
from conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Any:
    """``with commit():`` runs the on-commit callbacks (the events) as the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


PAGE = "/accounts/tokens/"


def _api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _row_values(token: ApiToken) -> list[Any]:
    """Every column of the token's row, read with SQL (not through the model)."""
    table = connection.ops.quote_name(ApiToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [token.pk])  # noqa: S608
        return list(cursor.fetchone())


class TestThePage:
    def test_it_is_linked_from_the_profile(self, member_web: Client) -> None:
        assert PAGE in member_web.get("/accounts/profile/").content.decode()

    def test_it_needs_a_login(self, client: Client) -> None:
        assert client.get(PAGE).status_code == 302

    def test_it_creates_a_named_token_and_shows_the_key_once(
        self, member_web: Client, member: Any
    ) -> None:
        response = member_web.post(PAGE, {"name": "laptop script", "expires_in_days": ""})
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        key = response.context["new_key"]
        assert key.startswith("tt_")
        assert key in response.content.decode()
        token = ApiToken.objects.get(user=member)
        assert (token.name, token.expiry, token.last_used_at) == ("laptop script", None, None)
        # Listed by name, the key nowhere on the page any more.
        again = member_web.get(PAGE).content.decode()
        assert "laptop script" in again
        assert key not in again
        assert _api(key).get("/api/v1/timer/").status_code == 200

    def test_the_key_is_never_stored_in_clear(self, member_web: Client, member: Any) -> None:
        key = member_web.post(PAGE, {"name": "ci"}).context["new_key"]
        token = ApiToken.objects.get(user=member)
        for value in _row_values(token):
            assert not (isinstance(value, str) and key in value)
        # What is kept: a SHA-512 digest and the first characters, for the lookup.
        assert len(token.digest) == 128
        assert key.startswith(token.token_key)
        assert len(token.token_key) < len(key) // 2

    def test_a_blank_name_gets_a_dated_default(self, member_web: Client, member: Any) -> None:
        member_web.post(PAGE, {"name": "  "})
        today = timezone.now().date().isoformat()
        assert ApiToken.objects.get(user=member).name == f"API token {today}"

    def test_an_expiry_in_days_is_set(self, member_web: Client, member: Any) -> None:
        member_web.post(PAGE, {"name": "short", "expires_in_days": "7"})
        expiry = ApiToken.objects.get(user=member).expiry
        assert expiry is not None
        assert abs(expiry - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)

    @pytest.mark.parametrize("days", ["0", "-1", "3651", "soon"])
    def test_a_bad_expiry_is_a_form_error(self, member_web: Client, days: str) -> None:
        response = member_web.post(PAGE, {"name": "x", "expires_in_days": days})
        assert response.status_code == 200
        assert response.context["form"].errors["expires_in_days"]
        assert response.context["new_key"] is None
        assert not ApiToken.objects.exists()

    def test_a_name_too_long_is_a_form_error(self, member_web: Client) -> None:
        response = member_web.post(PAGE, {"name": "n" * 101})
        assert response.context["form"].errors["name"]
        assert not ApiToken.objects.exists()

    def test_a_member_sees_only_their_own_tokens(
        self, member_web: Client, member: Any, other_member: Any
    ) -> None:
        api_token_create(user=member, name="mine")
        api_token_create(user=other_member, name="theirs")
        page = member_web.get(PAGE).content.decode()
        assert "mine" in page
        assert "theirs" not in page

    def test_revoking_refuses_the_key_at_once(self, member_web: Client, member: Any) -> None:
        token, key = api_token_create(user=member, name="old")
        assert _api(key).get("/api/v1/timer/").status_code == 200
        response = member_web.post(f"{PAGE}{token.pk}/revoke/")
        assert response.status_code == 302
        assert not ApiToken.objects.filter(pk=token.pk).exists()
        assert _api(key).get("/api/v1/timer/").status_code == 401

    def test_revoking_is_a_post(self, member_web: Client, member: Any) -> None:
        token, _ = api_token_create(user=member)
        assert member_web.get(f"{PAGE}{token.pk}/revoke/").status_code == 405
        assert ApiToken.objects.filter(pk=token.pk).exists()

    def test_revoking_needs_the_csrf_token(self, member: Any) -> None:
        token, _ = api_token_create(user=member)
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(member)
        assert browser.post(f"{PAGE}{token.pk}/revoke/").status_code == 403
        assert ApiToken.objects.filter(pk=token.pk).exists()

    def test_a_member_cannot_revoke_another_users_token(
        self, member_web: Client, other_member: Any
    ) -> None:
        token, key = api_token_create(user=other_member)
        assert member_web.post(f"{PAGE}{token.pk}/revoke/").status_code == 404
        assert _api(key).get("/api/v1/timer/").status_code == 200

    def test_an_admin_sees_and_revokes_any_users_token(
        self, admin_web: Client, member: Any, other_member: Any
    ) -> None:
        token, key = api_token_create(user=member, name="mel's script")
        api_token_create(user=other_member, name="otto's script")
        page = admin_web.get(PAGE).content.decode()
        assert "mel&#x27;s script" in page
        assert "otto&#x27;s script" in page
        filtered = admin_web.get(PAGE, {"user": member.pk}).content.decode()
        assert "mel&#x27;s script" in filtered
        assert "otto&#x27;s script" not in filtered
        response = admin_web.post(f"{PAGE}{token.pk}/revoke/")
        assert response.status_code == 302
        assert response["Location"] == f"{PAGE}?user={member.pk}"
        assert _api(key).get("/api/v1/timer/").status_code == 401

    def test_an_expired_token_is_listed_as_expired(self, member_web: Client, member: Any) -> None:
        token, _ = api_token_create(user=member, name="gone", expires_in=timedelta(days=1))
        ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(hours=1))
        assert "expired" in member_web.get(PAGE).content.decode()


class TestAuthentication:
    def test_an_expired_token_answers_401(self, member: Any) -> None:
        token, key = api_token_create(user=member, expires_in=timedelta(days=1))
        assert _api(key).get("/api/v1/timer/").status_code == 200
        ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
        response = _api(key).get("/api/v1/timer/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        # Refused, not silently deleted: its owner still sees it on the tokens page.
        assert ApiToken.objects.filter(pk=token.pk).exists()

    def test_a_token_of_an_inactive_user_answers_401(self, member: Any) -> None:
        _, key = api_token_create(user=member)
        member.is_active = False
        member.save(update_fields=["is_active"])
        assert _api(key).get("/api/v1/timer/").status_code == 401

    def test_a_key_with_one_character_changed_answers_401(self, member: Any) -> None:
        _, key = api_token_create(user=member)
        wrong = key[:-1] + ("0" if key[-1] != "0" else "1")
        assert _api(wrong).get("/api/v1/timer/").status_code == 401

    @pytest.mark.parametrize(
        "header",
        ["Token \xff\xfe", "Token " + "a" * 5000, "Token abc\x00def", "Token", "Token a b"],
    )
    def test_a_malformed_header_answers_401(self, anon_api: APIClient, header: str) -> None:
        anon_api.credentials(HTTP_AUTHORIZATION=header)
        assert anon_api.get("/api/v1/timer/").status_code == 401

    def test_last_used_is_recorded_at_most_once_a_minute(
        self, member: Any, django_assert_num_queries: Any
    ) -> None:
        token, key = api_token_create(user=member)
        client = _api(key)
        client.get("/api/v1/timer/")
        token.refresh_from_db()
        first = token.last_used_at
        assert first is not None
        assert timezone.now() - first < timedelta(seconds=5)
        client.get("/api/v1/timer/")
        token.refresh_from_db()
        assert token.last_used_at == first  # within the minute: no write
        earlier = timezone.now() - timedelta(minutes=2)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
        client.get("/api/v1/timer/")
        token.refresh_from_db()
        assert token.last_used_at is not None
        assert token.last_used_at > earlier + timedelta(minutes=1)

    def test_a_recent_use_costs_no_write(self, member: Any) -> None:
        from django.test.utils import CaptureQueriesContext

        token, key = api_token_create(user=member)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            assert _api(key).get("/api/v1/timer/").status_code == 200
        writes = [q["sql"] for q in queries if "UPDATE" in q["sql"] and "apitoken" in q["sql"]]
        assert writes == []


class TestTheTokenEndpoint:
    def test_it_creates_a_named_token(self, anon_api: APIClient, member: Any) -> None:
        body = {"username": "mel", "password": PASSWORD, "name": "backup cron"}
        response = anon_api.post("/api/v1/auth/token/", body)
        assert response.status_code == 200
        data = response.json()
        assert (data["name"], data["expiry"]) == ("backup cron", None)
        token = ApiToken.objects.get(user=member)
        assert token.name == "backup cron"
        assert data["token"] not in _row_values(token)
        assert _api(data["token"]).get("/api/v1/timer/").status_code == 200

    def test_it_can_set_an_expiry(self, anon_api: APIClient, member: Any) -> None:
        body = {"username": "mel", "password": PASSWORD, "expires_in_days": 30}
        data = anon_api.post("/api/v1/auth/token/", body).json()
        assert data["expiry"] is not None
        assert data["name"].startswith("API token ")
        assert ApiToken.objects.get(user=member).expiry is not None

    def test_a_bad_expiry_is_a_400(self, anon_api: APIClient, member: Any) -> None:
        body = {"username": "mel", "password": PASSWORD, "expires_in_days": 0}
        response = anon_api.post("/api/v1/auth/token/", body)
        assert response.status_code == 400
        assert "expires_in_days" in response.json()
        assert not ApiToken.objects.exists()

    def test_each_exchange_is_a_new_token(self, anon_api: APIClient, member: Any) -> None:
        body = {"username": "mel", "password": PASSWORD}
        keys = {anon_api.post("/api/v1/auth/token/", body).json()["token"] for _ in range(2)}
        assert len(keys) == 2
        assert ApiToken.objects.filter(user=member).count() == 2


class TestEvents:
    def _assert_clean(self, events: CapturedEvents, key: str, name: str) -> None:
        for event in events:
            text = json.dumps(event.properties, default=str)
            assert key not in text
            assert name not in text

    def test_web_create_and_revoke_are_events_with_channel_web(
        self,
        member_web: Client,
        member: Any,
        analytics_events: CapturedEvents,
        commit: Any,
    ) -> None:
        with commit():
            key = member_web.post(PAGE, {"name": "secretive name"}).context["new_key"]
        token = ApiToken.objects.get(user=member)
        with commit():
            member_web.post(f"{PAGE}{token.pk}/revoke/")
        assert analytics_events.names == ["api_token.created", "api_token.revoked"]
        assert analytics_events.properties("api_token.created") == {"channel": "web"}
        assert analytics_events.properties("api_token.revoked") == {"channel": "web"}
        assert {e.actor_id for e in analytics_events} == {member.pk}
        self._assert_clean(analytics_events, key, "secretive name")

    def test_the_api_exchange_is_an_event_with_channel_api(
        self,
        anon_api: APIClient,
        member: Any,
        analytics_events: CapturedEvents,
        commit: Any,
    ) -> None:
        body = {"username": "mel", "password": PASSWORD, "name": "secretive name"}
        with commit():
            key = anon_api.post("/api/v1/auth/token/", body).json()["token"]
        assert analytics_events.properties("api_token.created") == {"channel": "api"}
        self._assert_clean(analytics_events, key, "secretive name")

    def test_an_admin_revoking_is_the_actor(
        self,
        admin_web: Client,
        admin: Any,
        member: Any,
        analytics_events: CapturedEvents,
        commit: Any,
    ) -> None:
        token, _ = api_token_create(user=member)
        with commit():
            admin_web.post(f"{PAGE}{token.pk}/revoke/")
        assert analytics_events.one("api_token.revoked").actor_id == admin.pk

    def test_a_second_revoke_is_no_second_event(
        self, member: Any, analytics_events: CapturedEvents, commit: Any
    ) -> None:
        with commit():
            token, _ = api_token_create(user=member)
            assert api_token_revoke(token=token) is True
            assert api_token_revoke(token=token) is False
        assert analytics_events.names == ["api_token.created", "api_token.revoked"]


class TestTheDjangoAdmin:
    @pytest.fixture
    def root_web(self) -> Client:
        root = UserFactory(username="root", is_staff=True, is_superuser=True)
        client = Client()
        client.force_login(root)
        return client

    def test_it_lists_tokens_without_their_digest_in_urls(
        self, root_web: Client, member: Any
    ) -> None:
        token, _ = api_token_create(user=member, name="listed")
        page = root_web.get("/admin/accounts/apitoken/").content.decode()
        assert "listed" in page
        assert f"/admin/accounts/apitoken/{token.pk}/" in page
        assert token.digest not in page

    def test_revoking_there_is_an_event_with_channel_admin(
        self,
        root_web: Client,
        member: Any,
        analytics_events: CapturedEvents,
        commit: Any,
    ) -> None:
        token, key = api_token_create(user=member)
        with commit():
            url = f"/admin/accounts/apitoken/{token.pk}/delete/"
            response = root_web.post(url, {"post": "yes"})
        assert response.status_code == 302
        assert analytics_events.properties("api_token.revoked") == {"channel": "admin"}
        assert _api(key).get("/api/v1/timer/").status_code == 401

    def test_there_is_no_add_page(self, root_web: Client) -> None:
        assert root_web.get("/admin/accounts/apitoken/add/").status_code == 403


class TestDrfTokensFromBefore:
    def test_they_are_hashed_and_keep_working(self, member: Any) -> None:
        from importlib import import_module

        migration = import_module("apps.accounts.migrations.0003_api_tokens_from_drf")
        key = "0123456789abcdef0123456789abcdef01234567"  # DRF's 40 hex characters
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
                "created timestamp with time zone NOT NULL, user_id integer NOT NULL)"
                if connection.vendor == "postgresql"
                else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
                "created datetime NOT NULL, user_id integer NOT NULL)"
            )
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [key, timezone.now() - timedelta(days=400), member.pk],
            )
        from django.apps import apps

        # The migration uses only the schema editor's connection.
        migration.forwards(apps, SimpleNamespace(connection=connection))
        token = ApiToken.objects.get(user=member)
        assert token.created < timezone.now() - timedelta(days=399)
        assert key not in _row_values(token)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
        assert _api(key).get("/api/v1/timer/").status_code == 200


@pytest.mark.slow
def test_a_revoked_token_is_refused_by_every_worker(tmp_path: Path) -> None:
    from tests.servers import gunicorn

    make = (
        "from apps.accounts.services import user_create, api_token_create; "
        "u = user_create(username='probe', password=None, role='admin'); "
        "print(api_token_create(user=u, name='probe')[1])"
    )
    revoke = (
        "from apps.accounts.models import ApiToken; "
        "from apps.accounts.services import api_token_revoke; "
        "[api_token_revoke(token=t) for t in ApiToken.objects.all()]"
    )
    with gunicorn(tmp_path, workers=2) as server:
        key = server.manage("shell", "-c", make).strip().splitlines()[-1]
        headers = {"Authorization": f"Token {key}"}

        def call(_: int) -> int:
            return server.get("/api/v1/timer/", headers=headers)[0]

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert set(pool.map(call, range(40))) == {200}  # both workers know the token
            server.manage("shell", "-c", revoke)
            assert set(pool.map(call, range(40))) == {401}  # and both refuse it at once
