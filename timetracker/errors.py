"""The project's answer to an uncaught exception (Django's ``handler500``).

A database that is down, refuses connections or cancels a statement
(``DATABASE_STATEMENT_TIMEOUT``) is an outage, not a bug: those requests answer 503 with
``Retry-After``, so load balancers and clients retry instead of reporting an error. Every
other exception keeps Django's 500. API paths get the API's JSON error shape.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "The database is unavailable; try again in a moment."


def _is_database_outage(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def page_not_found(
    request: HttpRequest, exception: Exception, template_name: str = "404.html"
) -> HttpResponse:
    """The API's JSON 404 under /api/ (also for paths no route matches), the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """503 for a database outage, Django's own 500 page otherwise."""
    if not _is_database_outage(sys.exc_info()[1]):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "A server error occurred."}, status=500)
        return defaults.server_error(request, template_name)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": UNAVAILABLE}, status=503)
    else:
        response = HttpResponse(
            f"<!doctype html><title>Unavailable</title><h1>Unavailable</h1><p>{UNAVAILABLE}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
