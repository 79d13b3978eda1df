"""Domain signals of the tags app, sent on commit by ``apps.tags.services``.

Receivers must only observe (analytics, logging); behaviour lives in the services.
"""

from __future__ import annotations

from django.dispatch import Signal

# tag_created: tag (Tag), actor_id (int | None), implicit (bool: created by using its name
# on an entry rather than on its own)
tag_created = Signal()
# tag_renamed: tag (Tag), actor_id (int | None)
tag_renamed = Signal()
# tag_merged: tag (Tag, the one kept), actor_id (int | None), merged_count (int: tags merged
# into it and deleted), entry_count (int: entries that carried one of the merged tags)
tag_merged = Signal()
# tag_deleted: tag_id (int), actor_id (int | None), entry_count (int: entries that lost it)
tag_deleted = Signal()
