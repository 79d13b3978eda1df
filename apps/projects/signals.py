"""Domain signals of the projects app, sent on commit by ``apps.projects.services``.

Receivers must only observe (analytics, logging); behaviour lives in the services.
"""

from __future__ import annotations

from django.dispatch import Signal

# project_created: project (Project), actor_id (int | None)
project_created = Signal()
# project_updated: project (Project), actor_id (int | None), changed (list[str] of field names)
project_updated = Signal()
# project_archived: project (Project), actor_id (int | None), archived (bool: False = restored)
project_archived = Signal()
# project_deleted: project_id (int), actor_id (int | None), task_count (int, tasks deleted with it)
project_deleted = Signal()
# project_budget_reached: project (Project), kind ("hours" | "money"), threshold (80 | 100),
# percent (int); sent when the finished entries take a budget past a threshold
project_budget_reached = Signal()
