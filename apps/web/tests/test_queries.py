"""No query inside a loop: every list page costs the same number of queries at any size.

Each page is measured with a little data and with a lot; the ceiling is the same for
both, so a query per row (an N+1) fails the larger case.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.projects.models import Project
from apps.tasks.models import Task
from apps.timers.models import Source, TimeEntry
from apps.web.fields import TASKS_SHOWN_MAX
from tests.factories import ClientFactory, ProjectFactory, TagFactory, TaskFactory

pytestmark = pytest.mark.django_db

SIZES = [2, 30]


def populate(users: list[Any], size: int) -> Any:
    """``size`` clients, projects and tasks, and ``size`` entries per user today, each
    with ``size`` tags (so a query per entry's tags fails the larger case too)."""
    now = timezone.now().replace(microsecond=0)
    start = max(now - timedelta(hours=2), now.replace(hour=0, minute=0, second=0))
    step = (now - start) / (size + 1)
    projects = ProjectFactory.create_batch(size, client=factory.SubFactory(ClientFactory))
    tasks = {project.pk: TaskFactory(project=project) for project in projects}
    TimeEntry.objects.bulk_create(
        TimeEntry(
            user=user,
            project=projects[n % size],
            task=tasks[projects[n % size].pk],
            started_at=start + step * n,
            ended_at=start + step * n + step / 2,
            notes=f"note {n}",
            source=Source.MANUAL,
        )
        for user in users
        for n in range(size)
    )
    tags = TagFactory.create_batch(size)
    through = TimeEntry.tags.through
    through.objects.bulk_create(
        through(timeentry=entry, tag=tag) for entry in TimeEntry.objects.all() for tag in tags
    )
    return projects[0]


# Page -> ceiling. The counts include the session, the user and the profile lookups, and
# the feature switches (maintenance banner) and flags (export links, charts): one query
# each for all of them, on the cold cache every test starts with.
# The header's running timer: one query on every page but the dashboard (which shows its
# own timer box).
HEADER_TIMER = 1
PAGES = {
    # + the tag names of the timer form's datalist, + the projects near a budget.
    "/": 13,
    # + the tag filter's choices and the listed entries' tags (one prefetch).
    "/entries/": 11 + HEADER_TIMER,
    "/projects/": 6 + HEADER_TIMER,
    "/clients/": 6 + HEADER_TIMER,
    "/reports/": 12 + HEADER_TIMER,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("url", PAGES)
def test_it_reads_a_page_with_a_fixed_number_of_queries_for_a_member(
    member_web: Client,
    member: Any,
    other_member: Any,
    url: str,
    size: int,
    django_assert_max_num_queries: Any,
) -> None:
    populate([member, other_member], size)
    with django_assert_max_num_queries(PAGES[url]):
        response = member_web.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("url", PAGES)
def test_it_reads_a_page_with_a_fixed_number_of_queries_for_an_admin(
    admin_web: Client,
    admin: Any,
    member: Any,
    url: str,
    size: int,
    django_assert_max_num_queries: Any,
) -> None:
    populate([admin, member], size)
    with django_assert_max_num_queries(PAGES[url] + 1):  # + the person picker
        response = admin_web.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_it_reads_the_project_page_with_a_fixed_number_of_queries(
    admin_web: Client, admin: Any, size: int, django_assert_max_num_queries: Any
) -> None:
    project = populate([admin], size)
    TaskFactory.create_batch(size, project=project)
    with django_assert_max_num_queries(7 + HEADER_TIMER):
        response = admin_web.get(f"/projects/{project.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("fmt", ["csv", "json", "ics", "xlsx"])
def test_it_exports_with_a_fixed_number_of_queries(
    member_web: Client, member: Any, size: int, fmt: str, django_assert_max_num_queries: Any
) -> None:
    populate([member], size)
    # + the feature flags of XLSX and ICS (all flags in one query, then cached); + the
    # tags of each chunk of entries (apps.reports.exports.CHUNK_SIZE), one here.
    with django_assert_max_num_queries(6 if fmt in ("csv", "json") else 7):
        response = member_web.get(f"/reports/export.{fmt}")
        body = b"".join(response.streaming_content)
    assert body


# --- The same count at any size (issue 15, goal 5) ---------------------------------------------
def grow(user: Any, *, entries_today: int, open_tasks: int, past_entries: int = 0) -> Any:
    """Entries of ``user`` today, open tasks over ten projects, and entries of past days."""
    now = timezone.now().replace(microsecond=0)
    start = max(now - timedelta(hours=3), now.replace(hour=0, minute=0, second=0))
    step = (now - start) / (entries_today + 1)
    projects = list(Project.objects.order_by("pk")[:10])
    projects += ProjectFactory.create_batch(10 - len(projects))
    Task.objects.bulk_create(
        Task(project=projects[n % 10], name=f"grown {n}") for n in range(open_tasks)
    )
    TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                user=user,
                project=projects[n % 10],
                started_at=start + step * n,
                ended_at=start + step * n + step / 2,
                source=Source.MANUAL,
            )
            for n in range(entries_today)
        ]
        + [
            TimeEntry(
                user=user,
                project=projects[n % 10],
                started_at=start - timedelta(days=2 + n % 300, minutes=n % 600),
                ended_at=start
                - timedelta(days=2 + n % 300, minutes=n % 600)
                + timedelta(minutes=30),
                source=Source.MANUAL,
            )
            for n in range(past_entries)
        ]
    )
    return projects[0]


def count_queries(client: Client, url: str) -> int:
    """Queries of a request on warm caches (the flags and switches are read once first)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


GROWN_PAGES = [
    "/",
    "/entries/",
    "/entries/new/",
    "/reports/",
    "/projects/",
    "/clients/",
    "/api/v1/time-entries/",
    "/api/v1/projects/",
    "/api/v1/tasks/",
    "/api/v1/clients/",
    # Pages and lists added since (issue 15, goal 5: every page and every API list).
    "/reports/?group_by=day",
    "/reports/?group_by=task",
    "/timesheet/",
    "/calendar/",
    "/jobs/",
    "/accounts/tokens/",
    "/api/v1/tags/",
    "/api/v1/timesheet/",
    "/api/v1/reports/summary/?period=this_year&group_by=day",
    "/api/v1/reports/summary/?period=this_year&group_by=user",
]


@pytest.mark.parametrize("url", GROWN_PAGES)
def test_it_reads_a_page_with_the_same_queries_with_5_or_600_entries_today_and_500_tasks(
    member_web: Client, member: Any, url: str
) -> None:
    project = grow(member, entries_today=5, open_tasks=5)
    small = count_queries(member_web, url.replace("{project}", str(project.pk)))
    grow(member, entries_today=595, open_tasks=495, past_entries=400)
    ProjectFactory.create_batch(30)
    large = count_queries(member_web, url.replace("{project}", str(project.pk)))
    assert large == small


def test_it_reads_the_project_page_with_the_same_queries_at_any_size(
    admin_web: Client, admin: Any
) -> None:
    project = grow(admin, entries_today=5, open_tasks=5)
    url = f"/projects/{project.pk}/"
    small = count_queries(admin_web, url)
    grow(admin, entries_today=595, open_tasks=495, past_entries=400)
    assert count_queries(admin_web, url) == small


def test_it_renders_a_bounded_task_picker_on_the_dashboard(member_web: Client, member: Any) -> None:
    grow(member, entries_today=5, open_tasks=500)
    html = member_web.get("/").content.decode()
    picker = html[html.index('name="task"') : html.index("</select>", html.index('name="task"'))]
    assert picker.count("<option") <= TASKS_SHOWN_MAX + 1
    assert "data-task-picker" in picker
