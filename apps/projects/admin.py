from __future__ import annotations

from django.contrib import admin

from apps.projects.models import Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "client", "billable", "hourly_rate", "budget_hours", "archived")
    list_filter = ("archived", "billable", "client")
    search_fields = ("name", "client__name")
    list_select_related = ("client",)
