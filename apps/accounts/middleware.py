"""The second-factor gate, after django-otp's ``OTPMiddleware`` (docs/security.md).

A signed-in session that owes a second factor (its user has two-factor login on, or is
an admin while ``TWO_FACTOR_REQUIRED_FOR_ADMINS`` is true) is sent to the code page or the
enrolment page from every page, the Django admin included, except the paths in
``TWO_FACTOR_EXEMPT_PATHS`` and static files.

The API is not behind the second factor: it authenticates with tokens. A session that
owes the factor is anonymous there, so the API cannot be used to step around the gate.
One rule in one place covers the web UI and the admin alike, so the admin keeps Django's
own login page and an admin without a device (two-factor optional) can still open it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from apps.accounts.twofactor import two_factor_owed

API_PREFIX = "/api/"
PAGES = {"verify": "web:twofactor-verify", "setup": "web:twofactor-setup"}


def is_exempt(path: str) -> bool:
    prefixes = (settings.STATIC_URL or "/static/", *settings.TWO_FACTOR_EXEMPT_PATHS)
    return path.startswith(tuple(prefixes))


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(API_PREFIX):
            # Token requests carry no session; a session that owes the factor gets nothing.
            if two_factor_owed(request) is not None:
                request.user = AnonymousUser()
        elif not is_exempt(path):
            owed = two_factor_owed(request)
            if owed is not None:
                return HttpResponseRedirect(_page(owed, request))
        return self.get_response(request)


def _page(owed: str, request: HttpRequest) -> str:
    url = reverse(PAGES[owed])
    if request.method in ("GET", "HEAD"):
        url += "?" + urlencode({"next": request.get_full_path()})
    return url
