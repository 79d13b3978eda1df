"""Reads of the week grid and the calendar: always the user's own entries, whatever the role.

An entry belongs to the local day (``Profile.timezone``) on which it starts; one that runs
past midnight counts whole on that day.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from apps.projects.models import Project
from apps.tasks.models import Task
from apps.timers.models import MAX_ENTRY_DURATION, TimeEntry
from apps.timesheet.durations import format_duration
from apps.timesheet.weeks import Week, day_bounds, day_open

# Rows one grid holds: 7 inputs each stay well below DATA_UPLOAD_MAX_NUMBER_FIELDS.
MAX_ROWS = 80

RowKey = tuple[int, int | None]  # (project id, task id or None)


def own_entries(*, user: User) -> QuerySet[TimeEntry]:
    """The user's own entries: the grid and the calendar never show anyone else's."""
    return TimeEntry.objects.filter(user=user).select_related("project", "project__client", "task")


def entries_between(*, user: User, start: datetime, end: datetime) -> list[TimeEntry]:
    return list(
        own_entries(user=user)
        .filter(started_at__gte=start, started_at__lt=end)
        .order_by("started_at", "id")
    )


def cell_entries(
    *, user: User, project_id: int, task_id: int | None, day: date, tz: zoneinfo.ZoneInfo
) -> list[TimeEntry]:
    start, end = day_bounds(day, tz)
    qs = TimeEntry.objects.filter(
        user=user, project_id=project_id, started_at__gte=start, started_at__lt=end
    )
    qs = qs.filter(task__isnull=True) if task_id is None else qs.filter(task_id=task_id)
    return list(qs.order_by("started_at", "id"))


def cell_is_editable(entries: list[TimeEntry], day: date) -> bool:
    """One finished entry of at most 24 hours (or none) on a day of the supported range.

    Several entries, a running timer or a longer (forgotten) timer are not rewritten from
    a cell: the grid links to them instead.
    """
    if not day_open(day):
        return False
    if not entries:
        return True
    if len(entries) > 1:
        return False
    entry = entries[0]
    return entry.ended_at is not None and entry.duration <= MAX_ENTRY_DURATION


def cell_name(key: RowKey, index: int) -> str:
    return f"c-{key[0]}-{key[1] or 0}-{index}"


def row_value(key: RowKey) -> str:
    return f"{key[0]}-{key[1] or 0}"


@dataclass
class Cell:
    day: date
    name: str
    entries: list[TimeEntry]
    editable: bool
    seconds: int = 0
    value: str = ""  # the text in the input (what the user typed, after a failed save)
    error: str = ""

    @property
    def running(self) -> bool:
        return any(entry.ended_at is None for entry in self.entries)

    @property
    def shown(self) -> str:
        """The stored time as the grid writes it (empty for no time)."""
        return format_duration(self.seconds) if self.seconds else ""


@dataclass
class Row:
    project: Project
    task: Task | None
    cells: list[Cell] = field(default_factory=list)
    tags_text: str = ""  # tags for the entries this row's cells create (as typed)

    @property
    def key(self) -> RowKey:
        return (self.project.pk, self.task.pk if self.task else None)

    @property
    def value(self) -> str:
        return row_value(self.key)

    @property
    def label(self) -> str:
        return f"{self.project.name} · {self.task.name}" if self.task else self.project.name

    @property
    def tags_name(self) -> str:
        return f"t-{self.value}"

    @property
    def originals(self) -> str:
        """What the row's cells hold now, sent back with the form (see forms.read_cells)."""
        return "|".join(cell.shown for cell in self.cells)

    @property
    def seconds(self) -> int:
        return sum(cell.seconds for cell in self.cells)


@dataclass
class Grid:
    week: Week
    tz: zoneinfo.ZoneInfo
    today: date
    rows: list[Row]
    dropped_rows: int = 0  # rows past MAX_ROWS that were left out

    @property
    def day_totals(self) -> list[int]:
        return [sum(row.cells[i].seconds for row in self.rows) for i in range(7)]

    @property
    def total(self) -> int:
        return sum(self.day_totals)

    def cell(self, name: str) -> Cell | None:
        for row in self.rows:
            for cell in row.cells:
                if cell.name == name:
                    return cell
        return None


def _entry_seconds(entry: TimeEntry, now: datetime) -> int:
    end = entry.ended_at or now
    return max(int((end - entry.started_at).total_seconds()), 0)


def rows_of_week(*, user: User, week: Week, tz: zoneinfo.ZoneInfo) -> list[RowKey]:
    """The (project, task) pairs the user has entries for in ``week``, for "copy rows"."""
    start, end = week.bounds(tz)
    pairs = (
        TimeEntry.objects.filter(user=user, started_at__gte=start, started_at__lt=end)
        .values_list("project_id", "task_id")
        .distinct()
    )
    return list(dict.fromkeys(pairs))


def resolve_rows(keys: Iterable[RowKey]) -> dict[RowKey, tuple[Project, Task | None]]:
    """The projects and tasks of ``keys`` (two queries); pairs that do not exist, or whose
    task is not the project's, are left out."""
    keys = list(dict.fromkeys(keys))
    projects = Project.objects.select_related("client").in_bulk([p for p, _ in keys])
    tasks = Task.objects.in_bulk([t for _, t in keys if t is not None])
    found: dict[RowKey, tuple[Project, Task | None]] = {}
    for project_id, task_id in keys:
        project = projects.get(project_id)
        task = tasks.get(task_id) if task_id is not None else None
        if project is None or (
            task_id is not None and (task is None or task.project_id != project_id)
        ):
            continue
        found[(project_id, task_id)] = (project, task)
    return found


def timesheet_grid(
    *, user: User, week: Week, tz: zoneinfo.ZoneInfo, extra_rows: Iterable[RowKey] = ()
) -> Grid:
    """The grid of ``week``: a row per (project, task) with entries, plus ``extra_rows``
    (added, copied or posted back) that exist; rows sorted by project, then task."""
    now = timezone.now()
    start, end = week.bounds(tz)
    entries = entries_between(user=user, start=start, end=end)
    by_cell: dict[tuple[RowKey, date], list[TimeEntry]] = {}
    keys: list[RowKey] = []
    for entry in entries:
        key = (entry.project_id, entry.task_id)
        keys.append(key)
        day = entry.started_at.astimezone(tz).date()
        by_cell.setdefault((key, day), []).append(entry)
    found = resolve_rows([*keys, *extra_rows])
    ordered = sorted(
        found.items(),
        key=lambda item: (
            item[1][0].name.lower(),
            item[1][0].pk,
            item[1][1].name.lower() if item[1][1] else "",
            item[0][1] or 0,
        ),
    )
    rows: list[Row] = []
    for key, (project, task) in ordered[:MAX_ROWS]:
        row = Row(project=project, task=task)
        for index, day in enumerate(week.days):
            cell_list = by_cell.get((key, day), [])
            cell = Cell(
                day=day,
                name=cell_name(key, index),
                entries=cell_list,
                editable=cell_is_editable(cell_list, day),
                seconds=sum(_entry_seconds(e, now) for e in cell_list),
            )
            cell.value = cell.shown
            row.cells.append(cell)
        rows.append(row)
    return Grid(
        week=week,
        tz=tz,
        today=now.astimezone(tz).date(),
        rows=rows,
        dropped_rows=max(len(ordered) - MAX_ROWS, 0),
    )


def open_projects() -> QuerySet[Project]:
    return Project.objects.filter(archived=False).order_by(Lower("name"))


# --- Calendar -------------------------------------------------------------------------------
@dataclass
class CalendarEntry:
    entry: TimeEntry
    start: datetime  # local
    end: datetime  # local; now for a running timer
    running: bool

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def minutes(self) -> int:
        return max(int((self.end - self.start).total_seconds() // 60), 0)

    @property
    def seconds(self) -> int:
        return max(int((self.end - self.start).total_seconds()), 0)

    @property
    def label(self) -> str:
        entry = self.entry
        return f"{entry.project.name} · {entry.task.name}" if entry.task else entry.project.name


@dataclass
class CalendarDay:
    day: date
    entries: list[CalendarEntry]
    in_month: bool = True

    @property
    def seconds(self) -> int:
        return sum(item.seconds for item in self.entries)


def calendar_days(
    *, user: User, first: date, last: date, tz: zoneinfo.ZoneInfo
) -> list[CalendarDay]:
    """Each day from ``first`` to ``last`` with the user's entries that start on it."""
    now = timezone.now()
    start, end = day_bounds(first, tz)[0], day_bounds(last, tz)[1]
    days = {
        first + timedelta(days=n): CalendarDay(day=first + timedelta(days=n), entries=[])
        for n in range((last - first).days + 1)
    }
    for entry in entries_between(user=user, start=start, end=end):
        local_start = entry.started_at.astimezone(tz)
        local_end = (entry.ended_at or max(now, entry.started_at)).astimezone(tz)
        day = days.get(local_start.date())
        if day is not None:
            day.entries.append(
                CalendarEntry(
                    entry=entry, start=local_start, end=local_end, running=entry.ended_at is None
                )
            )
    return list(days.values())
