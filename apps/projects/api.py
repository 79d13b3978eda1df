from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from apps.core.api import (
    ArchivableMixin,
    ModelSerializer,
    ServiceViewSet,
    bool_param,
    id_param,
)
from apps.core.drf import JSONTypesMixin
from apps.core.schema import ARCHIVED_PARAM, conflict, id_parameter
from apps.projects import services
from apps.projects.models import Project
from apps.projects.selectors import project_currency


class ProjectSerializer(JSONTypesMixin, ModelSerializer):
    """A project, optionally for a client; time is tracked against projects."""

    currency = serializers.SerializerMethodField(
        help_text="The currency of hourly_rate and budget_amount: the client's ISO 4217 code, "
        "or the installation's currency (TIMETRACKER_CURRENCY, a code or a symbol such as $) "
        "for a project without a client or whose client sets none. Set on the client."
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "client",
            "colour",
            "billable",
            "hourly_rate",
            "budget_hours",
            "budget_amount",
            "currency",
            "archived",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["archived", "created_at", "updated_at"]

    def get_currency(self, project: Project) -> str:
        return project_currency(project)


@extend_schema_view(
    list=extend_schema(parameters=[ARCHIVED_PARAM, id_parameter("client", "Only this client's.")]),
    destroy=extend_schema(
        responses={
            204: None,
            409: conflict("The project has time entries: archive it instead."),
        }
    ),
)
class ProjectViewSet(ArchivableMixin[Project], ServiceViewSet[Project]):
    """Projects are shared by the whole installation; only admins archive or delete."""

    serializer_class = ProjectSerializer
    # Any id reaches the view, whose 404 is JSON; DRF's default stops at a dot.
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Project]:
        qs = Project.objects.select_related("client")
        archived = bool_param(self.request, "archived")
        if archived is not None:
            qs = qs.filter(archived=archived)
        client = id_param(self.request, "client")
        if client is not None:
            qs = qs.filter(client_id=client)
        return qs

    def create_object(self, data: dict[str, Any]) -> Project:
        return services.project_create(actor_id=self.actor_id, **data)

    def update_object(self, instance: Project, data: dict[str, Any]) -> Project:
        return services.project_update(project=instance, data=data, actor_id=self.actor_id)

    def delete_object(self, instance: Project) -> None:
        services.project_delete(project=instance, actor_id=self.actor_id)

    def archive_object(self, instance: Project, archived: bool) -> Project:
        return services.project_archive(project=instance, archived=archived, actor_id=self.actor_id)
