"""Budget warnings at 80 % and 100 % of a project's budget in hours or money: the event
once per threshold, the dashboard box, the timer's message and the API's warning field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from analytics.testutils import CapturedEvents
from apps.projects import services as projects
from apps.projects.budget import budget_warning, projects_near_budget
from apps.projects.models import Project
from apps.timers import services as timers
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
DAY = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def work(user: Any, project: Project, hours: float, *, day: int = 0, billable: bool = True) -> Any:
    start = DAY + timedelta(days=day)
    return timers.entry_create(
        user=user,
        project=project,
        started_at=start,
        ended_at=start + timedelta(hours=hours),
        billable=billable,
    ).entry


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    def run(call: Any, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def reached(events: CapturedEvents) -> list[tuple[str, str, int]]:
    return [
        (str(e.properties["kind"]), str(e.properties["threshold"]), int(e.properties["percent"]))
        for e in events.named("project.budget_reached")
    ]


def test_each_threshold_is_announced_once_and_rearms_below_it(
    member: Any, analytics_events: CapturedEvents, committed: Any
) -> None:
    project = ProjectFactory(budget_hours=Decimal("10"))
    committed(work, member, project, 7)
    assert reached(analytics_events) == []
    committed(work, member, project, 1.5, day=1)  # 8.5 h: 85 %
    assert reached(analytics_events) == [("hours", "80", 85)]
    committed(work, member, project, 1, day=2)  # 95 %: still past 80 only
    assert reached(analytics_events) == [("hours", "80", 85)]
    last = committed(work, member, project, 2, day=3)  # 11.5 h: over budget
    assert reached(analytics_events)[-1] == ("hours", "100", 115)
    committed(timers.entry_delete, entry=last)  # back to 95 %: re-armed, nothing sent
    assert len(reached(analytics_events)) == 2
    committed(work, member, project, 1, day=4)  # 10.5 h: past 100 % again
    assert reached(analytics_events)[-1] == ("hours", "100", 105)
    event = analytics_events.named("project.budget_reached")[-1]
    assert set(event.properties) == {"project_id", "kind", "threshold", "percent", "channel"}


def test_a_money_budget_counts_billable_time_at_the_hourly_rate(
    member: Any, analytics_events: CapturedEvents, committed: Any
) -> None:
    project = ProjectFactory(hourly_rate=Decimal("100"), budget_amount=Decimal("1000"))
    committed(work, member, project, 5, billable=False)
    assert budget_warning(Project.objects.get(pk=project.pk)) is None
    committed(work, member, project, 8, day=1)
    warning = budget_warning(Project.objects.get(pk=project.pk))
    assert warning is not None
    assert (warning.kind, warning.percent, warning.used) == ("money", 80, Decimal("800.00"))
    assert reached(analytics_events) == [("money", "80", 80)]


def test_moving_time_between_projects_and_stopping_a_timer_update_both_budgets(
    member: Any, committed: Any
) -> None:
    small = ProjectFactory(budget_hours=Decimal("2"))
    other = ProjectFactory(budget_hours=Decimal("2"))
    entry = committed(work, member, small, 1.8)
    assert Project.objects.get(pk=small.pk).budget_seconds_used == 6480
    committed(timers.entry_update, entry=entry, data={"project": other})
    assert Project.objects.get(pk=small.pk).budget_seconds_used == 0
    assert Project.objects.get(pk=other.pk).budget_seconds_used == 6480
    committed(timers.timer_start, user=member, project=small)
    assert Project.objects.get(pk=small.pk).budget_seconds_used == 0  # running: not yet
    committed(timers.timer_stop, user=member)
    assert Project.objects.get(pk=small.pk).budget_seconds_used >= 0


def test_lowering_a_budget_below_the_time_used_is_a_crossing(
    member: Any, admin: Any, analytics_events: CapturedEvents, committed: Any
) -> None:
    project = ProjectFactory(budget_hours=Decimal("100"))
    committed(work, member, project, 9)
    committed(
        projects.project_update,
        project=project,
        data={"budget_hours": Decimal("10")},
        actor_id=admin.pk,
    )
    assert reached(analytics_events) == [("hours", "80", 90)]


def test_the_dashboard_lists_projects_near_or_over_budget(
    member: Any, member_web: Client, committed: Any
) -> None:
    near = ProjectFactory(name="Near", budget_hours=Decimal("10"))
    ProjectFactory(name="Fine", budget_hours=Decimal("10"))
    committed(work, member, near, 8.5)
    for n in range(7):
        over = ProjectFactory(name=f"Over {n}", budget_hours=Decimal("1"))
        committed(work, member, over, 2, day=n)
    assert projects_near_budget().count() == 8
    html = member_web.get("/").content.decode()
    assert 'id="budgets-heading"' in html
    assert "Near</a>: 85 % of its budget used (8.50 of 10.00 hours)." in html
    assert "Fine</a>" not in html
    assert html.count("over budget)") + html.count("85 %") <= 5  # bounded


def test_the_dashboard_has_no_budget_box_when_nothing_is_near(member_web: Client) -> None:
    ProjectFactory(budget_hours=Decimal("10"))
    assert 'id="budgets-heading"' not in member_web.get("/").content.decode()


def test_starting_a_timer_on_a_project_near_its_budget_warns(
    member: Any, member_web: Client, committed: Any
) -> None:
    project = ProjectFactory(name="Apollo", budget_hours=Decimal("10"))
    committed(work, member, project, 12)
    response = member_web.post("/timer/start/", {"project": project.pk}, follow=True)
    text = [str(m) for m in response.context["messages"]]
    assert "Apollo has used 120 % of its budget (12.00 of 10.00 hours). It is over budget." in text


def test_the_api_timer_answers_carry_the_warning_field(
    member: Any, member_api: APIClient, committed: Any
) -> None:
    quiet = ProjectFactory(budget_hours=Decimal("10"))
    started = member_api.post("/api/v1/timer/start/", {"project": quiet.pk}, format="json")
    assert started.status_code == 201
    assert started.json()["budget_warning"] is None
    near = ProjectFactory(budget_hours=Decimal("10"))
    committed(work, member, near, 8)
    started = member_api.post("/api/v1/timer/start/", {"project": near.pk}, format="json")
    assert started.json()["budget_warning"] == {
        "kind": "hours",
        "threshold": 80,
        "percent": 80,
        "used": "8.00",
        "budget": "10.00",
        "currency": None,
    }
    assert member_api.get("/api/v1/timer/").json()["budget_warning"]["percent"] == 80
    assert member_api.post("/api/v1/timer/stop/").json()["budget_warning"]["percent"] == 80


@pytest.mark.parametrize("junk", ["-1", "1e400", "12345678901234", "NaN", "ten"])
def test_a_bad_money_budget_is_a_field_error_at_every_door(
    admin_api: APIClient, admin_web: Client, project: Any, junk: str
) -> None:
    api = admin_api.patch(f"/api/v1/projects/{project.pk}/", {"budget_amount": junk}, format="json")
    assert api.status_code == 400
    assert "budget_amount" in api.json()
    web = admin_web.post(
        f"/projects/{project.pk}/edit/",
        {"name": project.name, "colour": "#3366cc", "budget_amount": junk},
    )
    assert web.status_code == 400
    assert "budget_amount" in web.context["form"].errors
    project.refresh_from_db()
    assert project.budget_amount is None
