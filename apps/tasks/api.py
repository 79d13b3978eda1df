from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from apps.core.api import ModelSerializer, ServiceViewSet, id_param
from apps.core.drf import JSONTypesMixin
from apps.core.schema import id_parameter
from apps.tasks import services
from apps.tasks.models import Task, TaskStatus


class TaskSerializer(JSONTypesMixin, ModelSerializer):
    """A task of a project; its project is fixed once created."""

    class Meta:
        model = Task
        fields = ["id", "project", "name", "status", "estimate_hours", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "project" in attrs:
            if attrs["project"] != self.instance.project:
                raise serializers.ValidationError(
                    {"project": [_("A task cannot move to another project.")]}
                )
            del attrs["project"]
        return attrs


@extend_schema_view(
    list=extend_schema(
        parameters=[
            id_parameter("project", "Only this project's."),
            OpenApiParameter("status", str, enum=TaskStatus.values, description="Only these."),
        ]
    )
)
class TaskViewSet(ServiceViewSet[Task]):
    """Tasks belong to a project; anyone may create or edit them, only admins delete."""

    serializer_class = TaskSerializer
    # Any id reaches the view, whose 404 is JSON; DRF's default stops at a dot.
    lookup_value_regex = "[^/]+"
    admin_actions = frozenset({"destroy"})

    def get_queryset(self) -> QuerySet[Task]:
        qs = Task.objects.all()
        params = self.request.query_params
        project = id_param(self.request, "project")
        if project is not None:
            qs = qs.filter(project_id=project)
        if status := params.get("status"):
            if status not in TaskStatus.values:
                raise serializers.ValidationError(
                    {
                        "status": [
                            _("Expected one of %(values)s.")
                            % {"values": ", ".join(TaskStatus.values)}
                        ]
                    }
                )
            qs = qs.filter(status=status)
        return qs

    def create_object(self, data: dict[str, Any]) -> Task:
        return services.task_create(actor_id=self.actor_id, **data)

    def update_object(self, instance: Task, data: dict[str, Any]) -> Task:
        return services.task_update(task=instance, data=data, actor_id=self.actor_id)

    def delete_object(self, instance: Task) -> None:
        services.task_delete(task=instance, actor_id=self.actor_id)
