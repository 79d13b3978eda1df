"""Analytics events of the projects app, fired by its services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from analytics.testutils import CapturedEvents
from apps.projects import services
from tests.factories import ClientFactory, TaskFactory


def test_the_lifecycle_of_a_project(
    admin: Any, analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    # One commit per call, as in separate requests.
    def committed(call: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call(actor_id=admin.pk, **kwargs)

    project = committed(
        services.project_create, name="Apollo", client=ClientFactory(), hourly_rate=Decimal("90")
    )
    committed(services.project_update, project=project, data={"name": "A 11", "billable": False})
    committed(services.project_archive, project=project)
    TaskFactory(project=project)
    project_id = project.pk
    committed(services.project_delete, project=project)
    assert [(e.name, dict(e.properties)) for e in analytics_events] == [
        (
            "project.created",
            {
                "project_id": project_id,
                "has_client": True,
                "billable": True,
                "has_rate": True,
                "has_budget": False,
                "channel": "cli",
            },
        ),
        ("project.updated", {"project_id": project_id, "fields_changed": 2, "channel": "cli"}),
        ("project.archived", {"project_id": project_id, "archived": True, "channel": "cli"}),
        ("project.deleted", {"project_id": project_id, "task_count": 1, "channel": "cli"}),
    ]
