"""Login limits: django-axes' lockouts, as TimeTracker answers and counts them.

Axes (its database handler) counts failed logins per username and per client address
(``apps.core.net.client_address``) in the database, so every worker and replica sees the
same counts. After ``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME`` the
username or address is locked: every password, the right one too, is refused until the
cool-off has passed or an operator runs ``manage.py axes_reset``.

The doors: the login form, the Django admin login and ``POST /api/v1/auth/token/`` all go
through ``django.contrib.auth.authenticate`` with the request, which asks
:class:`LoginLimitBackend` first.
"""

from __future__ import annotations

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.forms.utils import ErrorList
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import ngettext
from prometheus_client import Counter

from apps.accounts import signals

LOCKED_OUT = Counter(
    "timetracker_login_locked_total",
    "Login attempts refused (or refused and locking) because the username or the client "
    "address has too many recent failures, by door.",
    ["channel"],
)
CHANNELS = ("web", "admin", "api")
for _channel_name in CHANNELS:
    LOCKED_OUT.labels(channel=_channel_name)


class LoginLimitBackend(AxesStandaloneBackend):
    """Refuses every password while the username or the client address is locked.

    First in ``AUTHENTICATION_BACKENDS``. A call without a request (the test client's
    ``login()``, a shell) is no door a client can reach and is not counted.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def cool_off_seconds(request: Any = None) -> int:
    cool_off = get_cool_off(request)
    return math.ceil(cool_off.total_seconds()) if cool_off else 0


def locked_message(request: Any = None) -> str:
    minutes = max(1, round(cool_off_seconds(request) / 60))
    return ngettext(
        "Too many failed logins for this account or from this address: logging in is "
        "locked for %(count)s minute, even with the right password. Try again later, or "
        "ask an administrator to unlock it.",
        "Too many failed logins for this account or from this address: logging in is "
        "locked for %(count)s minutes, even with the right password. Try again later, or "
        "ask an administrator to unlock it.",
        minutes,
    ) % {"count": minutes}


def locked_payload(request: Any = None) -> dict[str, Any]:
    """The JSON body of a locked answer on the API (HTTP 429, with Retry-After)."""
    return {
        "detail": locked_message(request),
        "code": "login_locked",
        "retry_after": cool_off_seconds(request),
    }


def door(request: Any) -> str:
    """web, admin or api: from the route name, never the URL."""
    match = getattr(request, "resolver_match", None)
    route = (match.view_name if match else "") or ""
    if route.startswith("admin:"):
        return "admin"
    if route.startswith("api") or str(getattr(request, "path_info", "")).startswith("/api/"):
        return "api"
    return "web"


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: what a locked login attempt gets back (HTTP 429).

    The login form and the admin login page are rendered again with the lockout as the
    form's error (their own templates, no extra page); the API gets JSON.
    """
    status = int(getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))
    message = locked_message(request)
    response: HttpResponse
    context = getattr(original_response, "context_data", None) or {}
    form: Any = context.get("form")
    if door(request) == "api":
        response = JsonResponse(locked_payload(request), status=status)
    elif isinstance(original_response, TemplateResponse) and hasattr(form, "errors"):
        # Replaces "wrong username or password": while locked that is not the reason.
        form.errors["__all__"] = ErrorList([message], error_class="nonfield")
        response = TemplateResponse(
            request,
            original_response.template_name,
            context,
            status=status,
            using=original_response.using,
        )
        response.render()
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(cool_off_seconds(request))
    return response


@receiver(user_locked_out, dispatch_uid="apps.accounts.login_limits.locked_out")
def _locked_out(*, request: Any = None, **_: Any) -> None:
    # The username and address arguments are deliberately not read.
    channel = door(request)
    LOCKED_OUT.labels(channel=channel).inc()
    limit = int(settings.AXES_FAILURE_LIMIT)
    started = getattr(request, "axes_failures_since_start", None) == limit
    signals.login_locked.send(sender=LoginLimitBackend, channel=channel, started=started)
