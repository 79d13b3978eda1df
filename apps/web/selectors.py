"""Reads that shape pages of the web UI, each a fixed number of queries.

Visibility comes from ``apps.timers.selectors`` and totals from ``apps.reports.selectors``,
the same functions the API uses; this module only combines them for a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from apps.accounts.selectors import user_timezone
from apps.clients.models import Client
from apps.projects.models import Project
from apps.reports.selectors import Period, SecondsBetween, report_summary
from apps.tasks.models import Task
from apps.timers.models import TimeEntry
from apps.timers.selectors import entries_visible_to, running_entry

RESUME_CHOICES = 5
# How many recent entries are read to find the distinct ones offered for "resume".
RESUME_LOOKBACK = 40
# The dashboard lists the latest entries of the day; the entry list has them all.
TODAY_SHOWN = 10


# The task pickers render the tasks of the projects of this many latest entries.
RECENT_ENTRIES = 10


def recent_project_ids(*, user: User | None = None) -> QuerySet[TimeEntry, Any]:
    """The projects of the latest entries (the user's, or the whole team's when no user is
    given: project names are no secret, every member lists them), as a subquery: it costs
    no query of its own, only an index range on ``started_at`` inside the one that uses it.
    """
    entries = TimeEntry.objects.all() if user is None else TimeEntry.objects.filter(user=user)
    return entries.order_by("-started_at").values("project_id")[:RECENT_ENTRIES]


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


@dataclass
class Dashboard:
    running: TimeEntry | None
    today: list[TimeEntry]
    today_seconds: int
    week: list[tuple[date, int]]
    week_seconds: int
    resume: list[TimeEntry] = field(default_factory=list)
    # All of today's entries (``today`` holds at most TODAY_SHOWN of them) and the day.
    today_count: int = 0
    day: date | None = None

    @property
    def today_hidden(self) -> int:
        return self.today_count - len(self.today)


def dashboard_for(*, user: User) -> Dashboard:
    """The running timer, today's entries, this week per day and entries to resume."""
    tz = user_timezone(user)
    today = timezone.localdate(timezone=tz)
    own = entries_visible_to(user=user).filter(user=user)
    day = Period(start=today, end=today, tz=tz)
    todays_qs = own.filter(started_at__gte=day.start_at, started_at__lt=day.end_before)
    # The latest few, shown oldest first; the count and the total come from the database,
    # so the page costs the same with 5 entries today or 600.
    todays = list(todays_qs.order_by("-started_at", "-id")[:TODAY_SHOWN])[::-1]
    # Finished entries only, like the week's table: one total for today on the page (the
    # running timer shows its own clock).
    today_totals = todays_qs.order_by().aggregate(
        count=Count("id"),
        seconds=Sum(
            SecondsBetween(F("ended_at"), F("started_at")), filter=Q(ended_at__isnull=False)
        ),
    )
    monday, sunday = week_bounds(today)
    week = Period(start=monday, end=sunday, tz=tz)
    summary = report_summary(
        user=user,
        start=monday,
        end=sunday,
        group_by="day",
        queryset=own.filter(
            ended_at__isnull=False, started_at__gte=week.start_at, started_at__lt=week.end_before
        ),
    )
    per_day = {row["key"]: row["seconds"] for row in summary["rows"]}
    recent = own.filter(ended_at__isnull=False, project__archived=False).order_by("-started_at")
    seen: set[tuple[Any, ...]] = set()
    resume: list[TimeEntry] = []
    for entry in recent[:RESUME_LOOKBACK]:
        key = (entry.project_id, entry.task_id, entry.notes)
        if key not in seen:
            seen.add(key)
            resume.append(entry)
        if len(resume) == RESUME_CHOICES:
            break
    days = [monday + timedelta(days=n) for n in range(7)]
    return Dashboard(
        running=running_entry(user=user),
        today=todays,
        today_seconds=round(today_totals["seconds"] or 0),
        week=[(d, per_day.get(d.isoformat(), 0)) for d in days],
        week_seconds=summary["totals"]["seconds"],
        resume=resume,
        today_count=today_totals["count"],
        day=today,
    )


def _seconds_spent(**filters: Any) -> Subquery:
    """Seconds of everyone's finished entries matching ``filters`` (with ``OuterRef``)."""
    spent = (
        TimeEntry.objects.filter(ended_at__isnull=False, **filters)
        .order_by()
        .values(*filters)
        .annotate(total=Sum(SecondsBetween(F("ended_at"), F("started_at"))))
        .values("total")
    )
    return Subquery(spent, output_field=FloatField())


def projects_with_hours(
    *, archived: bool | None = False, client_id: int | None = None
) -> QuerySet[Project]:
    """Projects with the ``seconds`` everyone spent on them (budgets are the team's)."""
    qs = Project.objects.select_related("client").annotate(
        seconds=_seconds_spent(project=OuterRef("pk"))
    )
    if archived is not None:
        qs = qs.filter(archived=archived)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("name")


def tasks_with_hours(*, project: Project) -> QuerySet[Task]:
    # The project in the subquery as well: each task's hours are then a range of the
    # (project, task, started_at, ended_at) index, read without visiting the entries.
    return (
        Task.objects.filter(project=project)
        .annotate(seconds=_seconds_spent(project=project.pk, task=OuterRef("pk")))
        .order_by("status", "name")
    )


def clients_with_counts(*, archived: bool | None = False) -> QuerySet[Client]:
    qs = Client.objects.annotate(project_count=Count("projects"))
    if archived is not None:
        qs = qs.filter(archived=archived)
    return qs.order_by("name")


def recent_project_entries(*, user: User, project: Project, limit: int = 10) -> list[TimeEntry]:
    """The latest entries on ``project`` that ``user`` may see."""
    return list(entries_visible_to(user=user).filter(project=project)[:limit])
