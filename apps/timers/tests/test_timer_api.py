from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.timers.models import Source, TimeEntry
from tests.factories import ProjectFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_it_starts_a_timer_on_a_project_and_task(member_api: Any, member: Any, task: Any) -> None:
    r = member_api.post(
        "/api/v1/timer/start/", {"project": task.project_id, "task": task.pk, "notes": "x"}
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["is_running"] is True
    assert body["ended_at"] is None
    assert body["source"] == "timer"
    assert body["user"] == member.pk
    entry = TimeEntry.objects.get(pk=body["id"])
    assert entry.task == task
    assert entry.billable is True  # from the project


def test_it_returns_the_running_timer_or_null(member_api: Any, project: Any) -> None:
    assert member_api.get("/api/v1/timer/").json() is None
    started = member_api.post("/api/v1/timer/start/", {"project": project.pk}).json()
    assert member_api.get("/api/v1/timer/").json()["id"] == started["id"]


def test_it_stops_the_running_timer_when_starting_another(
    member_api: Any, member: Any, project: Any
) -> None:
    first = member_api.post("/api/v1/timer/start/", {"project": project.pk}).json()
    second = member_api.post("/api/v1/timer/start/", {"project": project.pk}).json()
    assert first["id"] != second["id"]
    running = TimeEntry.objects.filter(user=member, ended_at__isnull=True)
    assert list(running.values_list("pk", flat=True)) == [second["id"]]
    stopped = TimeEntry.objects.get(pk=first["id"])
    assert stopped.ended_at is not None
    assert stopped.ended_at >= stopped.started_at


def test_it_stops_the_timer(member_api: Any, project: Any) -> None:
    started = member_api.post("/api/v1/timer/start/", {"project": project.pk}).json()
    r = member_api.post("/api/v1/timer/stop/")
    assert r.status_code == 200
    assert r.json()["id"] == started["id"]
    assert r.json()["is_running"] is False
    assert member_api.get("/api/v1/timer/").json() is None


def test_it_answers_409_when_stopping_without_a_running_timer(member_api: Any) -> None:
    r = member_api.post("/api/v1/timer/stop/")
    assert r.status_code == 409
    assert r.json() == {"timer": ["No timer is running."]}


def test_timers_of_different_users_are_independent(
    member_api: Any, other_api: Any, project: Any
) -> None:
    member_api.post("/api/v1/timer/start/", {"project": project.pk})
    other_api.post("/api/v1/timer/start/", {"project": project.pk})
    assert TimeEntry.objects.filter(ended_at__isnull=True).count() == 2
    assert member_api.post("/api/v1/timer/stop/").status_code == 200
    assert other_api.get("/api/v1/timer/").json() is not None


def test_it_refuses_an_archived_project(member_api: Any) -> None:
    archived = ProjectFactory(archived=True)
    r = member_api.post("/api/v1/timer/start/", {"project": archived.pk})
    assert r.status_code == 400
    assert "archived" in r.json()["project"][0]


def test_it_refuses_a_task_of_another_project(member_api: Any, project: Any) -> None:
    foreign = TaskFactory()
    r = member_api.post("/api/v1/timer/start/", {"project": project.pk, "task": foreign.pk})
    assert r.status_code == 400
    assert r.json() == {"task": ["This task belongs to another project."]}


@pytest.mark.parametrize(
    "payload",
    [{}, {"project": "abc"}, {"project": 999999}, {"project": [1]}, {"project": None}],
)
def test_it_answers_400_on_malformed_start(member_api: Any, payload: dict[str, Any]) -> None:
    r = member_api.post("/api/v1/timer/start/", payload)
    assert r.status_code == 400
    assert "project" in r.json()


def test_it_answers_400_on_invalid_json(member_api: Any) -> None:
    r = member_api.post("/api/v1/timer/start/", "{not json", content_type="application/json")
    assert r.status_code == 400
    assert "detail" in r.json()


def test_the_database_refuses_a_second_running_timer(member: Any, project: Any) -> None:
    TimeEntryFactory(user=member, project=project, ended_at=None, source=Source.TIMER)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntryFactory(user=member, project=project, ended_at=None, source=Source.TIMER)


def test_the_database_refuses_an_end_before_the_start(member: Any, project: Any) -> None:
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntryFactory(
            user=member, project=project, started_at=now, ended_at=now - timedelta(minutes=1)
        )


def test_anonymous_callers_get_401(anon_api: Any) -> None:
    r = anon_api.get("/api/v1/timer/")
    assert r.status_code == 401
