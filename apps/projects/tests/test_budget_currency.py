"""Money budgets and rates name their currency at every door (issue 19): the project's
currency is its client's, else the installation's; the dashboard and the timer's message
write amounts in it with the language's separators, and the API says which it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings
from rest_framework.test import APIClient

from apps.clients.models import Client as ClientModel
from apps.projects.models import Project
from apps.timers import services as timers
from tests.factories import ClientFactory, ProjectFactory

pytestmark = pytest.mark.django_db
DAY = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
NBSP = "\u00a0"


def used(project: Project, *, hours: int) -> Project:
    """The project's kept totals as if its entries came to ``hours`` (billable)."""
    seconds = hours * 3600
    Project.objects.filter(pk=project.pk).update(
        budget_seconds_used=seconds, budget_billable_seconds_used=seconds
    )
    project.refresh_from_db()
    return project


@pytest.fixture
def swiss(db: Any) -> Project:
    """A project billed in francs at 100 an hour, 13,000 of its 15,000 budget used."""
    project = ProjectFactory(
        name="Alps",
        client=ClientFactory(currency="CHF"),
        billable=True,
        hourly_rate=Decimal("100"),
        budget_amount=Decimal("15000"),
    )
    return used(project, hours=130)


def test_the_kept_totals_come_from_the_entries(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    project = ProjectFactory(billable=True, hourly_rate=Decimal("100"), budget_amount=Decimal("9"))
    with django_capture_on_commit_callbacks(execute=True):
        timers.entry_create(
            user=member, project=project, started_at=DAY, ended_at=DAY + timedelta(hours=3)
        )
    project.refresh_from_db()
    assert project.budget_billable_seconds_used == 3 * 3600  # what used() stands in for


def test_the_dashboard_writes_a_money_budget_in_the_clients_currency(
    swiss: Project, member_web: Client
) -> None:
    html = member_web.get("/").content.decode()
    assert "Alps</a>: 86 % of its budget used (CHF13,000.00 of CHF15,000.00)." in html
    german = member_web.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert f"(13.000,00{NBSP}CHF von 15.000,00{NBSP}CHF)" in german


@override_settings(TIMETRACKER_CURRENCY="$")
def test_without_a_client_a_money_budget_is_in_the_installations_currency(
    member_web: Client,
) -> None:
    project = ProjectFactory(
        name="Solo",
        client=None,
        billable=True,
        hourly_rate=Decimal("50"),
        budget_amount=Decimal("1000"),
    )
    used(project, hours=19)
    html = member_web.get("/").content.decode()
    assert f"Solo</a>: 95 % of its budget used (${NBSP}950.00 of ${NBSP}1,000.00)." in html


def test_an_hours_budget_has_the_languages_separators(member_web: Client) -> None:
    used(ProjectFactory(name="Long", budget_hours=Decimal("1500")), hours=1250)
    html = member_web.get("/").content.decode()
    assert "Long</a>: 83 % of its budget used (1,250.00 of 1,500.00 hours)." in html


def test_the_timers_message_names_the_currency(swiss: Project, member_web: Client) -> None:
    response = member_web.post("/timer/start/", {"project": swiss.pk}, follow=True)
    text = [str(m) for m in response.context["messages"]]
    assert "Alps has used 86 % of its budget (CHF13,000.00 of CHF15,000.00)." in text


def test_the_api_says_the_currency_of_a_project_and_of_its_warning(
    swiss: Project, member_api: APIClient
) -> None:
    assert member_api.get(f"/api/v1/projects/{swiss.pk}/").json()["currency"] == "CHF"
    started = member_api.post("/api/v1/timer/start/", {"project": swiss.pk}, format="json")
    assert started.json()["budget_warning"] == {
        "kind": "money",
        "threshold": 80,
        "percent": 86,
        "used": "13000.00",
        "budget": "15000.00",
        "currency": "CHF",
    }


@override_settings(TIMETRACKER_CURRENCY="EUR")
def test_a_project_inherits_the_installations_currency(member_api: APIClient) -> None:
    without = ProjectFactory(client=None)
    blank = ProjectFactory(client=ClientFactory(currency=""))
    listed = {p["id"]: p["currency"] for p in member_api.get("/api/v1/projects/").json()["results"]}
    assert listed[without.pk] == "EUR"
    assert listed[blank.pk] == "EUR"


# Control characters and a right-to-left override (ESC rather than NUL, which PostgreSQL
# cannot store in text; tests/test_hostile_rows.py stores NUL where the database can).
@pytest.mark.parametrize("stored", ["<b>€</b>", "\x1b\u202e", "€$¥", "x" * 3])
def test_a_hostile_stored_currency_never_breaks_the_dashboard_or_the_api(
    swiss: Project, member_web: Client, member_api: APIClient, stored: str
) -> None:
    ClientModel.objects.filter(pk=swiss.client_id).update(currency=stored[:3])
    page = member_web.get("/")
    assert page.status_code == 200
    assert "<b>" not in page.content.decode()
    answer = member_api.get(f"/api/v1/projects/{swiss.pk}/")
    assert answer.status_code == 200
    assert answer.json()["currency"] == stored[:3]
    assert member_api.post("/api/v1/timer/start/", {"project": swiss.pk}).status_code == 201
