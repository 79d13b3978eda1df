"""Domain signals of the imports app, sent by ``apps.imports.services``.

Receivers must only observe (analytics, logging); behaviour lives in the services.
"""

from __future__ import annotations

from django.dispatch import Signal

# import_finished: actor_id (int | None), format (str), dry_run (bool),
#   outcome (str: "imported", "dry_run", "refused" (rows it cannot read) or "invalid"
#   (a file it cannot read)), rows (int), created (int: entries created, or that would be),
#   duplicates (int), problems (int), clients (int), projects (int), tasks (int), tags (int):
#   created (or to create) for the import
import_finished = Signal()
