"""The Django admin as one more door to the services, never a second way to write.

``ServiceAdmin`` is the base of every domain ModelAdmin: its save, delete and bulk delete
call the app's service functions, so validation, domain signals and events are the same
as from the web UI, the API and the commands. Its form runs the service in a savepoint
that is rolled back (a dry run) after the model's own ``clean()``, so any rule the
service has shows as a form error and nothing is saved; the real write happens in
``save_model``.

waffle's own ModelAdmins are replaced by subclasses whose bulk actions (queryset updates,
which send no model signal) compare the state (``apps.core.flags.row_state``) before and
after and announce each change; single saves and deletes are announced by the model
signals observed in ``apps.core.events``, for every door.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router, transaction
from django.db.models import Model, QuerySet
from django.forms import BaseForm, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from waffle import admin as waffle_admin
from waffle.models import Flag, Switch
from waffle.utils import get_setting

from apps.core import flags
from apps.core.services import flag_announce, flag_changes_announced_by_caller

Action = Callable[[Any, HttpRequest, QuerySet[Any]], Any]


# --- Services behind the admin ---------------------------------------------------------------


class _DryRun(Exception):
    """Raised to roll a dry run back."""


def add_service_errors(form: BaseForm, exc: ValidationError) -> None:
    """Show a service's errors next to the fields they name, the others above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        form.add_error(target, errors)


def refusal(write: Callable[[], Any], *, using: str | None = None) -> ValidationError | None:
    """Run ``write`` in a savepoint that is always rolled back; its ValidationError, if any.

    Signals sent on commit and events are discarded with the savepoint.
    """
    try:
        with transaction.atomic(using=using):
            write()
            raise _DryRun
    except _DryRun:
        return None
    except ValidationError as exc:
        return exc


def _adopt(obj: Model, saved: Model) -> None:
    """Make the admin's unsaved ``obj`` the row the service wrote (pk and every field)."""
    for model_field in obj._meta.concrete_fields:
        setattr(obj, model_field.attname, getattr(saved, model_field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are service calls.

    Subclasses implement ``service_create(request, data)`` (``data``: the cleaned form
    fields), ``service_update(request, obj, data)`` (``obj`` fresh from the database,
    ``data``: only the fields the form changed) and ``service_delete(request, obj)``.
    """

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    # --- The write, for the form's dry run and for save_model --------------------------------
    def _fresh(self, pk: Any) -> Any:
        return self.model._default_manager.get(pk=pk)

    def service_write(self, request: HttpRequest, form: ModelForm) -> Model:
        if form.instance._state.adding:
            return self.service_create(request, dict(form.cleaned_data))
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        return self.service_update(request, self._fresh(form.instance.pk), data)

    def _using(self) -> str:
        return router.db_for_write(self.model)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(form_class):  # type: ignore[misc, valid-type]
            def _post_clean(self) -> None:
                super()._post_clean()  # the model's clean(): field and row rules
                if self._errors:
                    return
                problem = refusal(
                    lambda: model_admin.service_write(request, self), using=model_admin._using()
                )
                if problem is not None:
                    add_service_errors(self, problem)

        ServiceForm.__name__ = form_class.__name__
        return ServiceForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        _adopt(obj, self.service_write(request, form))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic(using=self._using()):
            for obj in queryset:
                self.service_delete(request, obj)

    def _delete_refusals(self, request: HttpRequest, objs: list[Any]) -> list[str]:
        found = []
        for obj in objs:
            problem = refusal(
                cast(
                    "Callable[[], Any]",
                    lambda obj=obj: self.service_delete(request, self._fresh(obj.pk)),
                ),
                using=self._using(),
            )
            if problem is not None:
                found.append(
                    # Translators: the row a delete was refused for, and why.
                    gettext("%(object)s: %(problem)s")
                    % {"object": obj, "problem": " ".join(problem.messages)}
                )
        return found

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The service may refuse (a project with time entries): say so instead of a 500.
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_delete_permission(request, obj):
                for message in self._delete_refusals(request, [obj]):
                    self.message_user(request, message, messages.ERROR)
                    return HttpResponseRedirect(request.path)
        return super().delete_view(request, object_id, extra_context)

    @admin.action(
        permissions=["delete"],
        description=admin_actions.delete_selected.short_description,  # type: ignore[attr-defined]
    )
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        """Django's "delete selected", through the service for each row (delete_queryset)."""
        if request.POST.get("post"):
            refused = self._delete_refusals(request, list(queryset))
            if refused:
                for message in refused:
                    self.message_user(request, message, messages.ERROR)
                return None
        return admin_actions.delete_selected(self, request, queryset)

    actions: Sequence[Action | str] | None = ["delete_selected"]


class ArchivableServiceAdmin(ServiceAdmin):
    """A ServiceAdmin whose ``archived`` box is the app's archive service, not a field write.

    Subclasses implement ``service_edit(request, obj, data)`` for the other changed fields
    and ``service_archive(request, obj, archived)``; a new row starts active.
    """

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        return fields if obj is None else [*fields, "archived"]

    def service_edit(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def service_archive(self, request: HttpRequest, obj: Any, archived: bool) -> None:
        raise NotImplementedError

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        archived = data.pop("archived", None)
        if data:
            self.service_edit(request, obj, data)
        if archived is not None:
            self.service_archive(request, obj, archived)
        return obj


def actor_id(request: HttpRequest) -> int | None:
    return getattr(request.user, "pk", None)


# --- waffle --------------------------------------------------------------------------------


def _toggle(model: type[Model], name: str) -> flags.Toggle | None:
    """The declaration behind a row; rows the code does not use are not announced."""
    return flags.find(name, flags.Kind.FLAG if issubclass(model, Flag) else flags.Kind.SWITCH)


def _observed(action: Action) -> Action:
    """A bulk action that announces each row whose state it changed."""

    @functools.wraps(action)
    def run(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        model = queryset.model
        before = {
            row.pk: (row.name, flags.row_state(row, _toggle(model, row.name))) for row in queryset
        }
        with flag_changes_announced_by_caller():
            result = action(modeladmin, request, queryset)
        after = model._default_manager.in_bulk(list(before))
        for pk, (name, state) in before.items():
            flag_announce(model, name, state, after.get(pk))
        return result

    return run


class _Observed(admin.ModelAdmin):
    @admin.display(description=_("Used by the code"))
    def declared_owner(self, obj: Any) -> str:
        toggle = _toggle(type(obj), obj.name)
        if toggle is None:
            return pgettext("flag used by the code", "no")
        # The owner is an app label (not translated).
        return pgettext("flag used by the code", "yes (%(owner)s)") % {"owner": toggle.owner}


class FlagAdmin(_Observed, waffle_admin.FlagAdmin):
    actions = [_observed(cast(Action, action)) for action in waffle_admin.FlagAdmin.actions]
    list_display = (*waffle_admin.FlagAdmin.list_display, "declared_owner")  # type: ignore[assignment]


class SwitchAdmin(_Observed, waffle_admin.SwitchAdmin):
    actions = [_observed(cast(Action, action)) for action in waffle_admin.SwitchAdmin.actions]
    list_display = (*waffle_admin.SwitchAdmin.list_display, "declared_owner")  # type: ignore[assignment]


if get_setting("ENABLE_ADMIN_PAGES"):
    for _model, _admin in ((Flag, FlagAdmin), (Switch, SwitchAdmin)):
        if admin.site.is_registered(_model):
            admin.site.unregister(_model)
        admin.site.register(_model, _admin)
