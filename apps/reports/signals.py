"""Domain signals of the reports app.

Receivers must only observe (analytics, logging); behaviour lives in the views/services.
"""

from __future__ import annotations

from django.dispatch import Signal

# report_viewed: user_id (int), group_by (str), days (int, length of the period),
#   rows (int, number of groups), channel (str: "web" or "api")
report_viewed = Signal()
# export_generated: user_id (int), format (str: "csv", "xlsx", "json" or "ics"),
#   rows (int, entries exported), channel (str: "web" or "api")
export_generated = Signal()
