"""Lead every page to the first-run setup while the installation has no administrator."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from telemetry import conf, setup


def setup_url() -> str | None:
    """Where the setup page is mounted; ``None`` when this URLconf has none."""
    try:
        return reverse("telemetry:setup")
    except NoReverseMatch:
        return None


def _exempt_prefixes() -> tuple[str, ...]:
    prefixes = [url for url in (setup_url(),) if url] + list(conf.setup_exempt_paths())
    for name in ("STATIC_URL", "MEDIA_URL"):
        url = str(getattr(settings, name, None) or "")
        # An unset MEDIA_URL reads as "/", which would exempt everything.
        if url.startswith("/") and url != "/":
            prefixes.append(url)
    return tuple(prefixes)


def is_exempt(path: str) -> bool:
    for prefix in _exempt_prefixes():
        if path == prefix or path.startswith(prefix if prefix.endswith("/") else prefix + "/"):
            return True
    return False


class SetupRequiredMiddleware:
    """Redirect to ``/setup/`` until an administrator exists.

    Health checks, metrics, static files and the API (``TELEMETRY_SETUP_EXEMPT_PATHS``)
    answer as usual: probes keep working and API clients get their 401. Addresses that
    match no view keep their 404. Once setup is done the check costs nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        target = setup_url()
        if target is None or is_exempt(path) or not setup.needed():
            return self.get_response(request)
        try:
            resolve(path)
        except Resolver404:
            return self.get_response(request)
        return HttpResponseRedirect(target)
