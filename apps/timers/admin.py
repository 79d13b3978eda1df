from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import ServiceAdmin, actor_id
from apps.core.types import AdminFields
from apps.timers import services
from apps.timers.models import TimeEntry


@admin.register(TimeEntry)
class TimeEntryAdmin(ServiceAdmin):
    """Entries through ``apps.timers.services``.

    An entry added here is a manual entry (entry_create): it needs an end. Its user and
    source are fixed once it exists; the running timer is started and stopped by its user.
    """

    list_display = ("id", "user", "project", "task", "started_at", "ended_at", "source", "billable")
    list_filter = ("source", "billable", "project", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("notes", "user__username", "project__name", "task__name")
    list_select_related = ("user", "project", "task")
    date_hierarchy = "started_at"
    raw_id_fields = ("user", "task")
    autocomplete_fields = ("tags",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> AdminFields:
        fields: AdminFields = ["user", *services.EDITABLE, "tags"]
        return fields if obj is None else [*fields, "source"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["user", "source"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["ended_at"].required = True
        return form

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service set the tags (entry_create / entry_update); the form's own m2m save
        # would be a second write behind its back.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> TimeEntry:
        return services.entry_create(**data).entry

    def service_update(
        self, request: HttpRequest, obj: TimeEntry, data: dict[str, Any]
    ) -> TimeEntry:
        return services.entry_update(entry=obj, data=data, actor_id=actor_id(request)).entry

    def service_delete(self, request: HttpRequest, obj: TimeEntry) -> None:
        services.entry_delete(entry=obj, actor_id=actor_id(request))
