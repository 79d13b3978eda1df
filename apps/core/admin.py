"""waffle's admin pages, observed: turning a declared flag or switch on or off is announced.

waffle registers its own ModelAdmins; they are replaced here by subclasses that compare
the state (``apps.core.flags.row_state``) before and after each save, delete and bulk
action, and send ``flag_changed`` on commit when it differs. Django's admin (and waffle's
bulk actions) already write the admin log entry of every change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from waffle import admin as waffle_admin
from waffle.models import Flag, Switch
from waffle.utils import get_setting

from apps.core import flags, signals
from apps.core.services import send_on_commit

Action = Callable[[Any, HttpRequest, QuerySet[Any]], Any]


def _toggle(model: type[Model], name: str) -> flags.Toggle | None:
    """The declaration behind a row; rows the code does not use are not announced."""
    return flags.find(name, flags.Kind.FLAG if issubclass(model, Flag) else flags.Kind.SWITCH)


def _announce(model: type[Model], name: str, before: bool, row: Model | None) -> None:
    toggle = _toggle(model, name)
    if toggle is None:
        return
    after = flags.row_state(row, toggle)
    if after != before:
        send_on_commit(signals.flag_changed, model, name=name, kind=str(toggle.kind), active=after)


def _state_in_db(model: type[Model], pk: Any, name: str) -> bool:
    row = model._default_manager.filter(pk=pk).first() if pk is not None else None
    return flags.row_state(row, _toggle(model, name))


def _observed(action: Action) -> Action:
    """A bulk action that announces each row whose state it changed."""

    @functools.wraps(action)
    def run(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        model = queryset.model
        before = {
            row.pk: (row.name, flags.row_state(row, _toggle(model, row.name))) for row in queryset
        }
        result = action(modeladmin, request, queryset)
        after = model._default_manager.in_bulk(list(before))
        for pk, (name, state) in before.items():
            _announce(model, name, state, after.get(pk))
        return result

    return run


class _Observed(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = _state_in_db(type(obj), obj.pk, obj.name)
        super().save_model(request, obj, form, change)
        _announce(type(obj), obj.name, before, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        before = flags.row_state(obj, _toggle(type(obj), obj.name))
        super().delete_model(request, obj)
        _announce(type(obj), obj.name, before, None)

    @admin.display(description="Used by the code")
    def declared_owner(self, obj: Any) -> str:
        toggle = _toggle(type(obj), obj.name)
        return f"yes ({toggle.owner})" if toggle is not None else "no"


class FlagAdmin(_Observed, waffle_admin.FlagAdmin):
    actions = [_observed(action) for action in waffle_admin.FlagAdmin.actions]
    list_display = (*waffle_admin.FlagAdmin.list_display, "declared_owner")


class SwitchAdmin(_Observed, waffle_admin.SwitchAdmin):
    actions = [_observed(action) for action in waffle_admin.SwitchAdmin.actions]
    list_display = (*waffle_admin.SwitchAdmin.list_display, "declared_owner")


if get_setting("ENABLE_ADMIN_PAGES"):
    for _model, _admin in ((Flag, FlagAdmin), (Switch, SwitchAdmin)):
        if admin.site.is_registered(_model):
            admin.site.unregister(_model)
        admin.site.register(_model, _admin)
