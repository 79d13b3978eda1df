"""Small helpers every domain service uses."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models, transaction
from django.dispatch import Signal


def send_on_commit(signal: Signal, sender: type[models.Model], **kwargs: Any) -> None:
    """Send ``signal`` once the surrounding transaction commits (never on rollback).

    Receivers run in the context of the write (request id, channel), even when the commit
    happens after that context ended (a test that runs on-commit callbacks afterwards).
    """
    ctx = contextvars.copy_context()
    transaction.on_commit(lambda: ctx.run(signal.send, sender=sender, **kwargs))


def apply_changes(
    instance: models.Model, data: Mapping[str, Any], *, allowed: Iterable[str]
) -> list[str]:
    """Set the allowed fields of ``data`` that differ on ``instance``; return their names.

    Unknown keys are a programming error and raise ``TypeError``; the caller validates
    and saves with ``update_fields`` so concurrent edits of other fields are not lost.
    """
    allowed = set(allowed)
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def save_changes(instance: models.Model, changed: list[str]) -> None:
    """Validate and save only ``changed`` (plus ``updated_at`` when the model has it)."""
    instance.full_clean()
    fields = list(changed)
    if hasattr(instance, "updated_at"):
        fields.append("updated_at")
    instance.save(update_fields=fields)


# --- Feature flags and switches ------------------------------------------------------------
# Every save and delete of a flag or switch row is observed through the model signals
# (connected in ``apps.core.events``), whoever makes it: the admin, waffle's commands
# (``waffle_flag``, ``waffle_switch``, ``waffle_delete``), ``manage.py flags sync`` or a
# shell. Only queryset ``update()`` bypasses model signals; the admin's bulk actions use it,
# so they compare and announce themselves inside ``flag_changes_announced_by_caller``.

_announced_by_caller: ContextVar[bool] = ContextVar("flag_changes_by_caller", default=False)
_STATE_BEFORE = "_flag_state_before"


def _flag_toggle(model: type[models.Model], name: str) -> Any:
    """The declaration behind a row; rows the code does not use are never announced."""
    from waffle.models import AbstractBaseFlag

    from apps.core import flags

    kind = flags.Kind.FLAG if issubclass(model, AbstractBaseFlag) else flags.Kind.SWITCH
    return flags.find(name, kind)


def flag_state_in_db(model: type[models.Model], pk: Any, name: str) -> bool:
    """The row's state as stored (a missing row is the declared default)."""
    from apps.core import flags

    row = model._default_manager.filter(pk=pk).first() if pk is not None else None
    return flags.row_state(row, _flag_toggle(model, name))


def flag_announce(model: type[models.Model], name: str, before: bool, row: Any) -> None:
    """Send ``flag_changed`` on commit when a declared flag's state differs from ``before``."""
    from apps.core import flags, signals

    toggle = _flag_toggle(model, name)
    if toggle is None:
        return
    after = flags.row_state(row, toggle)
    if after != before:
        send_on_commit(signals.flag_changed, model, name=name, kind=str(toggle.kind), active=after)


@contextmanager
def flag_changes_announced_by_caller() -> Iterator[None]:
    """Within the block, the model signals do not announce: the caller compares and does."""
    token = _announced_by_caller.set(True)
    try:
        yield
    finally:
        _announced_by_caller.reset(token)


def flag_row_saving(instance: Any) -> None:
    """``pre_save`` of a flag or switch: remember the state before the write."""
    if _announced_by_caller.get():
        return
    pk = None if instance._state.adding else instance.pk
    setattr(instance, _STATE_BEFORE, flag_state_in_db(type(instance), pk, instance.name))


def flag_row_saved(instance: Any) -> None:
    """``post_save`` of a flag or switch: announce a change of state."""
    if _announced_by_caller.get() or not hasattr(instance, _STATE_BEFORE):
        return
    before = instance.__dict__.pop(_STATE_BEFORE)
    flag_announce(type(instance), instance.name, before, instance)


def flag_row_deleted(instance: Any) -> None:
    """``post_delete`` of a flag or switch: the row is gone, its default applies again."""
    from apps.core import flags

    if _announced_by_caller.get():
        return
    model = type(instance)
    before = flags.row_state(instance, _flag_toggle(model, instance.name))
    flag_announce(model, instance.name, before, None)
