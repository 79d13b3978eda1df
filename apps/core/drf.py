"""REST framework settings hooks: pagination and error format.

Kept apart from ``apps.core.api`` because DRF imports these while its own generic views
are being imported.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

# Service errors whose code means "the state does not allow it" rather than "bad input".
CONFLICT_CODES = frozenset({"conflict", "no_timer", "protected"})


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _codes(exc: DjangoValidationError) -> set[str | None]:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django ``ValidationError`` from services as field errors."""
    if isinstance(exc, RequestDataTooBig):
        # Django's own check of DATA_UPLOAD_MAX_MEMORY_SIZE; answered in the API's shape.
        return Response(
            {"detail": "The request body is larger than the server accepts."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        status_code = (
            status.HTTP_409_CONFLICT
            if _codes(exc) & CONFLICT_CODES
            else status.HTTP_400_BAD_REQUEST
        )
        return Response(as_serializer_error(exc), status=status_code)
    return drf_exception_handler(exc, context)
