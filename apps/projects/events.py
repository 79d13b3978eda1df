"""Analytics adapter of the projects app: declares its events and turns signals into them."""

from __future__ import annotations

from typing import Any

import analytics
from analytics import Bool, Enum, Int, context
from analytics.catalogue import channel_property
from apps.projects import signals
from apps.projects.models import Project

PROJECT_ID = Int("Id of the project.")

CHANNEL = channel_property()
analytics.declare(
    "project.created",
    "Someone created a project.",
    properties={
        "project_id": PROJECT_ID,
        "has_client": Bool("The project belongs to a client."),
        "billable": Bool("Time on the project is billable by default."),
        "has_rate": Bool("An hourly rate is set."),
        "has_budget": Bool("A budget in hours is set."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "project.updated",
    "Someone changed a project's details.",
    properties={
        "project_id": PROJECT_ID,
        "fields_changed": Int("How many fields changed."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "project.archived",
    "An admin archived a project, or restored it (archived is false).",
    properties={
        "project_id": PROJECT_ID,
        "archived": Bool("True when archived, false when restored."),
        "channel": CHANNEL,
    },
)
analytics.declare(
    "project.deleted",
    "An admin deleted a project that had no time entries.",
    properties={
        "project_id": PROJECT_ID,
        "task_count": Int("Tasks deleted with it."),
        "channel": CHANNEL,
    },
)

analytics.declare(
    "project.budget_reached",
    "The finished entries of a project passed 80 % or 100 % of its budget in hours or "
    "money (once per threshold; it re-arms when the time used falls back below it).",
    properties={
        "project_id": PROJECT_ID,
        "kind": Enum("Which budget: hours or money.", choices=("hours", "money")),
        "threshold": Enum("The threshold passed, in percent.", choices=("80", "100")),
        "percent": Int("Percent of the budget used now (whole number)."),
        "channel": CHANNEL,
    },
)


@analytics.receiver(signals.project_created)
def _created(*, project: Project, actor_id: int | None, **_: Any) -> None:
    analytics.emit(
        "project.created",
        actor_id=actor_id,
        project_id=project.pk,
        has_client=project.client_id is not None,
        billable=project.billable,
        has_rate=project.hourly_rate is not None,
        has_budget=project.budget_hours is not None,
        channel=context.channel(),
    )


@analytics.receiver(signals.project_updated)
def _updated(*, project: Project, actor_id: int | None, changed: list[str], **_: Any) -> None:
    analytics.emit(
        "project.updated",
        actor_id=actor_id,
        project_id=project.pk,
        fields_changed=len(changed),
        channel=context.channel(),
    )


@analytics.receiver(signals.project_archived)
def _archived(*, project: Project, actor_id: int | None, archived: bool, **_: Any) -> None:
    analytics.emit(
        "project.archived",
        actor_id=actor_id,
        project_id=project.pk,
        archived=archived,
        channel=context.channel(),
    )


@analytics.receiver(signals.project_deleted)
def _deleted(*, project_id: int, actor_id: int | None, task_count: int, **_: Any) -> None:
    analytics.emit(
        "project.deleted",
        actor_id=actor_id,
        project_id=project_id,
        task_count=task_count,
        channel=context.channel(),
    )


@analytics.receiver(signals.project_budget_reached)
def _budget_reached(*, project: Project, kind: str, threshold: int, percent: int, **_: Any) -> None:
    analytics.emit(
        "project.budget_reached",
        project_id=project.pk,
        kind=kind,
        threshold=str(threshold),
        percent=percent,
        channel=context.channel(),
    )
