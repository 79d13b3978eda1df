"""Domain signals of the tasks app, sent on commit by ``apps.tasks.services``.

Receivers must only observe (analytics, logging); behaviour lives in the services.
"""

from __future__ import annotations

from django.dispatch import Signal

# task_created: task (Task), actor_id (int | None)
task_created = Signal()
# task_updated: task (Task), actor_id (int | None), changed (list[str] of field names)
task_updated = Signal()
# task_status_changed: task (Task), actor_id (int | None), old_status (str), new_status (str)
task_status_changed = Signal()
# task_deleted: task_id (int), project_id (int), actor_id (int | None)
task_deleted = Signal()
