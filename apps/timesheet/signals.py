"""Domain signals of the timesheet app, sent on commit by ``apps.timesheet.services``."""

from __future__ import annotations

from django.dispatch import Signal

# timesheet_saved: user_id (int), cells (int: cells changed), created, updated, deleted (int:
# entries the save created, adjusted and deleted)
timesheet_saved = Signal()
# calendar_feed_created: user_id (int), replaced (bool: an older feed URL stopped working)
calendar_feed_created = Signal()
# calendar_feed_revoked: user_id (int)
calendar_feed_revoked = Signal()
