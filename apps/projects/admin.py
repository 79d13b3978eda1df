from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import ServiceAdmin, actor_id
from apps.core.types import AdminFields
from apps.projects import services
from apps.projects.models import Project


@admin.register(Project)
class ProjectAdmin(ServiceAdmin):
    """Projects through ``apps.projects.services``; the archived box is project_archive."""

    list_display = ("name", "client", "billable", "hourly_rate", "budget_hours", "archived")
    list_filter = ("archived", "billable", "client")
    search_fields = ("name", "client__name")
    list_select_related = ("client",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> AdminFields:
        fields: AdminFields = list(services.EDITABLE)
        # A new project starts active (as from the web and the API); archive it afterwards.
        return fields if obj is None else [*fields, "archived"]

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Project:
        return services.project_create(actor_id=actor_id(request), **data)

    def service_update(self, request: HttpRequest, obj: Project, data: dict[str, Any]) -> Project:
        archived = data.pop("archived", None)
        if data:
            services.project_update(project=obj, data=data, actor_id=actor_id(request))
        if archived is not None:
            services.project_archive(project=obj, archived=archived, actor_id=actor_id(request))
        return obj

    def service_delete(self, request: HttpRequest, obj: Project) -> None:
        services.project_delete(project=obj, actor_id=actor_id(request))
