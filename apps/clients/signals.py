"""Domain signals of the clients app, sent on commit by ``apps.clients.services``.

Receivers must only observe (analytics, logging); behaviour lives in the services.
"""

from __future__ import annotations

from django.dispatch import Signal

# client_created: client (Client), actor_id (int | None)
client_created = Signal()
# client_updated: client (Client), actor_id (int | None), changed (list[str] of field names)
client_updated = Signal()
# client_archived: client (Client), actor_id (int | None), archived (bool: False = restored)
client_archived = Signal()
# client_deleted: client_id (int), actor_id (int | None), project_count (int, projects detached)
client_deleted = Signal()
