"""API plumbing shared by every app: permissions, a service viewset, query parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Model
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

_M = TypeVar("_M", bound=Model)

# The largest id a 64-bit primary key holds; larger numbers are refused, not looked up.
MAX_ID = 2**63 - 1


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField[Any]):
    """An id given as a JSON integer (or a string of digits, for form posts).

    DRF's own field hands the value to the database lookup, which turns ``1.5`` into
    project 1 and ``true`` into a type error; here anything but a whole number is refused.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer[Any]):
    """DRF's model serializer with strict related ids (see StrictPrimaryKeyRelatedField)."""

    serializer_related_field = StrictPrimaryKeyRelatedField


def user_has_admin_role(user: Any) -> bool:
    """Whether ``user`` holds the admin role, as the function ``ADMIN_ROLE_CHECK`` names decides.

    A dotted path rather than an import keeps core the bottom layer: the accounts app owns
    roles (``apps.accounts.selectors.user_is_admin``). Unset, only superusers are admins.
    """
    path = getattr(settings, "ADMIN_ROLE_CHECK", None)
    if not path:
        return bool(getattr(user, "is_superuser", False))
    return bool(import_string(path)(user))


class IsAdminRole(permissions.BasePermission):
    message = _("Only admins can do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_has_admin_role(request.user)


class ServiceViewSet(viewsets.ModelViewSet[_M]):
    """A model viewset whose writes go through the app's service functions.

    Subclasses implement ``create_object``, ``update_object`` and ``delete_object`` (and
    mix in ``ArchivableMixin`` with ``archive_object`` when the model can be archived).
    Actions in ``admin_actions`` need the admin role; members get 403 for them.
    """

    admin_actions: frozenset[str] = frozenset({"destroy", "archive", "restore"})

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action in self.admin_actions:
            return [permissions.IsAuthenticated(), IsAdminRole()]
        return [permissions.IsAuthenticated()]

    @property
    def actor_id(self) -> int | None:
        return self.request.user.pk

    def create_object(self, data: dict[str, Any]) -> _M:
        raise NotImplementedError

    def update_object(self, instance: _M, data: dict[str, Any]) -> _M:
        raise NotImplementedError

    def delete_object(self, instance: _M) -> None:
        raise NotImplementedError

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = self.create_object(dict(serializer.validated_data))

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = self.update_object(
            serializer.instance, dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: _M) -> None:
        self.delete_object(instance)


class ArchivableMixin(Generic[_M]):
    """``POST .../archive/`` and ``.../restore/`` for models with an ``archived`` flag."""

    if TYPE_CHECKING:  # provided by the ServiceViewSet it is mixed into

        def get_object(self) -> _M: ...

        def get_serializer(self, *args: Any, **kwargs: Any) -> Any: ...

    def archive_object(self, instance: _M, archived: bool) -> _M:
        raise NotImplementedError

    def _set_archived(self, archived: bool) -> Response:
        instance = self.archive_object(self.get_object(), archived)
        return Response(self.get_serializer(instance).data)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        """Archive (admins only): hidden from pickers, kept in reports."""
        return self._set_archived(True)

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        """Undo an archive (admins only)."""
        return self._set_archived(False)


def id_param(request: Request, name: str) -> int | None:
    """Parse an optional id query parameter, or answer 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        raise exceptions.ValidationError(
            {name: [_("Expected a %(name)s id (a whole number).") % {"name": name}]}
        )
    return int(raw)


def bool_param(request: Request, name: str) -> bool | None:
    """Parse an optional boolean query parameter, or answer 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in {"1", "true", "yes"}:
        return True
    if raw.lower() in {"0", "false", "no"}:
        return False
    raise exceptions.ValidationError({name: [_("Expected true or false.")]})
