"""Analytics adapter of the core app: an operator turned a feature flag or switch on or off.

``feature_flag.changed`` is declared here, by the app that owns the flags; only names
declared in ``apps.core.flags`` ever reach it, never one typed into the admin.

Flag and switch rows are observed through waffle's model signals, so every door that
saves or deletes a row is announced: the admin, ``manage.py waffle_flag`` /
``waffle_switch`` / ``waffle_delete`` (channel ``cli``), ``manage.py flags sync`` and a
shell. The admin's bulk actions (queryset updates, which send no model signal) compare and
announce themselves; see ``apps.core.services.flag_changes_announced_by_caller``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from waffle import get_waffle_flag_model, get_waffle_switch_model

import analytics
from analytics import context
from analytics.catalogue import Bool, Enum, Identifier, channel_property, declare
from apps.core import services, signals

declare(
    "feature_flag.changed",
    "An operator turned a feature flag, switch or sample on or off.",
    properties={
        "kind": Enum("What was changed.", choices=("flag", "switch", "sample")),
        "flag_name": Identifier("Name of the flag as declared in the code (not user input)."),
        "state": Bool("Whether it is now active."),
        "channel": channel_property(),
    },
)

for _model in (get_waffle_flag_model(), get_waffle_switch_model()):
    _label = _model._meta.label_lower
    pre_save.connect(
        lambda instance, **_: services.flag_row_saving(instance),
        sender=_model,
        weak=False,
        dispatch_uid=f"core:flag_row_saving:{_label}",
    )
    post_save.connect(
        lambda instance, **_: services.flag_row_saved(instance),
        sender=_model,
        weak=False,
        dispatch_uid=f"core:flag_row_saved:{_label}",
    )
    post_delete.connect(
        lambda instance, **_: services.flag_row_deleted(instance),
        sender=_model,
        weak=False,
        dispatch_uid=f"core:flag_row_deleted:{_label}",
    )


@analytics.receiver(signals.flag_changed)
def _flag_changed(*, name: str, kind: str, active: bool, **_: Any) -> None:
    analytics.emit(
        "feature_flag.changed",
        kind=kind,
        flag_name=name,
        state=active,
        channel=context.channel(),
    )
