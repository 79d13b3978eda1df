"""Sentry error reporting under the same rule as PostHog: one allow-list decides what leaves.

Only used when ``SENTRY_DSN`` is set. Both hooks, ``before_send`` (errors) and
``before_send_transaction`` (traces), hand the SDK's event to :func:`allowed`, which
builds a *new* event from the few fields Sentry may receive (docs/privacy.md, "What Sentry
receives"): the exception type and the code frames, the route name, the request id, the
release, the environment and the pseudonymous actor id, plus the protocol's own ids and
timestamps. Anything else the SDK or a future integration attaches is not copied, so it
cannot leave by accident. Exception and log messages are replaced by the exception type
and the request id: the full message stays in the local JSON log line with the same
request id (docs/monitoring.md).

Breadcrumbs are not kept at all (``max_breadcrumbs=0``), and both hooks run only for an
error or a sampled trace.

Two configurations (docs/performance.md, section 1):

* **tracing off** (``SENTRY_TRACES_SAMPLE_RATE=0``, the default): errors only, and nothing
  of the SDK on the request path. No default or auto-enabled integrations (they patch the
  WSGI handler, every SQL query, every log record, outgoing HTTP and Redis calls) except
  three that only act when the process ends or an error is captured (atexit, dedupe,
  excepthook); a request's unhandled exception reaches Sentry from Django's own
  ``got_request_exception`` signal (:func:`capture_request_exception`), with the same
  allow-list;
* **tracing on** (a rate above 0): the SDK's Django integration, which wraps the request,
  the view, templates and SQL in spans (no middleware, signal or cache spans), and its
  default integrations.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import sentry_sdk
from django.core.signals import got_request_exception
from django.urls import Resolver404, resolve
from sentry_sdk.integrations import Integration
from sentry_sdk.integrations.atexit import AtexitIntegration
from sentry_sdk.integrations.dedupe import DedupeIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.excepthook import ExcepthookIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.transport import HttpTransport
from sentry_sdk.utils import BadDsn, Dsn, event_from_exception

from analytics import context, identity

# --- The allow-list (docs/privacy.md lists the same fields) ----------------------------------

# Protocol fields copied as they are: ids, timestamps, fixed words, the configured values.
EVENT_FIELDS = (
    "event_id",
    "type",
    "timestamp",
    "start_timestamp",
    "platform",
    "level",
    "release",
    "environment",
)
# The transaction name is the route name; a request that matched no route gets this one.
UNRESOLVED = "unresolved"
TRACE_FIELDS = ("trace_id", "span_id", "parent_span_id", "op", "status", "origin")
# The envelope header that Sentry uses for sampling ("dynamic sampling context").
DSC_FIELDS = (
    "trace_id",
    "public_key",
    "org_id",
    "release",
    "environment",
    "sample_rate",
    "sample_rand",
    "sampled",
)
SPAN_FIELDS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "same_process_as_parent",
    "op",
    "status",
    "origin",
    "start_timestamp",
    "timestamp",
)
# Span data values that are fixed words or numbers; everything else in ``data`` is dropped
# (template context, cache keys, SQL parameters, URLs, database names, thread names).
SPAN_DATA_FIELDS = ("db.system", "http.request.method", "http.response.status_code")
# Span descriptions are kept only for operations whose description is code.
CODE_DESCRIPTIONS = ("template.render", "view.render")
# Stack frames: where in the code, never the values (no ``vars``, no absolute paths).
FRAME_FIELDS = ("filename", "module", "function", "lineno", "colno", "in_app")
# Source lines are code; kept for the application's own frames when the SDK sends them.
SOURCE_FIELDS = ("pre_context", "context_line", "post_context")
MECHANISM_FIELDS = ("type", "handled", "exception_id", "parent_id", "source")
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Messages sent as they are: fixed texts of the database and network layers that quote
# nothing a user typed. Everything else is replaced by the type and the request id.
SAFE_MESSAGES = frozenset(
    {
        "",
        "database is locked",
        "timed out",
        "connection already closed",
        "maximum recursion depth exceeded",
    }
)

# A quoted SQL literal. Django passes values as parameters (which are never sent), but raw
# SQL can still inline one; the description keeps the statement and loses the value.
SQL_LITERAL = re.compile(r"'(?:[^']|'')*'")


def _copy(source: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(source, dict):
        return {}
    return {key: source[key] for key in fields if source.get(key) is not None}


def _route_from_url(url: Any) -> str | None:
    """The route name of a request URL (the path only; the query string is ignored)."""
    if not isinstance(url, str) or not url:
        return None
    try:
        return resolve(urlsplit(url).path).view_name or None
    except Resolver404:
        return None


def withheld(kind: str, request_id: str | None) -> str:
    """What Sentry gets instead of a message: the type and where to read the message."""
    where = f"request_id {request_id}" if request_id else "the time of this event"
    return f"{kind}: message withheld; read it in the local log line with {where}"


def _message(value: Any, kind: str, request_id: str | None) -> str:
    text = value if isinstance(value, str) else ""
    return text if text.strip() in SAFE_MESSAGES else withheld(kind, request_id)


def _frame(frame: Any) -> dict[str, Any]:
    kept = _copy(frame, FRAME_FIELDS)
    if kept.get("in_app"):
        kept.update(_copy(frame, SOURCE_FIELDS))
    return kept


def _exception(value: Any, request_id: str | None) -> dict[str, Any]:
    kept = _copy(value, ("type", "module"))
    kind = str(kept.get("type") or "Exception")
    kept["value"] = _message(
        value.get("value") if isinstance(value, dict) else None, kind, request_id
    )
    mechanism = _copy(value.get("mechanism") if isinstance(value, dict) else None, MECHANISM_FIELDS)
    if mechanism:
        kept["mechanism"] = mechanism
    stacktrace = value.get("stacktrace") if isinstance(value, dict) else None
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    if isinstance(frames, list):
        kept["stacktrace"] = {"frames": [_frame(frame) for frame in frames]}
    return kept


def _span_data(data: Any) -> dict[str, Any]:
    return {
        key: value
        for key, value in _copy(data, SPAN_DATA_FIELDS).items()
        if isinstance(value, int | float) or (isinstance(value, str) and value.isalnum())
    }


def _span(span: Any) -> dict[str, Any]:
    kept = _copy(span, SPAN_FIELDS)
    op = str(kept.get("op") or "")
    description = span.get("description") if isinstance(span, dict) else None
    if isinstance(description, str):
        if op == "db":
            kept["description"] = SQL_LITERAL.sub("'?'", description)
        elif op in CODE_DESCRIPTIONS:
            kept["description"] = description
    data = _span_data(span.get("data") if isinstance(span, dict) else None)
    if data:
        kept["data"] = data
    return kept


def _trace(trace: Any, route: str) -> dict[str, Any]:
    kept = _copy(trace, TRACE_FIELDS)
    data = _span_data(trace.get("data") if isinstance(trace, dict) else None)
    if data:
        kept["data"] = data
    dsc = trace.get("dynamic_sampling_context") if isinstance(trace, dict) else None
    if isinstance(dsc, dict):
        kept["dynamic_sampling_context"] = {**_copy(dsc, DSC_FIELDS), "transaction": route}
    return kept


def allowed(event: dict[str, Any]) -> dict[str, Any]:
    """A new event holding only what Sentry may receive (see the module docstring)."""
    ctx = context.current()
    request_id = ctx.request_id if ctx else None
    request = event["request"] if isinstance(event.get("request"), dict) else {}
    route = (ctx.route if ctx else None) or _route_from_url(request.get("url")) or UNRESOLVED

    kept = _copy(event, EVENT_FIELDS)
    sdk = _copy(event.get("sdk"), ("name", "version"))
    if sdk:
        kept["sdk"] = sdk
    kept["transaction"] = route
    kept["transaction_info"] = {"source": "route"}
    tags: dict[str, str] = {"route": route}
    if request_id:
        tags["request_id"] = request_id
    status = str((event.get("tags") or {}).get("http.status_code") or "")
    if status.isdigit():
        tags["http.status_code"] = status
    kept["tags"] = tags

    method = request.get("method")
    if method in HTTP_METHODS:
        kept["request"] = {"method": method}
    actor = ctx.actor_id(evaluate=False) if ctx else None
    if actor is not None:
        kept["user"] = {"id": identity.distinct_id(actor)}

    contexts = event["contexts"] if isinstance(event.get("contexts"), dict) else {}
    kept_contexts: dict[str, Any] = {}
    if "trace" in contexts:
        kept_contexts["trace"] = _trace(contexts["trace"], route)
    code = (contexts.get("response") or {}).get("status_code")
    if isinstance(code, int):
        kept_contexts["response"] = {"status_code": code}
    if kept_contexts:
        kept["contexts"] = kept_contexts

    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else None
    if isinstance(values, list):
        kept["exception"] = {"values": [_exception(value, request_id) for value in values]}
    if "message" in event or "logentry" in event:
        logentry = event["logentry"] if isinstance(event.get("logentry"), dict) else {}
        text = logentry.get("formatted") or logentry.get("message") or event.get("message")
        kept["message"] = _message(text, "Captured message", request_id)

    spans = event.get("spans")
    if isinstance(spans, list):
        kept["spans"] = [_span(span) for span in spans]
    return kept


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return allowed(event)


def before_send_transaction(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return allowed(event)


# --- The outbound ledger ----------------------------------------------------------------------


class LedgerTransport(HttpTransport):
    """The SDK's HTTP transport, writing each envelope it sends to the outbound ledger.

    Runs in the SDK's background worker thread. Records the body's size as it went on the
    wire (compressed), the HTTP status and the number of envelope items; never the body.
    """

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self._ledger_status = threading.local()

    def _request(self, method: str, endpoint_type: Any, body: Any, headers: Any) -> Any:
        response = super()._request(method, endpoint_type, body, headers)
        self._ledger_status.value = getattr(response, "status", None)
        return response

    def _send_request(
        self,
        body: bytes,
        headers: dict[str, str],
        endpoint_type: Any,
        envelope: Any = None,
    ) -> None:
        started = time.monotonic()
        self._ledger_status.value = None
        try:
            super()._send_request(body, headers, endpoint_type, envelope)
        finally:
            self._record(body, envelope, started)

    def _record(self, body: bytes, envelope: Any, started: float) -> None:
        try:
            from analytics import ledger  # models: not importable while settings load

            dsn = self.parsed_dsn
            ledger.record(
                stream="sentry",
                url=f"//{dsn.netloc}" if dsn is not None else None,
                body_bytes=ledger.body_size(body),
                http_status=getattr(self._ledger_status, "value", None),
                events=len(getattr(envelope, "items", None) or ()),
                duration_ms=int((time.monotonic() - started) * 1000),
                # The SDK's worker thread: the row is written later, from a safe thread.
                background=threading.current_thread().name.startswith("sentry-sdk."),
            )
        except Exception:  # a recording failure never breaks a send
            logging.getLogger("analytics.ledger").warning(
                "outbound ledger: cannot record a Sentry envelope", exc_info=True
            )


# --- Configuration ---------------------------------------------------------------------------

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


def capture_request_exception(sender: Any, request: Any = None, **kwargs: Any) -> None:
    """Django's ``got_request_exception``: the request's unhandled exception, as an error.

    Django sends the signal while it handles the exception, so ``sys.exc_info()`` holds it.
    With tracing on, the SDK's Django integration captures it itself (and this does not).
    The event carries the method and the path only for :func:`allowed`, which keeps the
    method and turns the path into the route name.
    """
    client = sentry_sdk.get_client()
    if not client.is_active() or client.get_integration(DjangoIntegration) is not None:
        return
    exc_info = sys.exc_info()
    if exc_info[1] is None:
        return
    event, hint = event_from_exception(
        exc_info,
        client_options=client.options,
        mechanism={"type": "django", "handled": False},
    )
    method = getattr(request, "method", None)
    path = getattr(request, "path_info", None)
    event["request"] = {
        key: value for key, value in (("method", method), ("url", path)) if isinstance(value, str)
    }
    sentry_sdk.capture_event(event, hint=hint)


def _integrations(tracing: bool) -> list[Integration]:
    if not tracing:
        # Only what acts at exit or on a captured error; no patch on the request path.
        return [AtexitIntegration(), DedupeIntegration(), ExcepthookIntegration()]
    return [
        # No spans around middleware or signal receivers, none for cache calls: the
        # analytics adapters listen to many signals, and wrapping each one costs every
        # request (docs/performance.md); cache keys can name users.
        DjangoIntegration(middleware_spans=False, signals_spans=False, cache_spans=False),
        # Log lines stay local (logs/app.jsonl): neither events nor breadcrumbs.
        LoggingIntegration(level=None, event_level=None),
    ]


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    tracing = bool(traces_sample_rate)
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
        before_send_transaction=before_send_transaction,  # type: ignore[arg-type]
        # No breadcrumbs (SQL, HTTP and log crumbs carry URLs and values); the SDK still
        # makes the SQL ones when tracing, so a before_breadcrumb hook would cost a call
        # per query.
        max_breadcrumbs=0,
        # No per-request session bookkeeping, no SDK statistics, and no trace headers
        # (which name the release and the route) on outgoing requests to PostHog or the
        # telemetry endpoint: what reaches Sentry is the allow-listed events only.
        auto_session_tracking=False,
        send_client_reports=False,
        trace_propagation_targets=[],
        # Integrations are chosen here, never by what happens to be installed (Redis, RQ,
        # ...): with tracing off only the three above, with tracing on the Django one plus
        # the SDK's defaults (logging, stdlib HTTP, threading, ...).
        default_integrations=tracing,
        auto_enabling_integrations=False,
        integrations=_integrations(tracing),
        server_name="",
        # Every envelope sent goes into the outbound ledger (size, status; no contents).
        transport=LedgerTransport,
    )
    got_request_exception.connect(
        capture_request_exception, dispatch_uid="timetracker.sentry.capture_request_exception"
    )
