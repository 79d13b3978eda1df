"""Request middleware of the web UI."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from apps.accounts.selectors import profile_get


def _probe_paths() -> set[str]:
    paths = set()
    for name in ("healthz", "readyz"):
        with contextlib.suppress(NoReverseMatch):  # a URLconf without them (a test's)
            paths.add(reverse(name))
    return paths


def profile_language(stored: str) -> str | None:
    """The profile's language if it is one of ``settings.LANGUAGES`` (blank, or a value
    written by hand that is none of them, means "from the browser")."""
    if not stored:
        return None
    return stored if any(stored == code for code, _ in settings.LANGUAGES) else None


class TimezoneMiddleware:
    """Render and parse dates and times in the signed-in user's profile time zone, and
    speak the profile's language when the user chose one.

    Entries are stored in UTC; activating the zone per request makes templates, form
    widgets and date inputs speak the user's wall-clock time. ``LocaleMiddleware`` has
    already chosen a language from ``Accept-Language``; a language stored in the profile
    overrides it for the rest of the request. Must come after ``AuthenticationMiddleware``
    (both read the profile the request has already loaded: no extra query).
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
        language = None
        if user is not None and user.is_authenticated:
            profile = profile_get(user=user)
            timezone.activate(profile.tzinfo)
            language = profile_language(profile.language)
        else:
            timezone.deactivate()
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
            if language is not None:
                response.headers["Content-Language"] = language
            return response
        finally:
            # The active zone is thread-local: never let it leak into the next request.
            timezone.deactivate()
