"""Clients, projects and tasks are shared; members create and edit, only admins archive/delete."""

from __future__ import annotations

from typing import Any

import pytest

from apps.clients.models import Client
from apps.projects.models import Project
from apps.tasks.models import Task
from tests.factories import ClientFactory, ProjectFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


class TestClients:
    def test_members_create_list_and_rename_clients(self, member_api: Any) -> None:
        r = member_api.post("/api/v1/clients/", {"name": "  Acme  "})
        assert r.status_code == 201
        assert r.json()["name"] == "Acme"
        cid = r.json()["id"]
        assert member_api.patch(f"/api/v1/clients/{cid}/", {"name": "Acme Ltd"}).status_code == 200
        names = [c["name"] for c in member_api.get("/api/v1/clients/").json()["results"]]
        assert names == ["Acme Ltd"]

    def test_names_are_unique_regardless_of_case(self, member_api: Any) -> None:
        ClientFactory(name="Acme")
        r = member_api.post("/api/v1/clients/", {"name": "ACME"})
        assert r.status_code == 400

    def test_members_cannot_archive_or_delete(self, member_api: Any) -> None:
        client = ClientFactory()
        assert member_api.post(f"/api/v1/clients/{client.pk}/archive/").status_code == 403
        assert member_api.delete(f"/api/v1/clients/{client.pk}/").status_code == 403
        client.refresh_from_db()
        assert client.archived is False

    def test_admins_archive_restore_and_delete(self, admin_api: Any) -> None:
        client = ClientFactory()
        project = ProjectFactory(client=client)
        r = admin_api.post(f"/api/v1/clients/{client.pk}/archive/")
        assert r.status_code == 200
        assert r.json()["archived"] is True
        listed = admin_api.get("/api/v1/clients/", {"archived": "false"}).json()["results"]
        assert listed == []
        assert admin_api.post(f"/api/v1/clients/{client.pk}/restore/").json()["archived"] is False
        assert admin_api.delete(f"/api/v1/clients/{client.pk}/").status_code == 204
        assert not Client.objects.exists()
        project.refresh_from_db()
        assert project.client is None  # projects survive their client

    def test_a_bad_archived_filter_answers_400(self, member_api: Any) -> None:
        r = member_api.get("/api/v1/clients/", {"archived": "maybe"})
        assert r.status_code == 400
        assert r.json() == {"archived": ["Expected true or false."]}


class TestProjects:
    def test_members_create_projects_with_all_fields(self, member_api: Any) -> None:
        client = ClientFactory()
        r = member_api.post(
            "/api/v1/projects/",
            {
                "name": "Website",
                "client": client.pk,
                "colour": "#aa3300",
                "billable": True,
                "hourly_rate": "85.50",
                "budget_hours": "120",
            },
        )
        assert r.status_code == 201, r.json()
        project = Project.objects.get()
        assert (project.client, project.colour, str(project.hourly_rate)) == (
            client,
            "#aa3300",
            "85.50",
        )

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": "X", "colour": "red"}, "colour"),
            ({"name": "X", "hourly_rate": "-1"}, "hourly_rate"),
            ({"name": "X", "client": 424242}, "client"),
            ({"name": ""}, "name"),
        ],
    )
    def test_it_rejects_bad_project_fields(
        self, member_api: Any, payload: dict, field: str
    ) -> None:
        r = member_api.post("/api/v1/projects/", payload)
        assert r.status_code == 400
        assert field in r.json()

    def test_members_cannot_archive_projects(self, member_api: Any, project: Any) -> None:
        assert member_api.post(f"/api/v1/projects/{project.pk}/archive/").status_code == 403

    def test_admins_archive_projects(self, admin_api: Any, project: Any) -> None:
        assert admin_api.post(f"/api/v1/projects/{project.pk}/archive/").json()["archived"]

    def test_a_project_with_entries_cannot_be_deleted(self, admin_api: Any, project: Any) -> None:
        TimeEntryFactory(project=project)
        r = admin_api.delete(f"/api/v1/projects/{project.pk}/")
        assert r.status_code == 409
        assert "archive it instead" in r.json()["non_field_errors"][0]
        assert Project.objects.filter(pk=project.pk).exists()

    def test_an_empty_project_is_deleted_with_its_tasks(self, admin_api: Any, task: Any) -> None:
        assert admin_api.delete(f"/api/v1/projects/{task.project_id}/").status_code == 204
        assert not Task.objects.exists()


class TestTasks:
    def test_members_create_and_move_tasks_through_statuses(
        self, member_api: Any, project: Any
    ) -> None:
        r = member_api.post("/api/v1/tasks/", {"project": project.pk, "name": "Build"})
        assert r.status_code == 201
        assert r.json()["status"] == "todo"
        tid = r.json()["id"]
        r = member_api.patch(f"/api/v1/tasks/{tid}/", {"status": "in_progress"})
        assert r.json()["status"] == "in_progress"
        listed = member_api.get("/api/v1/tasks/", {"status": "in_progress"}).json()["results"]
        assert [t["id"] for t in listed] == [tid]

    def test_tasks_cannot_be_added_to_archived_projects(self, member_api: Any) -> None:
        archived = ProjectFactory(archived=True)
        r = member_api.post("/api/v1/tasks/", {"project": archived.pk, "name": "Late"})
        assert r.status_code == 400
        assert "project" in r.json()

    def test_tasks_do_not_move_between_projects(self, member_api: Any, task: Any) -> None:
        r = member_api.patch(f"/api/v1/tasks/{task.pk}/", {"project": ProjectFactory().pk})
        assert r.status_code == 400

    def test_only_admins_delete_tasks(self, member_api: Any, admin_api: Any, task: Any) -> None:
        assert member_api.delete(f"/api/v1/tasks/{task.pk}/").status_code == 403
        assert admin_api.delete(f"/api/v1/tasks/{task.pk}/").status_code == 204

    def test_entries_keep_their_project_when_their_task_is_deleted(
        self, admin_api: Any, task: Any
    ) -> None:
        entry = TimeEntryFactory(project=task.project, task=task)
        admin_api.delete(f"/api/v1/tasks/{task.pk}/")
        entry.refresh_from_db()
        assert (entry.task, entry.project) == (None, task.project)

    def test_filters_are_validated(self, member_api: Any) -> None:
        assert member_api.get("/api/v1/tasks/", {"status": "later"}).status_code == 400
        assert member_api.get("/api/v1/tasks/", {"project": "x"}).status_code == 400

    def test_tasks_filter_by_project(self, member_api: Any, task: Any) -> None:
        TaskFactory()
        r = member_api.get("/api/v1/tasks/", {"project": task.project_id})
        assert [t["id"] for t in r.json()["results"]] == [task.pk]
