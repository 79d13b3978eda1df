"""Analytics adapter of the tasks app: declares its events and turns signals into them."""

from __future__ import annotations

from typing import Any

import analytics
from analytics import Bool, Enum, Int, context
from analytics.catalogue import channel_property
from apps.tasks import signals
from apps.tasks.models import Task, TaskStatus

TASK_ID = Int("Id of the task.")
PROJECT_ID = Int("Id of the task's project.")

CHANNEL = channel_property()


def _status(description: str) -> Enum:
    return Enum(description, choices=tuple(TaskStatus.values))


analytics.declare(
    "task.created",
    "Someone created a task in a project.",
    properties={
        "task_id": TASK_ID,
        "project_id": PROJECT_ID,
        "status": _status("Status the task starts in."),
        "has_estimate": Bool("An estimate in hours is set."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "task.updated",
    "Someone changed a task (a change of status also fires task.status_changed).",
    properties={
        "task_id": TASK_ID,
        "project_id": PROJECT_ID,
        "fields_changed": Int("How many fields changed."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "task.status_changed",
    "A task moved to another status.",
    properties={
        "task_id": TASK_ID,
        "project_id": PROJECT_ID,
        "old_status": _status("Status before the change."),
        "new_status": _status("Status after the change."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "task.deleted",
    "An admin deleted a task.",
    properties={"task_id": TASK_ID, "project_id": PROJECT_ID, "channel": CHANNEL},
)


@analytics.receiver(signals.task_created)
def _created(*, task: Task, actor_id: int | None, **_: Any) -> None:
    analytics.emit(
        "task.created",
        actor_id=actor_id,
        task_id=task.pk,
        project_id=task.project_id,
        status=task.status,
        has_estimate=task.estimate_hours is not None,
        channel=context.channel(),
    )


@analytics.receiver(signals.task_updated)
def _updated(*, task: Task, actor_id: int | None, changed: list[str], **_: Any) -> None:
    analytics.emit(
        "task.updated",
        actor_id=actor_id,
        task_id=task.pk,
        project_id=task.project_id,
        fields_changed=len(changed),
        channel=context.channel(),
    )


@analytics.receiver(signals.task_status_changed)
def _status_changed(
    *, task: Task, actor_id: int | None, old_status: str, new_status: str, **_: Any
) -> None:
    analytics.emit(
        "task.status_changed",
        actor_id=actor_id,
        task_id=task.pk,
        project_id=task.project_id,
        old_status=old_status,
        new_status=new_status,
        channel=context.channel(),
    )


@analytics.receiver(signals.task_deleted)
def _deleted(*, task_id: int, project_id: int, actor_id: int | None, **_: Any) -> None:
    analytics.emit(
        "task.deleted",
        actor_id=actor_id,
        task_id=task_id,
        project_id=project_id,
        channel=context.channel(),
    )
