"""Request middleware of the web UI."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.accounts.selectors import user_timezone


def _probe_paths() -> set[str]:
    paths = set()
    for name in ("healthz", "readyz"):
        with contextlib.suppress(NoReverseMatch):  # a URLconf without them (a test's)
            paths.add(reverse(name))
    return paths


class TimezoneMiddleware:
    """Render and parse dates and times in the signed-in user's profile time zone.

    Entries are stored in UTC; activating the zone per request makes templates, form
    widgets and date inputs speak the user's wall-clock time. Must come after
    ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Health probes stay anonymous: reading the user would load the session (a database
        # read) on /healthz, which must answer while the database hangs.
        if request.path_info in _probe_paths():
            timezone.deactivate()
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user_timezone(user))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            # The active zone is thread-local: never let it leak into the next request.
            timezone.deactivate()
