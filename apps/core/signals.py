"""Domain signals of the core app, sent on commit.

Receivers must only observe (analytics, metrics, logging).
"""

from __future__ import annotations

from django.dispatch import Signal

# flag_changed: name (str: a declared flag or switch), kind (str: "flag" | "switch"),
# active (bool: on for everyone now)
flag_changed = Signal()
