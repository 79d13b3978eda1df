from __future__ import annotations

from django.contrib import admin

from apps.timers.models import TimeEntry


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "project", "task", "started_at", "ended_at", "source", "billable")
    list_filter = ("source", "billable", "project", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("notes", "user__username", "project__name", "task__name")
    list_select_related = ("user", "project", "task")
    date_hierarchy = "started_at"
    raw_id_fields = ("user", "task")
