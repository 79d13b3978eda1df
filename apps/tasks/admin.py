from __future__ import annotations

from django.contrib import admin

from apps.tasks.models import Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "status", "estimate_hours")
    list_filter = ("status", "project")
    search_fields = ("name", "project__name")
    list_select_related = ("project",)
