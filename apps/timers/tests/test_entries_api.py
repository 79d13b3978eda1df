from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.timers.models import TimeEntry
from tests.factories import ProjectFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def _iso(dt: datetime) -> str:
    return dt.isoformat()


def _manual(project: Any, hours_ago: float = 3, length: float = 1, **extra: Any) -> dict:
    start = timezone.now() - timedelta(hours=hours_ago)
    return {
        "project": project.pk,
        "started_at": _iso(start),
        "ended_at": _iso(start + timedelta(hours=length)),
        **extra,
    }


class TestCreate:
    def test_it_creates_a_manual_entry(self, member_api: Any, member: Any, task: Any) -> None:
        r = member_api.post(
            "/api/v1/time-entries/",
            _manual(task.project, task=task.pk, notes="wrote the spec", billable=False),
        )
        assert r.status_code == 201, r.json()
        body = r.json()
        assert body["source"] == "manual"
        assert body["duration_seconds"] == 3600
        assert body["billable"] is False
        assert body["warnings"] == []
        assert TimeEntry.objects.get(pk=body["id"]).user == member

    def test_it_reports_overlaps_as_a_warning(self, member_api: Any, project: Any) -> None:
        first = member_api.post("/api/v1/time-entries/", _manual(project, 5, 2)).json()
        r = member_api.post("/api/v1/time-entries/", _manual(project, 4, 2))
        assert r.status_code == 201
        assert r.json()["warnings"] == [
            {
                "code": "overlap",
                "message": "This entry overlaps 1 of your other entries.",
                "entries": [first["id"]],
            }
        ]

    def test_other_users_entries_do_not_count_as_overlaps(
        self, member_api: Any, other_api: Any, project: Any
    ) -> None:
        other_api.post("/api/v1/time-entries/", _manual(project, 5, 2))
        r = member_api.post("/api/v1/time-entries/", _manual(project, 4, 2))
        assert r.json()["warnings"] == []

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"length": -1}, "ended_at", "The end must be after the start."),
            ({"length": 0}, "ended_at", "The end must be after the start."),
            (
                {"hours_ago": 30, "length": 25},
                "ended_at",
                "An entry cannot be longer than 24 hours; split it into days.",
            ),
            ({"hours_ago": -2}, "started_at", "The start cannot be in the future."),
        ],
    )
    def test_it_rejects_bad_times_with_a_field_message(
        self, member_api: Any, project: Any, change: dict, field: str, message: str
    ) -> None:
        r = member_api.post("/api/v1/time-entries/", _manual(project, **change))
        assert r.status_code == 400
        assert r.json()[field] == [message]
        assert TimeEntry.objects.count() == 0

    def test_it_rejects_a_task_from_another_project(self, member_api: Any, project: Any) -> None:
        r = member_api.post("/api/v1/time-entries/", _manual(project, task=TaskFactory().pk))
        assert r.status_code == 400
        assert r.json() == {"task": ["This task belongs to another project."]}

    def test_it_rejects_an_archived_project(self, member_api: Any) -> None:
        r = member_api.post("/api/v1/time-entries/", _manual(ProjectFactory(archived=True)))
        assert r.status_code == 400
        assert "archived" in r.json()["project"][0]

    def test_it_requires_an_end(self, member_api: Any, project: Any) -> None:
        payload = _manual(project)
        del payload["ended_at"]
        r = member_api.post("/api/v1/time-entries/", payload)
        assert r.status_code == 400
        assert "ended_at" in r.json()

    @pytest.mark.parametrize(
        "payload",
        [
            {"project": 1, "started_at": "yesterday", "ended_at": "today"},
            {"project": "x", "started_at": "2026-01-01T10:00:00Z", "ended_at": 5},
            {"started_at": None},
            {"project": 1, "started_at": "2026-13-45T99:00:00Z", "ended_at": "2026-01-01"},
            {"notes": "x" * 6000},
        ],
    )
    def test_it_answers_400_with_field_errors_on_malformed_input(
        self, member_api: Any, project: Any, payload: dict
    ) -> None:
        r = member_api.post("/api/v1/time-entries/", payload, format="json")
        assert r.status_code == 400
        assert isinstance(r.json(), dict)
        assert r.json()


class TestVisibility:
    def test_members_see_only_their_own_entries(
        self, member_api: Any, member: Any, other_member: Any
    ) -> None:
        mine = TimeEntryFactory(user=member)
        TimeEntryFactory(user=other_member)
        r = member_api.get("/api/v1/time-entries/")
        assert r.status_code == 200
        assert [e["id"] for e in r.json()["results"]] == [mine.pk]

    def test_admins_see_everyones_entries(
        self, admin_api: Any, member: Any, other_member: Any
    ) -> None:
        ids = {TimeEntryFactory(user=member).pk, TimeEntryFactory(user=other_member).pk}
        r = admin_api.get("/api/v1/time-entries/")
        assert {e["id"] for e in r.json()["results"]} == ids

    @pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
    def test_a_member_gets_404_for_someone_elses_entry(
        self, member_api: Any, other_member: Any, method: str
    ) -> None:
        entry = TimeEntryFactory(user=other_member)
        r = getattr(member_api, method)(f"/api/v1/time-entries/{entry.pk}/", {"notes": "mine"})
        assert r.status_code == 404
        entry.refresh_from_db()
        assert entry.notes == ""

    def test_an_admin_can_edit_someone_elses_entry(
        self, admin_api: Any, admin: Any, member: Any
    ) -> None:
        entry = TimeEntryFactory(user=member)
        r = admin_api.patch(f"/api/v1/time-entries/{entry.pk}/", {"notes": "fixed"})
        assert r.status_code == 200
        entry.refresh_from_db()
        assert entry.notes == "fixed"
        assert entry.user == member

    def test_a_member_can_delete_their_own_entry(self, member_api: Any, member: Any) -> None:
        entry = TimeEntryFactory(user=member)
        assert member_api.delete(f"/api/v1/time-entries/{entry.pk}/").status_code == 204
        assert not TimeEntry.objects.filter(pk=entry.pk).exists()


class TestUpdate:
    def test_it_validates_updates_like_creates(self, member_api: Any, member: Any) -> None:
        entry = TimeEntryFactory(user=member)
        r = member_api.patch(
            f"/api/v1/time-entries/{entry.pk}/",
            {"ended_at": _iso(entry.started_at - timedelta(minutes=5))},
        )
        assert r.status_code == 400
        assert r.json() == {"ended_at": ["The end must be after the start."]}

    def test_it_allows_editing_notes_of_an_entry_on_an_archived_project(
        self, member_api: Any, member: Any
    ) -> None:
        entry = TimeEntryFactory(user=member, project=ProjectFactory(archived=True))
        r = member_api.patch(f"/api/v1/time-entries/{entry.pk}/", {"notes": "late note"})
        assert r.status_code == 200

    def test_it_refuses_moving_an_entry_to_an_archived_project(
        self, member_api: Any, member: Any
    ) -> None:
        entry = TimeEntryFactory(user=member)
        archived = ProjectFactory(archived=True)
        r = member_api.patch(f"/api/v1/time-entries/{entry.pk}/", {"project": archived.pk})
        assert r.status_code == 400

    def test_setting_an_end_on_the_running_entry_stops_it(
        self, member_api: Any, member: Any, project: Any
    ) -> None:
        started = member_api.post("/api/v1/timer/start/", {"project": project.pk}).json()
        end = timezone.now() + timedelta(seconds=1)
        r = member_api.patch(f"/api/v1/time-entries/{started['id']}/", {"ended_at": _iso(end)})
        assert r.status_code == 200, r.json()
        assert member_api.get("/api/v1/timer/").json() is None


class TestFilters:
    def test_it_filters_by_project_task_and_dates(self, member_api: Any, member: Any) -> None:
        task = TaskFactory()
        day = datetime(2026, 3, 10, 9, tzinfo=UTC)
        hour = timedelta(hours=1)
        hit = TimeEntryFactory(
            user=member, project=task.project, task=task, started_at=day, ended_at=day + hour
        )
        TimeEntryFactory(user=member, project=task.project, started_at=day, ended_at=day + hour)
        TimeEntryFactory(user=member, started_at=day, ended_at=day + hour)
        early = day - timedelta(days=5)
        TimeEntryFactory(
            user=member, project=task.project, task=task, started_at=early, ended_at=early + hour
        )
        r = member_api.get(
            "/api/v1/time-entries/",
            {
                "project": task.project_id,
                "task": task.pk,
                "start": "2026-03-09",
                "end": "2026-03-10",
            },
        )
        assert [e["id"] for e in r.json()["results"]] == [hit.pk]

    def test_it_filters_by_user_for_admins(
        self, admin_api: Any, member: Any, other_member: Any
    ) -> None:
        mine = TimeEntryFactory(user=member)
        TimeEntryFactory(user=other_member)
        r = admin_api.get("/api/v1/time-entries/", {"user": member.pk})
        assert [e["id"] for e in r.json()["results"]] == [mine.pk]

    def test_a_member_cannot_widen_visibility_with_the_user_filter(
        self, member_api: Any, other_member: Any
    ) -> None:
        TimeEntryFactory(user=other_member)
        r = member_api.get("/api/v1/time-entries/", {"user": other_member.pk})
        assert r.json()["results"] == []

    def test_it_filters_by_modified_after(self, member_api: Any, member: Any) -> None:
        old = TimeEntryFactory(user=member)
        TimeEntry.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
        new = TimeEntryFactory(user=member)
        since = (timezone.now() - timedelta(days=1)).isoformat()
        r = member_api.get("/api/v1/time-entries/", {"modified_after": since})
        assert [e["id"] for e in r.json()["results"]] == [new.pk]

    @pytest.mark.parametrize(
        "params",
        [
            {"start": "March"},
            {"project": "abc"},
            {"start": "2026-03-10", "end": "2026-03-01"},
            {"modified_after": "soon"},
        ],
    )
    def test_bad_filters_answer_400(self, member_api: Any, params: dict) -> None:
        r = member_api.get("/api/v1/time-entries/", params)
        assert r.status_code == 400
        assert set(r.json()) <= {"start", "end", "project", "modified_after"}

    def test_it_paginates(self, member_api: Any, member: Any) -> None:
        TimeEntryFactory.create_batch(3, user=member)
        r = member_api.get("/api/v1/time-entries/", {"page_size": 2})
        assert r.json()["count"] == 3
        assert len(r.json()["results"]) == 2
        assert r.json()["next"]
