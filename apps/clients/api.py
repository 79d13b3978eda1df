from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view

from apps.clients import services
from apps.clients.models import Client
from apps.core.api import ArchivableMixin, ModelSerializer, ServiceViewSet, bool_param
from apps.core.drf import JSONTypesMixin
from apps.core.schema import ARCHIVED_PARAM


class ClientSerializer(JSONTypesMixin, ModelSerializer):
    """A client: the organisation projects are done for.

    ``currency``: the ISO 4217 code its projects' amounts are in (lower case is accepted
    and stored upper case); empty for the installation's currency.
    """

    class Meta:
        model = Client
        fields = ["id", "name", "currency", "archived", "created_at", "updated_at"]
        read_only_fields = ["archived", "created_at", "updated_at"]


@extend_schema_view(list=extend_schema(parameters=[ARCHIVED_PARAM]))
class ClientViewSet(ArchivableMixin[Client], ServiceViewSet[Client]):
    """Clients are shared by the whole installation; only admins archive or delete."""

    serializer_class = ClientSerializer
    # Any id reaches the view, whose 404 is JSON; DRF's default stops at a dot.
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Client]:
        qs = Client.objects.all()
        archived = bool_param(self.request, "archived")
        return qs if archived is None else qs.filter(archived=archived)

    def create_object(self, data: dict[str, Any]) -> Client:
        return services.client_create(actor_id=self.actor_id, **data)

    def update_object(self, instance: Client, data: dict[str, Any]) -> Client:
        return services.client_update(client=instance, data=data, actor_id=self.actor_id)

    def delete_object(self, instance: Client) -> None:
        services.client_delete(client=instance, actor_id=self.actor_id)

    def archive_object(self, instance: Client, archived: bool) -> Client:
        return services.client_archive(client=instance, archived=archived, actor_id=self.actor_id)
