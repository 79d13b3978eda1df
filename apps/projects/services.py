"""Writes for projects. Only admins archive or delete (checked by the callers' permissions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import ngettext

from apps.clients.models import Client
from apps.core.services import apply_changes, save_changes, send_on_commit
from apps.projects import budget, signals
from apps.projects.models import Project

EDITABLE = (
    "name",
    "client",
    "colour",
    "billable",
    "hourly_rate",
    "budget_hours",
    "budget_amount",
)
BUDGET_FIELDS = {"hourly_rate", "budget_hours", "budget_amount"}


@transaction.atomic
def project_create(
    *,
    name: str,
    client: Client | None = None,
    colour: str = "#3366cc",
    billable: bool = True,
    hourly_rate: Decimal | None = None,
    budget_hours: Decimal | None = None,
    budget_amount: Decimal | None = None,
    actor_id: int | None = None,
) -> Project:
    project = Project(
        name=name.strip(),
        client=client,
        colour=colour,
        billable=billable,
        hourly_rate=hourly_rate,
        budget_hours=budget_hours,
        budget_amount=budget_amount,
    )
    project.full_clean()
    project.save()
    send_on_commit(signals.project_created, Project, project=project, actor_id=actor_id)
    return project


@transaction.atomic
def project_update(
    *, project: Project, data: dict[str, Any], actor_id: int | None = None
) -> Project:
    levels = {project.pk: budget.budget_levels(project)}
    changed = apply_changes(project, data, allowed=EDITABLE)
    if changed:
        save_changes(project, changed)
        send_on_commit(
            signals.project_updated, Project, project=project, actor_id=actor_id, changed=changed
        )
        if BUDGET_FIELDS.intersection(changed):
            # A new or changed budget may already be passed by the time used so far.
            budget.budget_refresh(project_ids=[project.pk], before=levels)
    return project


@transaction.atomic
def project_archive(
    *, project: Project, archived: bool = True, actor_id: int | None = None
) -> Project:
    if project.archived != archived:
        project.archived = archived
        project.save(update_fields=["archived", "updated_at"])
        send_on_commit(
            signals.project_archived,
            Project,
            project=project,
            actor_id=actor_id,
            archived=archived,
        )
    return project


@transaction.atomic
def project_delete(*, project: Project, actor_id: int | None = None) -> None:
    """Delete a project without time entries; one with entries must be archived instead."""
    entry_count = project.time_entries.count()
    if entry_count:
        raise ValidationError(
            ngettext(
                "This project has %(count)s time entry; archive it instead of deleting it.",
                "This project has %(count)s time entries; archive it instead of deleting it.",
                entry_count,
            ),
            code="protected",
            params={"count": entry_count},
        )
    project_id = project.pk
    task_count = project.tasks.count()
    project.delete()
    send_on_commit(
        signals.project_deleted,
        Project,
        project_id=project_id,
        actor_id=actor_id,
        task_count=task_count,
    )
