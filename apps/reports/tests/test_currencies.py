"""Amounts in several currencies: each client's own, never added up across currencies."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client as WebClient
from django.test import override_settings
from django.utils import translation
from waffle.testutils import override_flag

from apps.clients.models import Client
from apps.core import flags
from apps.reports.selectors import report_summary
from apps.web.templatetags.tt import money
from apps.web.tests.html_check import assert_valid_page
from tests.factories import ClientFactory, ProjectFactory, TagFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 9, 9, tzinfo=UTC)
RANGE = {"start": "2026-03-09", "end": "2026-03-15"}


def _entry(
    user: Any, project: Any, hours: float, day: int = 0, tags: Any = (), **extra: Any
) -> Any:
    start = DAY + timedelta(days=day)
    entry = TimeEntryFactory(
        user=user,
        project=project,
        started_at=start,
        ended_at=start + timedelta(hours=hours),
        **extra,
    )
    entry.tags.set(tags)
    return entry


@pytest.fixture
def mixed(member: Any) -> dict[str, Any]:
    """Acme pays in USD, Initech in the installation's EUR (blank), Umbrella in EUR (set)."""
    acme = ClientFactory(name="Acme", currency="USD")
    initech = ClientFactory(name="Initech", currency="")
    umbrella = ClientFactory(name="Umbrella", currency="EUR")
    rocket = ProjectFactory(name="Rocket", client=acme, hourly_rate=Decimal("100.00"))
    tps = ProjectFactory(name="TPS", client=initech, hourly_rate=Decimal("50.00"))
    hive = ProjectFactory(name="Hive", client=umbrella, hourly_rate=Decimal("10.00"))
    inhouse = ProjectFactory(name="Inhouse", client=None, hourly_rate=Decimal("20.00"))
    tag = TagFactory(name="urgent")
    _entry(member, rocket, 2, tags=[tag])  # 200.00 USD
    _entry(member, tps, 1, day=1, tags=[tag])  # 50.00 EUR
    _entry(member, hive, 3, day=1)  # 30.00 EUR
    _entry(member, inhouse, 0.5, day=2)  # 10.00 EUR
    _entry(member, rocket, 1, day=2, billable=False)  # no amount
    return {"acme": acme, "rocket": rocket, "tps": tps, "hive": hive, "inhouse": inhouse}


def _summary(api: Any, group_by: str) -> dict[str, Any]:
    response = api.get("/api/v1/reports/summary/", {**RANGE, "group_by": group_by})
    assert response.status_code == 200, response.content
    return response.json()


MIXED_TOTALS = [
    {"currency": "EUR", "billable_amount": "90.00"},
    {"currency": "USD", "billable_amount": "200.00"},
]


@pytest.mark.parametrize("group_by", ["project", "client", "task", "user", "day", "tag"])
def test_the_totals_are_per_currency_and_never_added_up(
    member_api: Any, mixed: dict[str, Any], group_by: str
) -> None:
    data = _summary(member_api, group_by)
    totals = data["totals"]
    assert totals["currency"] is None
    assert totals["billable_amount"] is None
    if group_by != "tag":
        assert totals["billable_amounts"] == MIXED_TOTALS
    assert totals["seconds"] == round(7.5 * 3600)


@pytest.mark.parametrize("group_by", ["project", "client", "task", "user", "day"])
def test_the_rows_per_currency_add_up_to_the_totals_per_currency(
    admin_api: Any, mixed: dict[str, Any], other_member: Any, group_by: str
) -> None:
    _entry(other_member, mixed["rocket"], 0.25, day=3)  # 25.00 USD more, by someone else
    data = _summary(admin_api, group_by)
    added: dict[str, Decimal] = {}
    for row in data["rows"]:
        for part in row["billable_amounts"]:
            added[part["currency"]] = added.get(part["currency"], Decimal(0)) + Decimal(
                part["billable_amount"]
            )
        if row["currency"] is not None:
            assert [row["currency"]] == [p["currency"] for p in row["billable_amounts"]]
            assert row["billable_amount"] == row["billable_amounts"][0]["billable_amount"]
    totals = {
        p["currency"]: Decimal(p["billable_amount"]) for p in data["totals"]["billable_amounts"]
    }
    assert totals == {code: amount for code, amount in added.items() if amount}
    assert totals == {"EUR": Decimal("90.00"), "USD": Decimal("225.00")}


def test_a_row_in_one_currency_has_it_and_a_mixed_row_lists_each(
    member_api: Any, mixed: dict[str, Any]
) -> None:
    by_project = {row["label"]: row for row in _summary(member_api, "project")["rows"]}
    assert (by_project["Rocket"]["currency"], by_project["Rocket"]["billable_amount"]) == (
        "USD",
        "200.00",
    )
    assert by_project["TPS"]["currency"] == "EUR"  # the installation's, for a blank client
    assert by_project["Hive"]["currency"] == "EUR"
    assert by_project["Inhouse"]["currency"] == "EUR"  # no client: the installation's
    by_client = {row["label"]: row for row in _summary(member_api, "client")["rows"]}
    assert by_client["Acme"]["billable_amounts"] == [
        {"currency": "USD", "billable_amount": "200.00"}
    ]
    assert by_client["(none)"]["currency"] == "EUR"
    # One person worked for all of them: the row holds several currencies.
    (person,) = _summary(member_api, "user")["rows"]
    assert (person["currency"], person["billable_amount"]) == (None, None)
    assert person["billable_amounts"] == MIXED_TOTALS
    # Days: the first is USD only; the second EUR (two clients, both in EUR); the third
    # EUR, since the unbilled USD hour has no amount.
    days = _summary(member_api, "day")["rows"]
    assert [(d["key"], d["currency"], d["billable_amount"]) for d in days] == [
        ("2026-03-09", "USD", "200.00"),
        ("2026-03-10", "EUR", "80.00"),
        ("2026-03-11", "EUR", "10.00"),
    ]
    (urgent,) = _summary(member_api, "tag")["rows"][:1]
    assert urgent["label"] == "urgent"
    assert urgent["billable_amounts"] == [
        {"currency": "EUR", "billable_amount": "50.00"},
        {"currency": "USD", "billable_amount": "200.00"},
    ]


def test_a_row_without_any_amount_is_in_its_projects_currency_or_the_installations(
    member_api: Any, member: Any
) -> None:
    dollars = ProjectFactory(client=ClientFactory(currency="USD"), hourly_rate=None)
    francs = ProjectFactory(client=ClientFactory(currency="CHF"), hourly_rate=Decimal("10"))
    _entry(member, dollars, 1)
    totals = _summary(member_api, "user")["totals"]
    assert totals["billable_amounts"] == [{"currency": "USD", "billable_amount": "0.00"}]
    _entry(member, francs, 1, day=1, billable=False)
    totals = _summary(member_api, "user")["totals"]
    # Nothing billed in either: a zero is the installation's, whatever the projects' mix.
    assert (totals["currency"], totals["billable_amount"]) == ("EUR", "0.00")
    _entry(member, francs, 1, day=2)
    totals = _summary(member_api, "user")["totals"]
    # The unpriced dollars add nothing, so the francs are the only currency.
    assert (totals["currency"], totals["billable_amount"]) == ("CHF", "10.00")


def test_an_empty_report_has_the_installations_currency(member_api: Any) -> None:
    data = _summary(member_api, "project")
    assert data["rows"] == []
    assert data["totals"]["billable_amounts"] == [{"currency": "EUR", "billable_amount": "0.00"}]
    assert (data["totals"]["currency"], data["totals"]["billable_amount"]) == ("EUR", "0.00")


def test_one_currency_keeps_the_single_amount(member_api: Any, member: Any) -> None:
    project = ProjectFactory(client=ClientFactory(currency="USD"), hourly_rate=Decimal("10"))
    _entry(member, project, 1)
    totals = _summary(member_api, "user")["totals"]
    assert (totals["currency"], totals["billable_amount"]) == ("USD", "10.00")
    assert totals["billable_amounts"] == [{"currency": "USD", "billable_amount": "10.00"}]


def test_the_query_count_stays_one_statement(
    member: Any, mixed: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):  # the profile's time zone, the summary
        report_summary(user=member, start=DAY.date(), end=DAY.date() + timedelta(days=6),
                       group_by="user")  # fmt: skip


@pytest.mark.parametrize(
    ("language", "usd", "eur"),
    [
        ("en", "US$200.00", "€90.00"),
        ("de", "200,00\u00a0$", "90,00\u00a0€"),
        ("fr", "200,00\u00a0$US", "90,00\u00a0€"),
        ("nl", "US$\u00a0200,00", "€\u00a090,00"),
    ],
)
def test_the_report_page_shows_each_amount_in_its_currency(
    member_web: WebClient, mixed: dict[str, Any], language: str, usd: str, eur: str
) -> None:
    with translation.override(language):
        assert money("200", "USD") == usd
        assert money("90", "EUR") == eur
    response = member_web.get(
        "/reports/", {**RANGE, "group_by": "task"}, headers={"accept-language": language}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert usd in html
    assert eur in html
    assert 'id="currencies-note"' in html
    assert 'class="muted several-currencies"' in html
    assert_valid_page(html)
    response = member_web.get(
        "/reports/", {**RANGE, "group_by": "project"}, headers={"accept-language": language}
    )
    html = response.content.decode()
    assert usd in html  # Rocket's row, in dollars


def test_one_currency_shows_no_note(member_web: WebClient, member: Any, project: Any) -> None:
    _entry(member, project, 1)
    html = member_web.get("/reports/", RANGE).content.decode()
    assert 'id="currencies-note"' not in html
    assert "several-currencies" not in html


def test_the_project_pages_show_the_clients_currency(
    member_web: WebClient, mixed: dict[str, Any]
) -> None:
    rocket = mixed["rocket"]
    rocket.budget_amount = Decimal("1500.00")
    rocket.save()
    html = member_web.get("/projects/").content.decode()
    assert "US$100.00" in html  # Rocket's rate
    assert "US$1,500.00" in html  # its budget in money
    assert "€50.00" in html  # TPS: the installation's currency
    assert "€20.00" in html  # Inhouse: no client
    html = member_web.get(f"/projects/{rocket.pk}/").content.decode()
    assert "US$100.00" in html
    assert "US$1,500.00" in html
    html = member_web.get(f"/projects/{rocket.pk}/edit/").content.decode()
    assert 'id="currency-note"' in html


@override_settings(TIMETRACKER_CURRENCY="$")
def test_a_symbol_as_the_installations_currency_is_one_more_currency(
    member_api: Any, mixed: dict[str, Any]
) -> None:
    totals = _summary(member_api, "user")["totals"]
    assert totals["billable_amounts"] == [
        {"currency": "$", "billable_amount": "60.00"},  # TPS and Inhouse
        {"currency": "EUR", "billable_amount": "30.00"},  # Umbrella, EUR set on the client
        {"currency": "USD", "billable_amount": "200.00"},
    ]


def test_money_takes_a_currency_and_shows_a_stored_non_code_plainly() -> None:
    with translation.override("en"):
        assert money("1234.5", "USD") == "US$1,234.50"
        assert money("1234.5", "") == "€1,234.50"  # blank: the installation's
        assert money("1234.5", None) == "€1,234.50"
        assert money("1234.5", "<b>") == "<b>\u00a01,234.50"  # the template escapes it
        assert money("1", "a\x00b\x1f") == "ab\u00a01.00"  # no control characters
        assert money("1", "eur") == "eur\u00a01.00"
    with translation.override("de"):
        assert money("1234.5", "USD") == "1.234,50\u00a0$"
        assert money("1234.4", "JPY") == "1.234\u00a0¥"  # the currency's own digits


# --- Exports ---------------------------------------------------------------------------------
def _get(web: WebClient, url: str) -> bytes:
    response = web.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_mixed_currency_export_names_each_rows_currency(
    member_web: WebClient, mixed: dict[str, Any]
) -> None:
    query = "?start=2026-03-09&end=2026-03-15"
    rows = list(
        csv.DictReader(io.StringIO(_get(member_web, f"/reports/export.csv{query}").decode()))
    )
    header = list(rows[0])
    assert header.index("currency") == header.index("amount") + 1
    assert [(r["project"], r["amount"], r["currency"]) for r in rows] == [
        ("Rocket", "200.00", "USD"),
        ("TPS", "50.00", "EUR"),
        ("Hive", "30.00", "EUR"),
        ("Inhouse", "10.00", "EUR"),
        ("Rocket", "", "USD"),
    ]
    data = json.loads(_get(member_web, f"/reports/export.json{query}"))
    assert [(e["amount"], e["currency"]) for e in data["entries"]] == [
        ("200.00", "USD"),
        ("50.00", "EUR"),
        ("30.00", "EUR"),
        ("10.00", "EUR"),
        (None, "USD"),
    ]
    with override_flag(flags.EXPORT_XLSX, active=True):
        book = openpyxl.load_workbook(io.BytesIO(_get(member_web, f"/reports/export.xlsx{query}")))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    column = header.index("Currency")
    assert header[column - 1] == "Amount"
    assert [row[column].value for row in sheet.iter_rows(min_row=2, max_row=6)] == [
        "USD",
        "EUR",
        "EUR",
        "EUR",
        "USD",
    ]


def test_a_stored_hostile_currency_never_breaks_a_page_or_an_export(
    member_web: WebClient, mixed: dict[str, Any]
) -> None:
    # Past the service and its validation, as a hand edit or an older version might (three
    # characters: what PostgreSQL's column holds; tests/test_hostile_rows.py has more).
    Client.objects.filter(pk=mixed["acme"].pk).update(currency="<b>")
    for url in (
        "/reports/?start=2026-03-09&end=2026-03-15&group_by=task",
        "/reports/?start=2026-03-09&end=2026-03-15&group_by=project",
        "/projects/",
        f"/projects/{mixed['rocket'].pk}/",
        f"/clients/{mixed['acme'].pk}/edit/",
    ):
        response = member_web.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<b>" not in html, url
        assert "&lt;b&gt;" in html, url
    rows = list(
        csv.DictReader(
            io.StringIO(_get(member_web, "/reports/export.csv?start=2026-03-09").decode())
        )
    )
    assert rows[0]["currency"] == "<b>"
    response = member_web.post(
        f"/clients/{mixed['acme'].pk}/edit/", {"name": "Acme", "currency": "<b>"}
    )
    assert response.status_code == 400  # sent back unchanged: refused, not stored again
