from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from apps.accounts.services import profile_update
from tests.factories import ClientFactory, ProjectFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def _entry(user: Any, start: datetime, minutes: int, **kw: Any) -> Any:
    return TimeEntryFactory(
        user=user, started_at=start, ended_at=start + timedelta(minutes=minutes), **kw
    )


def _summary(api: Any, **params: Any) -> dict:
    r = api.get("/api/v1/reports/summary/", params)
    assert r.status_code == 200, r.json()
    return r.json()


def test_it_totals_seconds_and_billable_amounts_per_project(member_api: Any, member: Any) -> None:
    paid = ProjectFactory(name="Paid", hourly_rate=Decimal("90.00"))
    free = ProjectFactory(name="Free", hourly_rate=None)
    day = datetime(2026, 5, 4, 9, tzinfo=UTC)
    _entry(member, day, 90, project=paid)  # 1.5 h billable -> 135.00
    _entry(member, day + timedelta(hours=2), 30, project=paid, billable=False)
    _entry(member, day + timedelta(hours=3), 60, project=free)
    TimeEntryFactory(user=member, project=paid, started_at=day, ended_at=None)  # running: ignored

    data = _summary(member_api, start="2026-05-01", end="2026-05-31", group_by="project")

    assert data["rows"] == [
        {"key": free.pk, "label": "Free", "seconds": 3600, "billable_seconds": 3600,
         "billable_amount": "0.00", "currency": "EUR",
         "billable_amounts": [{"currency": "EUR", "billable_amount": "0.00"}]},
        {"key": paid.pk, "label": "Paid", "seconds": 7200, "billable_seconds": 5400,
         "billable_amount": "135.00", "currency": "EUR",
         "billable_amounts": [{"currency": "EUR", "billable_amount": "135.00"}]},
    ]  # fmt: skip
    assert data["totals"] == {
        "seconds": 10800,
        "billable_seconds": 9000,
        "billable_amount": "135.00",
        "currency": "EUR",
        "billable_amounts": [{"currency": "EUR", "billable_amount": "135.00"}],
    }
    assert (data["group_by"], data["timezone"]) == ("project", "UTC")


def test_it_groups_by_client_task_and_user(admin_api: Any, member: Any, other_member: Any) -> None:
    client = ClientFactory(name="Acme")
    project = ProjectFactory(client=client)
    task = TaskFactory(project=project, name="Build")
    day = datetime(2026, 5, 4, 9, tzinfo=UTC)
    _entry(member, day, 60, project=project, task=task)
    _entry(other_member, day, 30, project=ProjectFactory(client=None))

    by_client = _summary(admin_api, start="2026-05-04", end="2026-05-04", group_by="client")
    assert [(r["label"], r["seconds"]) for r in by_client["rows"]] == [
        ("Acme", 3600),
        ("(none)", 1800),
    ]
    by_task = _summary(admin_api, start="2026-05-04", end="2026-05-04", group_by="task")
    assert sorted((r["label"], r["seconds"]) for r in by_task["rows"]) == [
        ("(none)", 1800),
        ("Build", 3600),
    ]
    by_user = _summary(admin_api, start="2026-05-04", end="2026-05-04", group_by="user")
    assert [(r["label"], r["seconds"]) for r in by_user["rows"]] == [("mel", 3600), ("otto", 1800)]


def test_members_only_count_their_own_time(member_api: Any, member: Any, other_member: Any) -> None:
    day = datetime(2026, 5, 4, 9, tzinfo=UTC)
    _entry(member, day, 60)
    _entry(other_member, day, 45)
    data = _summary(member_api, start="2026-05-04", end="2026-05-04", group_by="user")
    assert [(r["label"], r["seconds"]) for r in data["rows"]] == [("mel", 3600)]


def test_days_follow_the_users_time_zone_across_the_spring_dst_switch(
    member_api: Any, member: Any
) -> None:
    # Europe/Berlin moves from UTC+1 to UTC+2 at 01:00 UTC on 2026-03-29.
    profile_update(user=member, data={"timezone": "Europe/Berlin"})
    _entry(member, datetime(2026, 3, 28, 22, 30, tzinfo=UTC), 10)  # 23:30 on the 28th
    _entry(member, datetime(2026, 3, 28, 23, 30, tzinfo=UTC), 20)  # 00:30 on the 29th (UTC+1)
    _entry(member, datetime(2026, 3, 29, 21, 30, tzinfo=UTC), 30)  # 23:30 on the 29th (UTC+2)
    _entry(member, datetime(2026, 3, 29, 22, 30, tzinfo=UTC), 40)  # 00:30 on the 30th (UTC+2)

    data = _summary(member_api, start="2026-03-28", end="2026-03-30", group_by="day")

    assert data["timezone"] == "Europe/Berlin"
    assert [(r["key"], r["seconds"]) for r in data["rows"]] == [
        ("2026-03-28", 600),
        ("2026-03-29", 3000),
        ("2026-03-30", 2400),
    ]


def test_days_follow_the_users_time_zone_across_the_autumn_dst_switch(
    member_api: Any, member: Any
) -> None:
    # America/New_York moves from UTC-4 to UTC-5 at 06:00 UTC on 2026-11-01.
    profile_update(user=member, data={"timezone": "America/New_York"})
    _entry(member, datetime(2026, 11, 1, 3, 30, tzinfo=UTC), 15)  # 23:30 Oct 31 (UTC-4)
    _entry(member, datetime(2026, 11, 1, 4, 30, tzinfo=UTC), 25)  # 00:30 Nov 1 (UTC-4)
    _entry(member, datetime(2026, 11, 2, 4, 30, tzinfo=UTC), 35)  # 23:30 Nov 1 (UTC-5)
    _entry(member, datetime(2026, 11, 2, 5, 30, tzinfo=UTC), 45)  # 00:30 Nov 2 (UTC-5)

    data = _summary(member_api, start="2026-10-31", end="2026-11-02", group_by="day")

    assert [(r["key"], r["seconds"]) for r in data["rows"]] == [
        ("2026-10-31", 900),
        ("2026-11-01", 3600),
        ("2026-11-02", 2700),
    ]


def test_the_period_is_bounded_by_local_midnights(member_api: Any, member: Any) -> None:
    profile_update(user=member, data={"timezone": "Europe/Berlin"})
    _entry(member, datetime(2026, 6, 30, 21, 59, tzinfo=UTC), 5)  # 23:59 June 30 local
    _entry(member, datetime(2026, 6, 30, 22, 0, tzinfo=UTC), 7)  # 00:00 July 1 local
    data = _summary(member_api, start="2026-07-01", end="2026-07-31", group_by="day")
    assert data["totals"]["seconds"] == 7 * 60


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"end": "2026-01-31"}, "start"),
        ({"start": "2026-01-01", "end": "2026-01-31", "group_by": "colour"}, "group_by"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"start": "01/01/2026", "end": "2026-01-31"}, "start"),
        ({"start": "2000-01-01", "end": "2026-01-31"}, "end"),
    ],
)
def test_bad_parameters_answer_400_naming_the_field(
    member_api: Any, params: dict, field: str
) -> None:
    r = member_api.get("/api/v1/reports/summary/", params)
    assert r.status_code == 400
    assert field in r.json()


def test_the_summary_is_one_aggregate_query_whatever_the_row_count(
    member_api: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    day = datetime(2026, 5, 4, 9, tzinfo=UTC)
    for i in range(20):
        _entry(member, day + timedelta(minutes=10 * i), 5, project=ProjectFactory())
    # The profile, the grouped rows and their names; the totals are summed from the rows.
    with django_assert_max_num_queries(3):
        _summary(member_api, start="2026-05-01", end="2026-05-31", group_by="project")


@pytest.mark.parametrize("group_by", ["project", "client", "task", "user", "day"])
def test_it_sums_money_as_decimal_to_the_exact_cent(
    member_api: Any, member: Any, group_by: str
) -> None:
    # 1.5 h at 1.15 an hour is exactly 1.725, which rounds half up to 1.73; a float sum
    # gives 1.7249999999999996 and would show 1.72. Two projects: 1.725 + 3.015 = 4.74.
    cheap = ProjectFactory(name="Cheap", hourly_rate=Decimal("1.15"))
    other = ProjectFactory(name="Other", hourly_rate=Decimal("2.01"), client=cheap.client)
    task = TaskFactory(project=cheap)
    day = datetime(2026, 5, 4, 9, tzinfo=UTC)
    _entry(member, day, 90, project=cheap, task=task)
    _entry(member, day + timedelta(hours=2), 90, project=other)

    data = _summary(member_api, start="2026-05-01", end="2026-05-31", group_by=group_by)

    amounts = sorted(row["billable_amount"] for row in data["rows"])
    if group_by in ("project", "task"):
        assert amounts == ["1.73", "3.02"]  # 3.015 rounds half up as well
    else:
        assert amounts == ["4.74"]
    assert data["totals"]["billable_amount"] == "4.74"


def test_it_prices_the_largest_rate_a_project_can_store(member_api: Any, member: Any) -> None:
    top = ProjectFactory(name="Top", hourly_rate=Decimal("99999999.99"))
    day = datetime(2026, 5, 4, 9, tzinfo=UTC)
    _entry(member, day, 24 * 60, project=top)

    data = _summary(member_api, start="2026-05-01", end="2026-05-31", group_by="day")

    assert data["totals"]["billable_amount"] == "2399999999.76"
