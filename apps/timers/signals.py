"""Domain signals of the timers app, sent on commit by ``apps.timers.services``.

Receivers must only observe (analytics, metrics, logging); behaviour lives in the services.
"""

from __future__ import annotations

from django.dispatch import Signal

# timer_started: entry (TimeEntry), stopped_previous (bool: a running timer was stopped first),
# tag_count (int: tags given to the new entry)
timer_started = Signal()
# timer_stopped: entry (TimeEntry), duration_seconds (int)
timer_stopped = Signal()
# timer_idle_trimmed: entry (TimeEntry, now stopped), duration_seconds (int: the length kept),
# trimmed_seconds (int: the time cut off, from the chosen end to the moment of trimming)
timer_idle_trimmed = Signal()
# time_entry_created: entry (TimeEntry), overlaps (int: number of overlapping entries),
# tag_count (int: tags given to the entry)
time_entry_created = Signal()
# time_entry_updated: entry (TimeEntry), actor_id (int | None), changed (list[str] of field names)
time_entry_updated = Signal()
# time_entry_deleted: entry_id (int), user_id (int), actor_id (int | None), was_running (bool)
time_entry_deleted = Signal()
