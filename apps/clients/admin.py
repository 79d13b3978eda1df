from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.clients import services
from apps.clients.models import Client
from apps.core.admin import ServiceAdmin, actor_id
from apps.core.types import AdminFields


@admin.register(Client)
class ClientAdmin(ServiceAdmin):
    """Clients through ``apps.clients.services``; the archived box is client_archive."""

    list_display = ("name", "archived", "created_at")
    list_filter = ("archived",)
    search_fields = ("name",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> AdminFields:
        # A new client starts active (as from the web and the API); archive it afterwards.
        return ["name"] if obj is None else ["name", "archived"]

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Client:
        return services.client_create(name=data["name"], actor_id=actor_id(request))

    def service_update(self, request: HttpRequest, obj: Client, data: dict[str, Any]) -> Client:
        archived = data.pop("archived", None)
        if data:
            services.client_update(client=obj, data=data, actor_id=actor_id(request))
        if archived is not None:
            services.client_archive(client=obj, archived=archived, actor_id=actor_id(request))
        return obj

    def service_delete(self, request: HttpRequest, obj: Client) -> None:
        services.client_delete(client=obj, actor_id=actor_id(request))
