"""REST framework settings hooks: pagination, error format, JSON types of request bodies.

Kept apart from ``apps.core.api`` because DRF imports these while its own generic views
are being imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import fields, pagination, relations, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

# Service errors whose code means "the state does not allow it" rather than "bad input".
CONFLICT_CODES = frozenset({"conflict", "no_timer", "protected"})


class Pagination(pagination.PageNumberPagination):
    """Pages of 50 by default; ``page_size`` from 1 to 500, anything else answers 400.

    DRF's own pagination silently falls back to the default for a page size it cannot
    read and cuts larger ones down to the maximum; a client that asked for something
    else than it gets should hear so.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Expected a page size from 1 to %(maximum)d.")
                        % {"maximum": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1; a page past the last one answers 404.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, 1 to {self.max_page_size} "
                f"(default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def json_type_error(field: fields.Field, value: Any) -> str | None:
    """Why ``value``, from a JSON body, is not of the JSON type ``field`` documents.

    DRF coerces for HTML forms: ``0`` becomes the name ``"0"``, ``"yes"`` becomes true.
    A JSON client sends the type the OpenAPI document names. (Related ids keep their own
    rule, ``apps.core.api.StrictPrimaryKeyRelatedField``: a number or a string of digits.)
    """
    if value is None:
        return None  # whether null is allowed is the field's own check
    if isinstance(field, fields.BooleanField):
        return None if isinstance(value, bool) else _("Must be true or false.")
    if isinstance(field, fields.CharField):
        return None if isinstance(value, str) else _("Not a valid string.")
    if isinstance(field, fields.DecimalField):
        ok = isinstance(value, str | int | float) and not isinstance(value, bool)
        return None if ok else _("A valid number is required.")
    if isinstance(field, relations.RelatedField) and value == "":
        return _("Expected an id, or null.")  # DRF reads a form's empty string as null
    if isinstance(field, fields.IntegerField):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else _("Expected a whole number.")
    return None


class JSONTypesMixin:
    """A serializer mixin: values of a JSON body must have the documented JSON types.

    Form and multipart posts (whose values are all strings) keep DRF's coercion.
    """

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, list[str]] = {}
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            errors = {
                name: [message]
                for name, field in self.fields.items()
                if not field.read_only
                and name in data
                and (message := json_type_error(field, data[name])) is not None
            }
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except ValidationError as exc:
            if not errors:
                raise
            # Every field's problem in one answer, as DRF gives them.
            detail = (
                exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            )
            raise ValidationError({**detail, **errors}) from None
        if errors:
            raise ValidationError(errors)
        return value


def _codes(exc: DjangoValidationError) -> set[str | None]:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django ``ValidationError`` from services as field errors."""
    if isinstance(exc, RequestDataTooBig):
        # Django's own check of DATA_UPLOAD_MAX_MEMORY_SIZE; answered in the API's shape.
        return Response(
            {"detail": _("The request body is larger than the server accepts.")},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, IntegrityError):
        # The services validate first; a constraint that still fails lost a race with a
        # concurrent write of the same row (the same name, a second running timer).
        return Response(
            {"detail": _("This conflicts with a change made at the same moment; try again.")},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        status_code = (
            status.HTTP_409_CONFLICT
            if _codes(exc) & CONFLICT_CODES
            else status.HTTP_400_BAD_REQUEST
        )
        return Response(as_serializer_error(exc), status=status_code)
    return drf_exception_handler(exc, context)
