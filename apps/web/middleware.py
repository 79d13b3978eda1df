"""Request middleware of the web UI."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from apps.accounts.selectors import user_timezone


class TimezoneMiddleware:
    """Render and parse dates and times in the signed-in user's profile time zone.

    Entries are stored in UTC; activating the zone per request makes templates, form
    widgets and date inputs speak the user's wall-clock time. Must come after
    ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
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
