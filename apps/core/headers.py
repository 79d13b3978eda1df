"""Browser policies Django and django-csp do not send: Permissions-Policy and CORP.

``Content-Security-Policy`` comes from django-csp (``CONTENT_SECURITY_POLICY`` in settings)
and ``Cross-Origin-Opener-Policy`` from Django's ``SecurityMiddleware``
(``SECURE_CROSS_ORIGIN_OPENER_POLICY``). This middleware adds the other two to every
response, static files included, unless a view set its own value:

* ``Permissions-Policy`` from ``PERMISSIONS_POLICY``, a mapping of feature to allow-list:
  an empty list switches the feature off for the page and every frame (``camera=()``),
  ``["self"]`` allows it for this origin only (``fullscreen=(self)``);
* ``Cross-Origin-Resource-Policy`` from ``CROSS_ORIGIN_RESOURCE_POLICY`` (``same-origin``):
  other sites cannot embed our responses (pages, exports, static files) with ``<img>``,
  ``<script>`` or ``fetch(..., {mode: "no-cors"})``.

Both settings are read once, when the middleware is created; ``None`` or an empty mapping
sends no header.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase

# A feature name (``camera``, ``publickey-credentials-get``) and an allow-list item:
# ``self``, ``*`` or a quoted origin. Anything else would let a setting split the header.
_FEATURE = re.compile(r"^[a-z][a-z0-9-]*$")
_ORIGIN = re.compile(r'^(self|\*|"https?://[A-Za-z0-9.-]+(:\d+)?")$')
CORP_VALUES = ("same-origin", "same-site", "cross-origin")
# What an operator may add to a CSP directive (CSP_EXTRA_*): a scheme (``https:``,
# ``data:``), a host with an optional scheme, port and path (``https://cdn.example.com``,
# ``*.example.com``), or a hash. Keywords stay with the settings: 'unsafe-inline' would be
# ignored beside the nonce anyway, and 'unsafe-eval' or 'none' are not additions.
_SOURCE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*:"
    r"|(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::(?:\d+|\*))?"
    r"(?:/[A-Za-z0-9._~%!$&()*+=:@/-]*)?"
    r"|'sha(?:256|384|512)-[A-Za-z0-9+/]+={0,2}')$"
)
_URI = re.compile(r"^(?:https?://[A-Za-z0-9.-]+(?::\d+)?)?/[A-Za-z0-9._~%!$&()*+=:@/?-]*$")


def csp_sources(name: str, values: Sequence[str]) -> list[str]:
    """``values`` (from the environment variable ``name``) if each is a CSP source.

    Raises ``ImproperlyConfigured`` naming the variable otherwise, so that a stray
    quote, semicolon or space cannot end the directive and start another.
    """
    for value in values:
        if not _SOURCE.match(value):
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not a CSP source (a scheme such as https:, a host "
                "such as https://cdn.example.com or *.example.com, or a 'sha256-...' hash)"
            )
    return list(values)


def csp_report_uri(name: str, value: str) -> str:
    """``value`` if it is an absolute http(s) URL or a path; ``ImproperlyConfigured`` if not."""
    if not _URI.match(value):
        raise ImproperlyConfigured(
            f"{name}: {value!r} is not a report address (https://host/path or /path)"
        )
    return value


def permissions_policy(features: Mapping[str, Sequence[str]]) -> str:
    """The header value for ``features``: ``camera=(), fullscreen=(self)``.

    Raises ``ImproperlyConfigured`` on a feature or origin that is not well formed.
    """
    parts = []
    for feature, allow in features.items():
        if not _FEATURE.match(feature):
            raise ImproperlyConfigured(f"PERMISSIONS_POLICY: bad feature name {feature!r}")
        if isinstance(allow, str):
            raise ImproperlyConfigured(
                f"PERMISSIONS_POLICY[{feature!r}]: expected a list of origins, got a string"
            )
        for origin in allow:
            if not _ORIGIN.match(origin):
                raise ImproperlyConfigured(
                    f"PERMISSIONS_POLICY[{feature!r}]: bad origin {origin!r} "
                    '(self, * or a quoted origin such as "https://example.com")'
                )
        parts.append(f"{feature}=({' '.join(allow)})")
    return ", ".join(parts)


class BrowserPolicyMiddleware:
    """Adds ``Permissions-Policy`` and ``Cross-Origin-Resource-Policy`` to responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        features = getattr(settings, "PERMISSIONS_POLICY", None) or {}
        self.permissions_policy = permissions_policy(features) if features else ""
        corp = getattr(settings, "CROSS_ORIGIN_RESOURCE_POLICY", None) or ""
        if corp and corp not in CORP_VALUES:
            raise ImproperlyConfigured(
                f"CROSS_ORIGIN_RESOURCE_POLICY: expected one of {', '.join(CORP_VALUES)}, "
                f"got {corp!r}"
            )
        self.resource_policy = corp

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if self.resource_policy:
            response.headers.setdefault("Cross-Origin-Resource-Policy", self.resource_policy)
        return response
