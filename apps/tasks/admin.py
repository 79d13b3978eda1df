from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import ServiceAdmin, actor_id
from apps.core.types import AdminFields
from apps.tasks import services
from apps.tasks.models import Task


@admin.register(Task)
class TaskAdmin(ServiceAdmin):
    """Tasks through ``apps.tasks.services``; a task stays in the project it was made in."""

    list_display = ("name", "project", "status", "estimate_hours")
    list_filter = ("status", "project")
    search_fields = ("name", "project__name")
    list_select_related = ("project",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> AdminFields:
        return ["project", *services.EDITABLE]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["project"]

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Task:
        return services.task_create(actor_id=actor_id(request), **data)

    def service_update(self, request: HttpRequest, obj: Task, data: dict[str, Any]) -> Task:
        return services.task_update(task=obj, data=data, actor_id=actor_id(request))

    def service_delete(self, request: HttpRequest, obj: Task) -> None:
        services.task_delete(task=obj, actor_id=actor_id(request))
