"""Small helpers every domain service uses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.dispatch import Signal


def send_on_commit(signal: Signal, sender: type[models.Model], **kwargs: Any) -> None:
    """Send ``signal`` once the surrounding transaction commits (never on rollback)."""
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs))


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
