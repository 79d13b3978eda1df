from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import ArchivableServiceAdmin, actor_id
from apps.projects import services
from apps.projects.models import Project


@admin.register(Project)
class ProjectAdmin(ArchivableServiceAdmin):
    """Projects through ``apps.projects.services``; the archived box is project_archive."""

    list_display = (
        "name",
        "client",
        "billable",
        "hourly_rate",
        "budget_hours",
        "budget_amount",
        "archived",
    )
    list_filter = ("archived", "billable", "client")
    search_fields = ("name", "client__name")
    list_select_related = ("client",)

    fields = services.EDITABLE

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Project:
        return services.project_create(actor_id=actor_id(request), **data)

    def service_edit(self, request: HttpRequest, obj: Project, data: dict[str, Any]) -> None:
        services.project_update(project=obj, data=data, actor_id=actor_id(request))

    def service_archive(self, request: HttpRequest, obj: Project, archived: bool) -> None:
        services.project_archive(project=obj, archived=archived, actor_id=actor_id(request))

    def service_delete(self, request: HttpRequest, obj: Project) -> None:
        services.project_delete(project=obj, actor_id=actor_id(request))
