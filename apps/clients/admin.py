from __future__ import annotations

from django.contrib import admin

from apps.clients.models import Client


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "archived", "created_at")
    list_filter = ("archived",)
    search_fields = ("name",)
