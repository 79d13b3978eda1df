"""XLSX and ICS exports and the report charts behind feature flags, each tested both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from waffle.testutils import override_flag

from apps.core import flags
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
FILTERS = "?start=2026-03-01&end=2026-03-31"
API = "/api/v1/time-entries/export/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def entries(member: Any, project: Any) -> None:
    TimeEntryFactory(
        user=member, project=project, started_at=START, ended_at=START + timedelta(hours=2)
    )


def links(client: Client, page: str) -> set[str]:
    html = client.get(page + FILTERS).content.decode()
    return {fmt for fmt in ("csv", "xlsx", "json", "ics") if f"/reports/export.{fmt}?" in html}


@pytest.mark.parametrize(("fmt", "flag"), [("xlsx", flags.EXPORT_XLSX), ("ics", flags.EXPORT_ICS)])
class TestExportFlags:
    def test_on_the_link_is_shown_and_the_export_works(
        self, member_web: Client, member_api: APIClient, fmt: str, flag: str
    ) -> None:
        with override_flag(flag, active=True):
            assert fmt in links(member_web, "/reports/")
            assert fmt in links(member_web, "/entries/")
            assert member_web.get(f"/reports/export.{fmt}{FILTERS}").status_code == 200
            assert member_api.get(f"{API}?format={fmt}").status_code == 200

    def test_off_the_link_is_hidden_and_the_endpoints_answer_404(
        self, member_web: Client, member_api: APIClient, fmt: str, flag: str
    ) -> None:
        with override_flag(flag, active=False):
            assert links(member_web, "/reports/") == {"csv", "json", "ics", "xlsx"} - {fmt}
            assert fmt not in links(member_web, "/entries/")
            assert member_web.get(f"/reports/export.{fmt}{FILTERS}").status_code == 404
            response = member_api.get(f"{API}?format={fmt}")
            assert response.status_code == 404
            assert response.json() == {"detail": "This export format is switched off."}
            # The other formats are untouched.
            assert member_web.get(f"/reports/export.csv{FILTERS}").status_code == 200
            assert member_api.get(f"{API}?format=json").status_code == 200


def test_off_the_xlsx_export_is_not_reachable_through_the_accept_header_either(
    member_api: APIClient,
) -> None:
    with override_flag(flags.EXPORT_XLSX, active=False):
        assert member_api.get(API, HTTP_ACCEPT=XLSX).status_code == 404
    with override_flag(flags.EXPORT_XLSX, active=True):
        assert member_api.get(API, HTTP_ACCEPT=XLSX).status_code == 200


def test_a_flag_rolled_out_to_some_people_decides_per_user(
    member_web: Client, other_web: Client, member: Any
) -> None:
    with override_flag(flags.EXPORT_XLSX, active=None):
        from waffle.models import Flag

        Flag.objects.get(name=flags.EXPORT_XLSX).users.add(member)
        assert "xlsx" in links(member_web, "/reports/")
        assert "xlsx" not in links(other_web, "/reports/")


class TestReportCharts:
    def test_on_the_report_page_draws_charts(self, member_web: Client) -> None:
        with override_flag(flags.REPORT_CHARTS, active=True):
            html = member_web.get("/reports/" + FILTERS).content.decode()
        assert html.count("<svg") == 2
        assert 'id="chart-time"' in html
        assert "Show the numbers as a table" in html

    def test_off_the_report_page_shows_tables_only(self, member_web: Client) -> None:
        with override_flag(flags.REPORT_CHARTS, active=False):
            response = member_web.get("/reports/" + FILTERS)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<svg" not in html
        assert "Show the numbers as a table" not in html
        # The same numbers, in plain tables: per day and per project.
        assert 'class="compact time-table"' in html
        assert 'class="compact project-table"' in html
        assert "Mon 9 Mar 2026" in html  # the one short date form (apps.web.templatetags.tt)
        assert "2.00" in html
        assert 'id="report-table"' in html
