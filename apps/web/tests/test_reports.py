"""The report page: totals, groupings, charts with table fallbacks, the report signal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.dispatch import Signal
from django.test import Client

from apps.accounts.services import profile_update
from apps.reports.signals import report_viewed
from apps.web.tests.html_check import assert_valid_page
from tests.factories import ClientFactory, ProjectFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

RANGE = "start=2026-03-09&end=2026-03-15"


@contextmanager
def captured(signal: Signal) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    signal.connect(receiver, weak=False)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


@pytest.fixture
def week(member: Any, other_member: Any, project: Any, task: Any) -> dict[str, Any]:
    """Monday 9 to Sunday 15 March 2026: member 2.5 h on Apollo, 1 h on Gemini."""
    gemini = ProjectFactory(name="Gemini <b>", client=ClientFactory(name="Acme"), colour="#aa0000")

    def add(user: Any, proj: Any, day: int, hours: float, **extra: Any) -> None:
        start = datetime(2026, 3, day, 9, tzinfo=UTC)
        TimeEntryFactory(
            user=user,
            project=proj,
            started_at=start,
            ended_at=start + timedelta(hours=hours),
            **extra,
        )

    add(member, project, 9, 1.5, task=task)
    add(member, project, 11, 1.0, billable=False)
    add(member, gemini, 11, 1.0)
    add(other_member, project, 10, 4.0)
    return {"gemini": gemini}


def test_it_shows_totals_and_billable_amounts_for_a_member(
    member_web: Client, week: dict[str, Any]
) -> None:
    response = member_web.get(f"/reports/?{RANGE}&group_by=project")
    summary = response.context["summary"]
    assert summary["totals"] == {
        "seconds": 12600,
        "billable_seconds": 9000,
        "billable_amount": "150.00",  # 1.5 billable hours of Apollo at 100
        "currency": "EUR",
        "billable_amounts": [{"currency": "EUR", "billable_amount": "150.00"}],
    }
    html = response.content.decode()
    assert '<dd id="total-hours">3.50</dd>' in html
    assert '<dd id="total-time">3:30</dd>' in html
    assert '<dd id="total-amount">€150.00</dd>' in html
    assert_valid_page(html)


def test_it_groups_by_each_choice(member_web: Client, week: dict[str, Any], project: Any) -> None:
    labels = {
        group_by: [
            row["label"]
            for row in member_web.get(f"/reports/?{RANGE}&group_by={group_by}").context["summary"][
                "rows"
            ]
        ]
        for group_by in ("project", "client", "task", "day")
    }
    assert labels["project"] == ["Apollo", "Gemini <b>"]
    assert labels["client"] == ["Acme", project.client.name]
    assert labels["task"] == ["Design", "(none)"]
    assert labels["day"] == ["2026-03-09", "2026-03-11"]


def test_it_offers_grouping_by_person_to_admins_only(
    member_web: Client, admin_web: Client, week: dict[str, Any]
) -> None:
    response = member_web.get(f"/reports/?{RANGE}&group_by=user")
    assert "group_by" in response.context["form"].errors
    assert "summary" not in response.context
    assert_valid_page(response.content.decode())
    response = admin_web.get(f"/reports/?{RANGE}&group_by=user")
    assert [row["label"] for row in response.context["summary"]["rows"]] == ["mel", "otto"]


def test_it_defaults_to_this_month_by_project(member_web: Client, member: Any) -> None:
    response = member_web.get("/reports/")
    summary = response.context["summary"]
    assert summary["group_by"] == "project"
    assert summary["start"].endswith("-01")
    assert_valid_page(response.content.decode())


def test_it_draws_accessible_charts_with_table_fallbacks(
    member_web: Client, week: dict[str, Any]
) -> None:
    html = member_web.get(f"/reports/?{RANGE}&group_by=client").content.decode()
    assert 'role="img" aria-labelledby="chart-time-title chart-time-desc"' in html
    assert (
        '<title id="chart-time-title">Hours per day, Mon 9 Mar 2026 to Sun 15 Mar 2026</title>'
        in html
    )
    assert '<title id="chart-projects-title">' in html
    # A bar per day, empty days included, with the hours in the fallback table.
    assert html.count('<rect class="bar') == 7 + 2
    # The fallback table: the short date form, durations as H:MM.
    assert '<th scope="row">Wed 11 Mar 2026</th><td class="num">2:00</td>' in html
    # Project names are escaped in the SVG and the table.
    assert "Gemini &lt;b&gt;" in html
    assert "Gemini <b>" not in html
    assert 'fill="#aa0000"' in html


def test_it_charts_long_periods_per_month(member_web: Client, week: dict[str, Any]) -> None:
    response = member_web.get("/reports/?start=2026-01-01&end=2026-06-30")
    assert response.context["time_unit"] == "month"
    assert [bar.label for bar in response.context["time_bars"]][:3] == [
        "Jan 2026",
        "Feb 2026",
        "Mar 2026",
    ]
    assert response.context["time_bars"][2].value == pytest.approx(3.5)


def test_it_counts_days_in_the_users_time_zone(
    member_web: Client, member: Any, project: Any
) -> None:
    profile_update(user=member, data={"timezone": "America/New_York"})
    start = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 9 March, 22:00 in New York
    TimeEntryFactory(
        user=member, project=project, started_at=start, ended_at=start + timedelta(hours=1)
    )
    rows = member_web.get(f"/reports/?{RANGE}&group_by=day").context["summary"]["rows"]
    assert [row["key"] for row in rows] == ["2026-03-09"]


def test_it_validates_the_period(member_web: Client) -> None:
    response = member_web.get("/reports/?start=2026-03-15&end=2026-03-01")
    assert response.context["form"].errors["end"] == ["The end is before the start."]
    response = member_web.get("/reports/?start=2000-01-01&end=2026-01-01")
    assert response.context["form"].errors["end"] == ["A report covers at most five years."]


def test_it_sends_report_viewed_for_each_report_shown(
    member_web: Client, member: Any, week: dict[str, Any]
) -> None:
    with captured(report_viewed) as calls:
        member_web.get(f"/reports/?{RANGE}&group_by=project")
        member_web.get("/reports/?start=bad")
    assert calls == [
        {
            "signal": report_viewed,
            "user_id": member.pk,
            "group_by": "project",
            "days": 7,
            "rows": 2,
            "channel": "web",
        }
    ]


def test_it_filters_the_report_like_the_entry_list(
    member_web: Client, week: dict[str, Any], task: Any
) -> None:
    response = member_web.get(f"/reports/?{RANGE}&task={task.pk}")
    assert response.context["summary"]["totals"]["seconds"] == 5400
    links = dict(response.context["exports"])
    assert links["CSV"] == f"/reports/export.csv?start=2026-03-09&end=2026-03-15&task={task.pk}"


def test_it_links_to_exports_that_keep_the_filters(
    member_web: Client, week: dict[str, Any], project: Any
) -> None:
    html = member_web.get(f"/reports/?{RANGE}&project={project.pk}").content.decode()
    for fmt in ("csv", "xlsx", "json", "ics"):
        query = f"start=2026-03-09&amp;end=2026-03-15&amp;project={project.pk}"
        assert f'href="/reports/export.{fmt}?{query}"' in html


def test_it_handles_a_period_without_entries(member_web: Client) -> None:
    response = member_web.get("/reports/?start=2020-01-01&end=2020-01-07")
    html = response.content.decode()
    assert "No finished entries in this period." in html
    assert_valid_page(html)


def test_it_counts_tasks_and_clients_even_when_missing(
    admin_web: Client, admin: Any, project: Any
) -> None:
    bare = ProjectFactory(name="Solo", client=None)
    TaskFactory(project=bare)
    start = datetime(2026, 3, 12, 9, tzinfo=UTC)
    TimeEntryFactory(
        user=admin, project=bare, started_at=start, ended_at=start + timedelta(hours=2)
    )
    rows = admin_web.get(f"/reports/?{RANGE}&group_by=client").context["summary"]["rows"]
    assert rows[-1]["label"] == "(none)"
    assert (
        "Thu 12 Mar 2026"  # a day's row in the one short date form
        in admin_web.get(f"/reports/?{RANGE}&group_by=day").content.decode()
    )
