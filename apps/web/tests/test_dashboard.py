"""The dashboard: the running timer, start, stop, resume, today and this week."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.tasks.models import TaskStatus
from apps.timers.models import TimeEntry
from apps.timers.services import timer_start
from apps.web.templatetags.tt import hm
from apps.web.tests.conftest import World
from apps.web.tests.html_check import assert_valid_page
from tests.factories import ProjectFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_it_starts_a_timer_from_the_picker_and_shows_it_running(
    member_web: Client, member: Any, project: Any, task: Any
) -> None:
    response = member_web.post("/timer/start/", {"project": project.pk, "task": task.pk})
    assert response.status_code == 302
    running = TimeEntry.objects.get(user=member, ended_at__isnull=True)
    assert (running.project, running.task) == (project, task)
    html = member_web.get("/").content.decode()
    assert 'id="timer-clock"' in html
    assert f'datetime="{timezone.localtime(running.started_at).isoformat()}"' in html
    assert re.search(r'data-elapsed="\d+"', html)
    assert "Stop timer" in html


def test_it_renders_the_elapsed_time_from_the_server(
    member_web: Client, member: Any, project: Any
) -> None:
    TimeEntryFactory(
        user=member,
        project=project,
        started_at=timezone.now() - timedelta(hours=1, minutes=2, seconds=3),
        ended_at=None,
    )
    html = member_web.get("/").content.decode()
    elapsed = int(re.search(r'data-elapsed="(\d+)"', html).group(1))
    assert 3723 <= elapsed <= 3730
    # Without JavaScript the clock still shows the time as of loading the page.
    assert re.search(r">1:02:0\d</time>", html)


def test_it_takes_the_project_from_a_task_chosen_alone(
    member_web: Client, member: Any, task: Any
) -> None:
    member_web.post("/timer/start/", {"task": task.pk})
    running = TimeEntry.objects.get(user=member, ended_at__isnull=True)
    assert running.project == task.project


def test_it_asks_for_a_project_next_to_the_picker(member_web: Client, member: Any) -> None:
    response = member_web.post("/timer/start/", {"notes": "something"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<p class="error" id="start_project_error">Pick a project or a task.</p>' in html
    assert 'aria-describedby="start_project_error"' in html
    assert_valid_page(html)
    assert not TimeEntry.objects.filter(user=member).exists()


def test_it_shows_the_services_error_for_a_task_of_another_project(
    member_web: Client, project: Any
) -> None:
    other_task = TaskFactory(project=ProjectFactory(name="Elsewhere"))
    response = member_web.post("/timer/start/", {"project": project.pk, "task": other_task.pk})
    assert response.status_code == 400
    assert "This task belongs to another project." in response.content.decode()


def test_it_offers_only_active_projects_and_open_tasks(member_web: Client, project: Any) -> None:
    archived = ProjectFactory(name="Old project", archived=True)
    TaskFactory(project=project, name="Finished task", status=TaskStatus.DONE)
    html = member_web.get("/").content.decode()
    assert "Apollo" in html
    assert "Old project" not in html
    assert "Finished task" not in html
    response = member_web.post("/timer/start/", {"project": archived.pk})
    assert response.status_code == 400


def test_it_stops_the_running_timer(member_web: Client, member: Any, project: Any) -> None:
    timer_start(user=member, project=project)
    response = member_web.post("/timer/stop/", follow=True)
    assert "Timer stopped" in response.content.decode()
    assert not TimeEntry.objects.filter(user=member, ended_at__isnull=True).exists()
    assert "No timer is running." in response.content.decode()


def test_it_says_so_when_stopping_without_a_timer(member_web: Client) -> None:
    response = member_web.post("/timer/stop/", follow=True)
    assert "No timer is running." in response.content.decode()


def test_it_switches_to_a_new_timer_and_stops_the_old_one(
    member_web: Client, member: Any, project: Any
) -> None:
    first = timer_start(user=member, project=project)
    other = ProjectFactory(name="Gemini")
    member_web.post("/timer/start/", {"project": other.pk})
    first.refresh_from_db()
    assert first.ended_at is not None
    assert TimeEntry.objects.get(user=member, ended_at__isnull=True).project == other


def test_it_resumes_a_recent_entry_with_its_project_task_and_notes(
    member_web: Client, world: World, member: Any
) -> None:
    html = member_web.get("/").content.decode()
    assert f'action="/timer/resume/{world.mine.pk}/"' in html
    member_web.post(f"/timer/resume/{world.mine.pk}/")
    running = TimeEntry.objects.get(user=member, ended_at__isnull=True)
    assert (running.project, running.task, running.notes) == (
        world.apollo,
        world.design,
        "member's work",
    )


def test_it_explains_why_an_archived_project_cannot_be_resumed(
    member_web: Client, world: World, member: Any
) -> None:
    world.apollo.archived = True
    world.apollo.save()
    response = member_web.post(f"/timer/resume/{world.mine.pk}/", follow=True)
    assert "archived" in response.content.decode()
    assert not TimeEntry.objects.filter(user=member, ended_at__isnull=True).exists()


def test_it_lists_todays_entries_and_the_weeks_total(
    member_web: Client, world: World, other_web: Client
) -> None:
    html = member_web.get("/").content.decode()
    assert "member&#x27;s work" in html
    assert "other&#x27;s work" not in html
    assert f"{hm(world.length.total_seconds())} <span" in html  # this week's total


def test_it_shows_only_own_entries_on_an_admins_dashboard(admin_web: Client, world: World) -> None:
    html = admin_web.get("/").content.decode()
    assert "admin&#x27;s work" in html
    assert "member&#x27;s work" not in html


def test_it_lists_the_latest_entries_of_today_with_the_total_of_all_and_a_link(
    member_web: Client, member: Any, project: Any
) -> None:
    from apps.web.selectors import TODAY_SHOWN

    now = timezone.now().replace(microsecond=0)
    start = max(now - timedelta(hours=2), now.replace(hour=0, minute=0, second=0))
    step = (now - start) / 30
    entries = [
        TimeEntryFactory(
            user=member,
            project=project,
            started_at=start + step * n,
            ended_at=start + step * n + step / 2,
            notes=f"number {n}",
        )
        for n in range(25)
    ]
    html = member_web.get("/").content.decode()
    table = html[
        html.index('id="today-entries"') : html.index("</table>", html.index('id="today-entries"'))
    ]
    assert table.count("/edit/") == TODAY_SHOWN
    assert "number 24" in table
    assert "number 14" not in table
    assert html.index("number 15") < html.index("number 24")  # oldest first
    total = sum(e.duration_seconds for e in entries)
    tfoot = html[html.index("<tfoot>") : html.index("</tfoot>")]
    assert f'<td class="num" id="today-total">{hm(total)}</td>' in tfoot, tfoot
    day = timezone.localdate().isoformat()
    assert f'href="/entries/?start={day}&amp;end={day}">All of today' in html
    assert f"The latest {TODAY_SHOWN} of 25 entries." in html
    assert_valid_page(html)


def test_it_offers_the_tasks_of_recent_projects_and_loads_others_on_demand(
    member_web: Client, member: Any, project: Any
) -> None:
    used = TaskFactory(project=project, name="Used lately")
    elsewhere = TaskFactory(project=ProjectFactory(name="Untouched"), name="Not shown")
    TimeEntryFactory(user=member, project=project)
    html = member_web.get("/").content.decode()
    assert "Used lately" in html
    assert "Not shown" not in html
    assert 'data-task-picker=""' in html
    assert 'data-tasks-url="/api/v1/tasks/"' in html
    assert "js/tasks.js" in html
    # A task the script loaded for another project is still accepted.
    response = member_web.post(
        "/timer/start/", {"project": elsewhere.project_id, "task": elsewhere.pk}
    )
    assert response.status_code == 302
    assert TimeEntry.objects.get(user=member, ended_at__isnull=True).task == elsewhere
    assert used.pk
