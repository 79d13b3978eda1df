"""Analytics events of the tasks app, fired by its services."""

from __future__ import annotations

from typing import Any

from analytics.testutils import CapturedEvents
from apps.tasks import services


def test_the_lifecycle_of_a_task(
    admin: Any,
    project: Any,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # One commit per call, as in separate requests.
    def committed(call: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call(actor_id=admin.pk, **kwargs)

    task = committed(services.task_create, project=project, name="Design")
    committed(services.task_update, task=task, data={"name": "Design it"})
    committed(services.task_update, task=task, data={"status": "done"})
    task_id = task.pk
    committed(services.task_delete, task=task)
    ids = {"task_id": task_id, "project_id": project.pk}
    assert [(e.name, dict(e.properties)) for e in analytics_events] == [
        ("task.created", {**ids, "status": "todo", "has_estimate": False, "channel": "cli"}),
        ("task.updated", {**ids, "fields_changed": 1, "channel": "cli"}),
        ("task.updated", {**ids, "fields_changed": 1, "channel": "cli"}),
        (
            "task.status_changed",
            {**ids, "old_status": "todo", "new_status": "done", "channel": "cli"},
        ),
        ("task.deleted", {**ids, "channel": "cli"}),
    ]
