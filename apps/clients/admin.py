from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.clients import services
from apps.clients.models import Client
from apps.core.admin import ArchivableServiceAdmin, actor_id


@admin.register(Client)
class ClientAdmin(ArchivableServiceAdmin):
    """Clients through ``apps.clients.services``; the archived box is client_archive."""

    list_display = ("name", "currency", "archived", "created_at")
    list_filter = ("archived",)
    search_fields = ("name",)

    fields = ("name", "currency")

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Client:
        return services.client_create(
            name=data["name"], currency=data.get("currency", ""), actor_id=actor_id(request)
        )

    def service_edit(self, request: HttpRequest, obj: Client, data: dict[str, Any]) -> None:
        services.client_update(client=obj, data=data, actor_id=actor_id(request))

    def service_archive(self, request: HttpRequest, obj: Client, archived: bool) -> None:
        services.client_archive(client=obj, archived=archived, actor_id=actor_id(request))

    def service_delete(self, request: HttpRequest, obj: Client) -> None:
        services.client_delete(client=obj, actor_id=actor_id(request))
