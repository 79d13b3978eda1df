"""Maintenance mode: while the ``maintenance-mode`` switch is on, changes answer 503.

Reads (GET, HEAD, OPTIONS) work as usual, so people can still look up and export their
time. Three kinds of request are let through on purpose:

* the Django admin, where an operator turns the switch off again;
* logging in and out (the form and the API token exchange), so that the operator can reach
  the admin; they touch the session and the last-login time, no tracked data;
* health and metrics endpoints, which only read anyway.

The web UI gets an HTML page, the API a JSON body ``{"detail": ...}``, both with status
503 (Service Unavailable), which clients and proxies understand as "try again later".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core import flags

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Marked for translation and kept in English here (the tests compare it); each answer
# translates it into the language of its request.
MESSAGE = gettext_noop(
    "TimeTracker is in maintenance mode: changes are switched off for the moment. "
    "You can still read and export your time; please try your change again later."
)
API_PREFIX = "/api/"


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # a URLconf without it (a test's, a trimmed deployment's)
        return None


def _let_through(path: str) -> bool:
    admin = _url("admin:index")
    if admin is not None and path.startswith(admin):
        return True
    # Health probes, whatever their method, must not read the switch (a database or cache
    # read): /healthz answers while the database hangs.
    return path in {
        _url("login"),
        _url("logout"),
        _url("api-token"),
        _url("healthz"),
        _url("readyz"),
    }


def refused(request: HttpRequest) -> HttpResponse:
    """The 503 answer to a change made during maintenance."""
    message = _(MESSAGE)
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=503)
    return render(request, "maintenance.html", {"message": message}, status=503)


class MaintenanceModeMiddleware:
    """Answer unsafe requests with 503 while the ``maintenance-mode`` switch is on.

    Sits after the authentication and message middleware so the page renders like any
    other, and before any view runs (CSRF is checked in the view phase, after this).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The switch is read only for changes: reads cost nothing extra.
        if (
            request.method not in SAFE_METHODS
            and not _let_through(request.path)
            and flags.switch_is_active(flags.MAINTENANCE_MODE)
        ):
            return refused(request)
        return self.get_response(request)


def maintenance_mode(request: HttpRequest) -> dict[str, Any]:
    """Template context: ``maintenance_mode``, read only when a template asks for it."""
    return {"maintenance_mode": lambda: flags.switch_is_active(flags.MAINTENANCE_MODE)}
