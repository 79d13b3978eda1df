"""A client's currency through every door: the service, the API, the web form, the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as WebClient
from rest_framework.test import APIClient

from apps.clients import services
from apps.clients.models import Client
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "€€€",
    "EURO",
    "<b>",
    "US",
    "E1R",
    "ZZZ",  # three letters, but no currency
    "XXX",  # ISO 4217's "no currency"
    "$",  # a symbol: only the installation's currency may be one
    "W" * 10_000,
    "EU\x00",
    "\x00",
    "é",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_the_service_refuses_a_currency_that_is_no_iso_code(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.client_create(name="Acme", currency=value)
    assert "currency" in caught.value.message_dict
    client = ClientFactory(name="Initech")
    with pytest.raises(ValidationError) as caught:
        services.client_update(client=client, data={"currency": value})
    assert "currency" in caught.value.message_dict
    client.refresh_from_db()
    assert client.currency == ""
    assert not Client.objects.filter(name="Acme").exists()


def test_the_service_writes_the_code_in_upper_case_and_blank_is_the_installation() -> None:
    client = services.client_create(name="Acme", currency=" usd ")
    assert client.currency == "USD"
    services.client_update(client=client, data={"currency": "chf"})
    client.refresh_from_db()
    assert client.currency == "CHF"
    services.client_update(client=client, data={"currency": ""})
    client.refresh_from_db()
    assert client.currency == ""
    assert services.client_create(name="Initech").currency == ""


@pytest.mark.parametrize("value", HOSTILE)
def test_the_api_answers_400_naming_the_field(member_api: APIClient, value: str) -> None:
    response = member_api.post(
        "/api/v1/clients/", {"name": "Acme", "currency": value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "currency" in response.json()
    client = ClientFactory(name="Initech")
    response = member_api.patch(f"/api/v1/clients/{client.pk}/", {"currency": value}, format="json")
    assert response.status_code == 400, response.content
    assert "currency" in response.json()
    client.refresh_from_db()
    assert client.currency == ""


@pytest.mark.parametrize("value", [None, 12, ["EUR"], {"code": "EUR"}, True])
def test_the_api_refuses_a_currency_that_is_no_text(member_api: APIClient, value: Any) -> None:
    response = member_api.post(
        "/api/v1/clients/", {"name": "Acme", "currency": value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "currency" in response.json()


def test_the_api_shows_and_sets_the_currency(member_api: APIClient) -> None:
    response = member_api.post(
        "/api/v1/clients/", {"name": "Acme", "currency": "usd"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "USD"
    pk = response.json()["id"]
    response = member_api.patch(f"/api/v1/clients/{pk}/", {"currency": ""}, format="json")
    assert response.json()["currency"] == ""
    response = member_api.post("/api/v1/clients/", {"name": "Initech"}, format="json")
    assert response.json()["currency"] == ""


@pytest.mark.parametrize("value", HOSTILE)
def test_the_web_form_answers_400_with_the_message_next_to_the_field(
    member_web: WebClient, value: str
) -> None:
    response = member_web.post("/clients/new/", {"name": "Acme", "currency": value})
    assert response.status_code == 400
    assert "currency" in response.context["form"].errors
    assert 'id="id_currency_error"' in response.content.decode()
    assert not Client.objects.filter(name="Acme").exists()
    client = ClientFactory(name="Initech")
    response = member_web.post(
        f"/clients/{client.pk}/edit/", {"name": "Initech", "currency": value}
    )
    assert response.status_code == 400
    assert "currency" in response.context["form"].errors
    client.refresh_from_db()
    assert client.currency == ""


def test_the_web_form_sets_the_currency(member_web: WebClient) -> None:
    page = member_web.get("/clients/new/").content.decode()
    assert 'name="currency"' in page
    assert "currency (EUR)." in page
    response = member_web.post("/clients/new/", {"name": "Acme", "currency": "gbp"})
    assert response.status_code == 302
    client = Client.objects.get(name="Acme")
    assert client.currency == "GBP"
    page = member_web.get(f"/clients/{client.pk}/edit/").content.decode()
    assert 'value="GBP"' in page
    assert "<td>GBP</td>" in member_web.get("/clients/").content.decode()
    member_web.post(f"/clients/{client.pk}/edit/", {"name": "Acme", "currency": ""})
    client.refresh_from_db()
    assert client.currency == ""


@pytest.fixture
def root_web(db: Any) -> WebClient:
    web = WebClient()
    web.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return web


@pytest.mark.parametrize("value", HOSTILE)
def test_the_admin_refuses_a_hostile_currency(root_web: WebClient, value: str) -> None:
    response = root_web.post("/admin/clients/client/add/", {"name": "Acme", "currency": value})
    assert response.status_code == 200  # the admin shows its form again, with the error
    assert "currency" in response.context["adminform"].form.errors
    assert not Client.objects.filter(name="Acme").exists()
    client = ClientFactory(name="Initech")
    response = root_web.post(
        f"/admin/clients/client/{client.pk}/change/", {"name": "Initech", "currency": value}
    )
    assert "currency" in response.context["adminform"].form.errors
    client.refresh_from_db()
    assert client.currency == ""


def test_the_admin_writes_through_the_service(root_web: WebClient) -> None:
    response = root_web.post("/admin/clients/client/add/", {"name": "Acme", "currency": "usd"})
    assert response.status_code == 302
    client = Client.objects.get(name="Acme")
    assert client.currency == "USD"  # normalised by the service
    response = root_web.post(
        f"/admin/clients/client/{client.pk}/change/", {"name": "Acme", "currency": "jpy"}
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.currency == "JPY"
