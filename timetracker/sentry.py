"""Sentry error reporting, configured so that nothing personal leaves the machine.

Only used when ``SENTRY_DSN`` is set. On top of the SDK's own switches (no default PII, no
request bodies, no local variables) ``before_send`` removes what the SDK would still
attach: cookies, query strings, most headers, user data, SQL parameters in breadcrumbs,
and e-mail or IP addresses in any message.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.utils import BadDsn, Dsn

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
SAFE_HEADERS = frozenset({"Accept", "Content-Type", "Content-Length", "Host", "X-Request-Id"})


def scrub_text(value: str) -> str:
    """Replace e-mail and IP addresses in free text."""
    value = EMAIL.sub("[email]", value)
    value = IPV4.sub("[ip]", value)
    return IPV6_CANDIDATE.sub(_ipv6, value)


def _ipv6(match: re.Match[str]) -> str:
    try:
        ipaddress.IPv6Address(match.group(0))
    except ValueError:
        return match.group(0)
    return "[ip]"


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        if "url" in request:
            request["url"] = _strip_query(str(request["url"]))
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k in SAFE_HEADERS}
    # The SDK may still attach the user id/email/IP from other integrations.
    event.pop("user", None)
    event.pop("server_name", None)
    crumbs = event.get("breadcrumbs")
    if isinstance(crumbs, dict):
        for crumb in crumbs.get("values", []):
            crumb.pop("data", None)  # SQL parameters can contain notes and names
    event.pop("extra", None)
    for key in ("message", "logentry", "exception", "breadcrumbs", "tags", "contexts"):
        if key in event:
            event[key] = _scrub(event[key])
    return event


_DSN_PROBLEMS = (
    ("Unsupported scheme", "it must start with https:// (or http://)"),
    ("Missing hostname", "it has no host name"),
    ("Missing public key", "it has no public key (the part before the @)"),
    ("Invalid project", "it does not end with a numeric project id"),
)


def dsn_problem(dsn: str) -> str | None:
    """Why ``dsn`` cannot be used, or None. Checked before ``init`` (which would raise)."""
    try:
        Dsn(dsn.strip())
    except BadDsn as exc:
        # The SDK's message can quote parts of the DSN; this one never does.
        reason = str(exc)
        for start, text in _DSN_PROBLEMS:
            if reason.startswith(start):
                return text
        return "it is not a Sentry DSN"
    return None


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        # 0 turns tracing off altogether (None): no spans are even prepared per request.
        traces_sample_rate=traces_sample_rate or None,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        include_source_context=False,
        before_send=before_send,  # type: ignore[arg-type]
        before_send_transaction=before_send,  # type: ignore[arg-type]
        integrations=[
            # No spans around signal receivers: the analytics adapters listen to many
            # signals, and wrapping each one costs every request (docs/performance.md).
            DjangoIntegration(signals_spans=False, cache_spans=False),
            # Log lines stay local (logs/app.jsonl): neither events nor breadcrumbs.
            LoggingIntegration(level=None, event_level=None),
        ],
        server_name="",
    )
