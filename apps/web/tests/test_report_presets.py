"""Named report periods (today ... this year), on the page and in the API, remembered per user."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from apps.accounts.models import Profile
from apps.accounts.services import profile_update
from apps.reports.periods import PRESETS, preset_period
from apps.web.tests.html_check import assert_valid_page

NAMED = [name for name in PRESETS if name != "custom"]


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("today", ("2026-03-01", "2026-03-01")),
        ("this_week", ("2026-02-23", "2026-03-01")),  # 1 March 2026 is a Sunday
        ("last_week", ("2026-02-16", "2026-02-22")),
        ("this_month", ("2026-03-01", "2026-03-31")),
        ("last_month", ("2026-02-01", "2026-02-28")),
        ("this_year", ("2026-01-01", "2026-12-31")),
    ],
)
def test_it_names_whole_calendar_periods(preset: str, expected: tuple[str, str]) -> None:
    start, end = preset_period(preset, today=date(2026, 3, 1))
    assert (start.isoformat(), end.isoformat()) == expected


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(2199, 12, 1)))
def test_every_period_is_whole_and_the_last_ones_end_where_the_current_ones_begin(
    today: date,
) -> None:
    for name in NAMED:
        start, end = preset_period(name, today=today)
        assert start <= end
        if name.startswith(("this", "today")):
            assert start <= today <= end
    this_week, last_week = (
        preset_period("this_week", today=today),
        preset_period("last_week", today=today),
    )
    assert this_week[0].weekday() == 0
    assert (this_week[1] - this_week[0]).days == 6
    assert last_week[1] + timedelta(days=1) == this_week[0]
    this_month, last_month = (
        preset_period("this_month", today=today),
        preset_period("last_month", today=today),
    )
    assert last_month[1] + timedelta(days=1) == this_month[0]
    assert this_month[0].day == last_month[0].day == 1
    assert (this_month[1] + timedelta(days=1)).day == 1


@pytest.mark.django_db
class TestReportPage:
    def test_it_offers_every_named_period_keeping_the_other_filters(
        self, member_web: Client, project: Any
    ) -> None:
        response = member_web.get(f"/reports/?group_by=day&project={project.pk}")
        html = response.content.decode()
        assert_valid_page(html)
        for label in ("Today", "This week", "Last week", "This month", "Last month", "This year"):
            assert f">{label}</a>" in html
        assert f'href="?group_by=day&amp;project={project.pk}&amp;period=last_month"' in html
        assert 'aria-current="true">This month</a>' in html

    def test_a_named_period_sets_the_dates_and_is_remembered(
        self, member_web: Client, member: Any
    ) -> None:
        response = member_web.get("/reports/?period=last_week")
        start, end = preset_period("last_week", today=timezone.localdate())
        assert response.context["summary"]["start"] == start.isoformat()
        assert response.context["summary"]["end"] == end.isoformat()
        assert Profile.objects.get(user=member).report_preset == "last_week"
        # The next visit without a period opens with it.
        again = member_web.get("/reports/")
        assert again.context["summary"]["start"] == start.isoformat()
        assert 'aria-current="true">Last week</a>' in again.content.decode()

    def test_typed_dates_are_a_custom_period_and_change_nothing_remembered(
        self, member_web: Client, member: Any
    ) -> None:
        member_web.get("/reports/?period=this_year")
        response = member_web.get("/reports/?start=2026-03-09&end=2026-03-11")
        assert response.context["summary"]["start"] == "2026-03-09"
        assert response.context["form"].preset == "custom"
        assert Profile.objects.get(user=member).report_preset == "this_year"

    def test_typed_dates_that_are_a_named_period_count_as_it(
        self, member_web: Client, member: Any
    ) -> None:
        start, end = preset_period("last_month", today=timezone.localdate())
        response = member_web.get(f"/reports/?start={start}&end={end}&group_by=client")
        assert response.context["form"].preset == "last_month"
        assert Profile.objects.get(user=member).report_preset == "last_month"

    def test_the_period_follows_the_users_time_zone(self, member_web: Client, member: Any) -> None:
        profile_update(user=member, data={"timezone": "Pacific/Kiritimati"})
        today = timezone.localdate(timezone=Profile.objects.get(user=member).tzinfo)
        response = member_web.get("/reports/?period=today")
        assert response.context["summary"]["start"] == today.isoformat()

    @pytest.mark.parametrize("junk", ["yesterday", "custom\x00", "", "x" * 500])
    def test_a_made_up_period_is_refused_or_ignored_never_stored(
        self, member_web: Client, member: Any, junk: str
    ) -> None:
        response = member_web.get("/reports/", {"period": junk})
        assert response.status_code in (200, 400)
        if junk:
            assert response.status_code == 400
            assert "period" in response.context["form"].errors
        assert Profile.objects.get(user=member).report_preset == "this_month"


@pytest.mark.django_db
class TestSummaryApi:
    def test_it_takes_a_named_period_in_the_users_time_zone(
        self, member_api: APIClient, member: Any
    ) -> None:
        response = member_api.get("/api/v1/reports/summary/", {"period": "last_month"})
        assert response.status_code == 200
        start, end = preset_period("last_month", today=timezone.localdate())
        assert (response.json()["start"], response.json()["end"]) == (
            start.isoformat(),
            end.isoformat(),
        )

    def test_it_refuses_a_period_with_dates_and_neither(self, member_api: APIClient) -> None:
        both = member_api.get(
            "/api/v1/reports/summary/",
            {"period": "today", "start": "2026-01-01", "end": "2026-01-02"},
        )
        assert both.status_code == 400
        assert "period" in both.json()
        neither = member_api.get("/api/v1/reports/summary/")
        assert neither.status_code == 400
        assert set(neither.json()) >= {"start", "end"}
        junk = member_api.get("/api/v1/reports/summary/", {"period": "custom"})
        assert junk.status_code == 400
        assert "period" in junk.json()
