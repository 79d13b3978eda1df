"""Writes for tasks. Only admins delete (checked by the callers' permissions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.services import apply_changes, save_changes, send_on_commit
from apps.projects.models import Project
from apps.tasks import signals
from apps.tasks.models import Task, TaskStatus

EDITABLE = ("name", "status", "estimate_hours")


def _check_project(project: Project) -> None:
    if project.archived:
        raise ValidationError({"project": _("This project is archived; restore it first.")})


@transaction.atomic
def task_create(
    *,
    project: Project,
    name: str,
    status: str = TaskStatus.TODO,
    estimate_hours: Decimal | None = None,
    actor_id: int | None = None,
) -> Task:
    _check_project(project)
    task = Task(project=project, name=name.strip(), status=status, estimate_hours=estimate_hours)
    task.full_clean()
    task.save()
    send_on_commit(signals.task_created, Task, task=task, actor_id=actor_id)
    return task


@transaction.atomic
def task_update(*, task: Task, data: dict[str, Any], actor_id: int | None = None) -> Task:
    """Edit a task; a change of status also sends ``task_status_changed``."""
    old_status = task.status
    changed = apply_changes(task, data, allowed=EDITABLE)
    if not changed:
        return task
    save_changes(task, changed)
    send_on_commit(signals.task_updated, Task, task=task, actor_id=actor_id, changed=changed)
    if "status" in changed:
        send_on_commit(
            signals.task_status_changed,
            Task,
            task=task,
            actor_id=actor_id,
            old_status=old_status,
            new_status=task.status,
        )
    return task


@transaction.atomic
def task_delete(*, task: Task, actor_id: int | None = None) -> None:
    task_id, project_id = task.pk, task.project_id
    task.delete()
    send_on_commit(
        signals.task_deleted, Task, task_id=task_id, project_id=project_id, actor_id=actor_id
    )
