"""Analytics adapter of the core app: an operator turned a feature flag or switch on or off.

``feature_flag.changed`` is declared by the analytics app itself (``builtin_events``);
only names declared in ``apps.core.flags`` ever reach it, never one typed into the admin.
"""

from __future__ import annotations

from typing import Any

import analytics
from apps.core import signals


@analytics.receiver(signals.flag_changed)
def _flag_changed(*, name: str, kind: str, active: bool, **_: Any) -> None:
    analytics.emit("feature_flag.changed", kind=kind, flag_name=name, state=active)
