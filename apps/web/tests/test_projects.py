"""Clients, projects and tasks: lists, forms, the project page, admin-only actions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from apps.clients.models import Client as ClientModel
from apps.projects.models import Project
from apps.tasks.models import Task, TaskStatus
from apps.web.tests.conftest import World
from apps.web.tests.html_check import assert_valid_page
from tests.factories import ClientFactory, ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_it_lets_a_member_create_and_rename_a_client(member_web: Client) -> None:
    assert member_web.post("/clients/new/", {"name": " Initech "}).status_code == 302
    client = ClientModel.objects.get()
    assert client.name == "Initech"
    member_web.post(f"/clients/{client.pk}/edit/", {"name": "Initech Ltd"})
    client.refresh_from_db()
    assert client.name == "Initech Ltd"
    assert "Initech Ltd" in member_web.get("/clients/").content.decode()


def test_it_explains_a_duplicate_name_next_to_the_field(member_web: Client, world: World) -> None:
    response = member_web.post("/clients/new/", {"name": "ACME"})
    html = response.content.decode()
    assert response.status_code == 400  # a refused form, as for projects
    assert "There is already a client named &#x27;ACME&#x27;." in html
    assert 'id="id_name_error"' in html
    assert_valid_page(html)
    response = member_web.post("/projects/new/", {"name": "apollo", "colour": "#112233"})
    assert "There is already a project named" in response.content.decode()


def test_it_archives_and_restores_a_client_for_admins(admin_web: Client, world: World) -> None:
    response = admin_web.post(f"/clients/{world.acme.pk}/archive/", {"archived": "1"}, follow=True)
    assert "Client Acme archived." in response.content.decode()
    world.acme.refresh_from_db()
    assert world.acme.archived
    assert world.acme not in list(admin_web.get("/clients/").context["page"])
    assert list(admin_web.get("/clients/?archived=1").context["page"]) == [world.acme]
    admin_web.post(f"/clients/{world.acme.pk}/archive/", {"archived": "0"})
    world.acme.refresh_from_db()
    assert not world.acme.archived


def test_it_deletes_a_client_and_keeps_its_projects(admin_web: Client, world: World) -> None:
    html = admin_web.get(f"/clients/{world.acme.pk}/delete/").content.decode()
    assert "Its 2 projects will be kept without a client." in html
    admin_web.post(f"/clients/{world.acme.pk}/delete/")
    assert not ClientModel.objects.filter(pk=world.acme.pk).exists()
    world.apollo.refresh_from_db()
    assert world.apollo.client is None


def test_it_creates_a_project_with_its_rate_budget_and_colour(
    member_web: Client, world: World
) -> None:
    response = member_web.post(
        "/projects/new/",
        {
            "name": "Mercury",
            "client": world.acme.pk,
            "colour": "#aa3300",
            "billable": "on",
            "hourly_rate": "85.50",
            "budget_hours": "120",
        },
    )
    project = Project.objects.get(name="Mercury")
    assert response["Location"] == f"/projects/{project.pk}/"
    assert (project.client, project.colour, project.billable) == (world.acme, "#aa3300", True)
    assert (project.hourly_rate, project.budget_hours) == (Decimal("85.50"), Decimal("120"))


def test_it_shows_project_errors_next_to_the_fields(member_web: Client) -> None:
    response = member_web.post("/projects/new/", {"name": "", "colour": "red", "hourly_rate": "-1"})
    errors = response.context["form"].errors
    assert set(errors) == {"name", "colour", "hourly_rate"}
    assert_valid_page(response.content.decode())


def test_it_edits_a_project_and_keeps_an_archived_client(member_web: Client, world: World) -> None:
    world.acme.archived = True
    world.acme.save()
    html = member_web.get(f"/projects/{world.apollo.pk}/edit/").content.decode()
    assert f'<option value="{world.acme.pk}" selected>Acme</option>' in html
    member_web.post(
        f"/projects/{world.apollo.pk}/edit/",
        {"name": "Apollo 2", "client": world.acme.pk, "colour": "#3366cc", "billable": "on"},
    )
    world.apollo.refresh_from_db()
    assert world.apollo.name == "Apollo 2"
    assert world.apollo.client == world.acme


def test_it_shows_a_projects_tasks_hours_budget_and_recent_entries(
    member_web: Client, world: World
) -> None:
    response = member_web.get(f"/projects/{world.apollo.pk}/")
    html = response.content.decode()
    spent = world.length.total_seconds() * 3 / 3600  # three people, one entry each
    assert response.context["spent_hours"] == pytest.approx(spent)
    assert f"{spent:.2f} of 10.00 hours used" in html
    assert '<meter id="budget-meter"' in html
    assert "Design" in html
    assert "member&#x27;s work" in html
    assert "other&#x27;s work" not in html  # a member sees only their own entries


def test_it_flags_a_project_over_budget(member_web: Client, member: Any, world: World) -> None:
    world.apollo.budget_hours = Decimal("0.01")
    world.apollo.save()
    # An hour of work whatever the time of day (today's entries are empty at midnight).
    TimeEntryFactory(user=member, project=world.apollo)
    assert "Over budget." in member_web.get(f"/projects/{world.apollo.pk}/").content.decode()


def test_it_lists_projects_with_hours_and_filters_by_client(
    member_web: Client, world: World
) -> None:
    other = ProjectFactory(name="Vostok", client=ClientFactory(name="Roscosmos"))
    page = member_web.get("/projects/").context["page"]
    assert {p.name for p in page} == {"Apollo", "Gemini", "Vostok"}
    by_name = {p.name: p for p in page}
    assert by_name["Apollo"].seconds == pytest.approx(world.length.total_seconds() * 3)
    assert by_name["Gemini"].seconds is None
    page = member_web.get(f"/projects/?client={world.acme.pk}").context["page"]
    assert other not in list(page)
    assert member_web.get("/projects/?client=424242").status_code == 404


def test_it_archives_a_project_and_hides_it_from_pickers(admin_web: Client, world: World) -> None:
    response = admin_web.post(
        f"/projects/{world.gemini.pk}/archive/", {"archived": "1"}, follow=True
    )
    assert "Restore project" in response.content.decode()
    world.gemini.refresh_from_db()
    assert world.gemini.archived
    assert "Gemini" not in admin_web.get("/").content.decode()
    assert world.gemini not in list(admin_web.get("/projects/").context["page"])


def test_it_refuses_to_delete_a_project_with_entries(admin_web: Client, world: World) -> None:
    html = admin_web.get(f"/projects/{world.apollo.pk}/delete/").content.decode()
    assert "cannot be deleted" in html
    response = admin_web.post(f"/projects/{world.apollo.pk}/delete/", follow=True)
    assert "archive it instead" in response.content.decode()
    assert Project.objects.filter(pk=world.apollo.pk).exists()


def test_it_deletes_an_empty_project(admin_web: Client, world: World) -> None:
    response = admin_web.post(f"/projects/{world.gemini.pk}/delete/")
    assert response["Location"] == "/projects/"
    assert not Project.objects.filter(pk=world.gemini.pk).exists()


def test_it_creates_and_edits_tasks_of_a_project(member_web: Client, world: World) -> None:
    response = member_web.post(
        f"/projects/{world.apollo.pk}/tasks/new/",
        {"name": "Review", "status": TaskStatus.IN_PROGRESS, "estimate_hours": "4"},
    )
    assert response["Location"] == f"/projects/{world.apollo.pk}/"
    task = Task.objects.get(name="Review")
    assert (task.project, task.status, task.estimate_hours) == (
        world.apollo,
        TaskStatus.IN_PROGRESS,
        Decimal("4"),
    )
    member_web.post(f"/tasks/{task.pk}/edit/", {"name": "Review", "status": TaskStatus.DONE})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.estimate_hours is None


def test_it_explains_that_an_archived_project_takes_no_new_tasks(
    member_web: Client, world: World
) -> None:
    world.gemini.archived = True
    world.gemini.save()
    response = member_web.post(
        f"/projects/{world.gemini.pk}/tasks/new/", {"name": "Late", "status": TaskStatus.TODO}
    )
    assert "This project is archived; restore it first." in response.content.decode()
    assert_valid_page(response.content.decode())


def test_it_deletes_a_task_and_keeps_its_entries(admin_web: Client, world: World) -> None:
    admin_web.post(f"/tasks/{world.design.pk}/delete/")
    assert not Task.objects.filter(pk=world.design.pk).exists()
    world.mine.refresh_from_db()
    assert world.mine.task is None


def test_it_shows_task_hours_on_the_project_page(member_web: Client, world: World) -> None:
    TimeEntryFactory(user=world.mine.user, project=world.apollo, task=None)
    tasks = member_web.get(f"/projects/{world.apollo.pk}/").context["tasks"]
    assert tasks[0].seconds == pytest.approx(world.length.total_seconds() * 3)


def test_it_archives_only_with_post_by_admins(member_web: Client, world: World) -> None:
    assert member_web.post(f"/projects/{world.apollo.pk}/archive/").status_code == 404
    world.apollo.refresh_from_db()
    assert not world.apollo.archived
    assert member_web.get(f"/projects/{world.apollo.pk}/").status_code == 200


def test_it_gives_404_for_unknown_objects(admin_web: Client) -> None:
    for url in [
        "/projects/9999/",
        "/projects/9999/edit/",
        "/clients/9999/edit/",
        "/tasks/9999/edit/",
        "/projects/9999/tasks/new/",
    ]:
        assert admin_web.get(url).status_code == 404, url


def test_it_renders_project_colours_only_from_valid_values(
    member_web: Client, world: World, member: Any
) -> None:
    html = member_web.get("/projects/").content.decode()
    assert 'fill="#3366cc"' in html
    # A colour stored around the validator (by hand, an older version) is not rendered.
    # (Seven characters at most: the column's length.)
    Project.objects.filter(pk=world.apollo.pk).update(colour='"/><x>')
    html = member_web.get("/projects/").content.decode()
    assert '"/><x>' not in html
    assert "&quot;/&gt;&lt;x&gt;" not in html
    assert 'fill="#888888"' in html
