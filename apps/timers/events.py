"""Analytics adapter of the timers app: declares its events and turns signals into them.

Durations are recorded as buckets, notes never.
"""

from __future__ import annotations

from typing import Any

import analytics
from analytics import Bool, Bucketed, Int, context
from analytics.catalogue import channel_property
from apps.timers import signals
from apps.timers.models import TimeEntry

ENTRY_ID = Int("Id of the time entry.")
PROJECT_ID = Int("Id of the entry's project.")
TASK_ID = Int("Id of the entry's task, if it has one.", optional=True)
BILLABLE = Bool("The time is billable.")
TAG_COUNT = Int("How many tags the entry carries (never their names).")
DURATION = Bucketed(
    "Length of the entry, rounded into a range.",
    bounds=(60, 300, 900, 1800, 3600, 7200, 14400, 28800),
    unit="seconds",
)

CHANNEL = channel_property()
analytics.declare(
    "timer.started",
    "A user started the timer (a timer already running is stopped first).",
    properties={
        "entry_id": ENTRY_ID,
        "project_id": PROJECT_ID,
        "task_id": TASK_ID,
        "billable": BILLABLE,
        "stopped_previous": Bool("A running timer was stopped to start this one."),
        "tag_count": TAG_COUNT,
        "channel": CHANNEL,
    },
)
analytics.declare(
    "timer.stopped",
    "A running timer was stopped, by its user or by starting another one.",
    properties={
        "entry_id": ENTRY_ID,
        "project_id": PROJECT_ID,
        "duration": DURATION,
        "channel": CHANNEL,
    },
)
analytics.declare(
    "timer.idle_trimmed",
    "A user stopped a forgotten timer (running longer than the idle limit) at an earlier "
    "time; timer.stopped fires too.",
    properties={
        "entry_id": ENTRY_ID,
        "project_id": PROJECT_ID,
        "duration": DURATION,
        "trimmed": Bucketed(
            "Time cut off the entry (from the chosen end to the trim), rounded into a range.",
            bounds=(3600, 4 * 3600, 8 * 3600, 12 * 3600, 24 * 3600, 72 * 3600),
            unit="seconds",
        ),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "time_entry.created",
    "A user recorded a finished span of work by hand.",
    properties={
        "entry_id": ENTRY_ID,
        "project_id": PROJECT_ID,
        "task_id": TASK_ID,
        "billable": BILLABLE,
        "duration": DURATION,
        "overlaps": Int("How many of the user's other entries it overlaps."),
        "tag_count": TAG_COUNT,
        "channel": CHANNEL,
    },
)
analytics.declare(
    "time_entry.updated",
    "Someone edited a time entry.",
    properties={
        "entry_id": ENTRY_ID,
        "project_id": PROJECT_ID,
        "fields_changed": Int("How many fields changed."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "time_entry.deleted",
    "Someone deleted a time entry.",
    properties={
        "entry_id": ENTRY_ID,
        "was_running": Bool("It was a running timer."),
        "channel": CHANNEL,
    },
)


@analytics.receiver(signals.timer_started)
def _timer_started(
    *, entry: TimeEntry, stopped_previous: bool, tag_count: int = 0, **_: Any
) -> None:
    analytics.emit(
        "timer.started",
        actor_id=entry.user_id,
        entry_id=entry.pk,
        project_id=entry.project_id,
        task_id=entry.task_id,
        billable=entry.billable,
        stopped_previous=stopped_previous,
        tag_count=tag_count,
        channel=context.channel(),
    )


@analytics.receiver(signals.timer_stopped)
def _timer_stopped(*, entry: TimeEntry, duration_seconds: int, **_: Any) -> None:
    analytics.emit(
        "timer.stopped",
        actor_id=entry.user_id,
        entry_id=entry.pk,
        project_id=entry.project_id,
        duration=duration_seconds,
        channel=context.channel(),
    )


@analytics.receiver(signals.timer_idle_trimmed)
def _timer_idle_trimmed(
    *, entry: TimeEntry, duration_seconds: int, trimmed_seconds: int, **_: Any
) -> None:
    analytics.emit(
        "timer.idle_trimmed",
        actor_id=entry.user_id,
        entry_id=entry.pk,
        project_id=entry.project_id,
        duration=duration_seconds,
        trimmed=trimmed_seconds,
        channel=context.channel(),
    )


@analytics.receiver(signals.time_entry_created)
def _entry_created(*, entry: TimeEntry, overlaps: int, tag_count: int = 0, **_: Any) -> None:
    analytics.emit(
        "time_entry.created",
        actor_id=entry.user_id,
        entry_id=entry.pk,
        project_id=entry.project_id,
        task_id=entry.task_id,
        billable=entry.billable,
        duration=entry.duration_seconds,
        overlaps=overlaps,
        tag_count=tag_count,
        channel=context.channel(),
    )


@analytics.receiver(signals.time_entry_updated)
def _entry_updated(*, entry: TimeEntry, actor_id: int | None, changed: list[str], **_: Any) -> None:
    analytics.emit(
        "time_entry.updated",
        actor_id=actor_id,
        entry_id=entry.pk,
        project_id=entry.project_id,
        fields_changed=len(changed),
        channel=context.channel(),
    )


@analytics.receiver(signals.time_entry_deleted)
def _entry_deleted(
    *, entry_id: int, user_id: int, actor_id: int | None, was_running: bool, **_: Any
) -> None:
    analytics.emit(
        "time_entry.deleted",
        actor_id=actor_id or user_id,
        entry_id=entry_id,
        was_running=was_running,
        channel=context.channel(),
    )
