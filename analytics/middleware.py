"""Request context for logs and events: request id, route name, channel and actor."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from analytics import conf, context

access_logger = logging.getLogger("analytics.request")

HEADER = "X-Request-ID"


class RequestContextMiddleware:
    """Give every request an id, keep it in the context, and return it to the client.

    An incoming ``X-Request-ID`` (from a proxy or a client) is kept when it is a sane
    value (8 to 128 letters, digits, ``.``, ``_``, ``:`` or ``-``); otherwise a new one is
    made. Every log line written while the request runs carries it. The channel (the door:
    ``web``, ``api``, ``admin``) comes from the first ``ANALYTICS_CHANNELS`` prefix that
    matches the path. Put this middleware
    first, so that even errors raised by other middleware are logged with the id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.clean_request_id(request.headers.get(HEADER))
        ctx = context.RequestContext(
            request_id=request_id or context.new_request_id(),
            request=request,
            # From the path prefix (ANALYTICS_CHANNELS): the door, not the URL, is kept.
            channel=conf.channel_for_path(request.path_info),
        )
        # Also on the request: Django logs 4xx/5xx after the middleware chain returned.
        request.request_id = ctx.request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        token = context.activate(ctx)
        try:
            response = self.get_response(request)
            if conf.access_log():
                self._log(ctx, request, response, started)
        finally:
            context.deactivate(token)
        response[HEADER] = ctx.request_id
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        ctx = context.current()
        match = request.resolver_match
        if ctx is not None and match is not None:
            # The route name, not the path: paths and query strings can carry personal data.
            ctx.route = match.view_name or None

    @staticmethod
    def _log(
        ctx: context.RequestContext,
        request: HttpRequest,
        response: HttpResponse,
        started: float,
    ) -> None:
        access_logger.info(
            "request",
            extra={
                "method": request.method,
                "route": ctx.route,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": ctx.actor_id(evaluate=False),
            },
        )
