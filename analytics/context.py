"""The request context: request id, route name, channel and actor of the work in progress.

Held in a ``ContextVar`` so log lines and events can read it without it being passed
around; it is set by :class:`analytics.middleware.RequestContextMiddleware` or, for a job
or a command, by :func:`request_context`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import empty

from analytics import conf

# A client-supplied X-Request-ID is kept only when it looks like an id: bounded length,
# no spaces, quotes or other characters that could forge or break a log line.
REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")

ActorId = int | str


@dataclass
class RequestContext:
    request_id: str
    route: str | None = None
    # The door the work came through (``web``, ``api``, ``admin``, ``cli``...), see
    # :func:`channel`.
    channel: str | None = None
    # The HttpRequest, read lazily: the user is known only once authentication ran
    # (for the API that is inside the view, when DRF sets request.user).
    request: Any = field(default=None, repr=False)

    def actor_id(self, *, evaluate: bool = True) -> ActorId | None:
        """Primary key of the authenticated user, if any.

        With ``evaluate=False`` a user that nobody has loaded yet stays unloaded (no
        database query just to write a log line).
        """
        if self.request is None:
            return None
        user = self.request.__dict__.get("user")
        if user is None:
            return None
        if not evaluate and getattr(user, "_wrapped", None) is empty:
            return None
        if not getattr(user, "is_authenticated", False):
            return None
        return user.pk  # type: ignore[no-any-return]


_current: ContextVar[RequestContext | None] = ContextVar("analytics_request", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str | None:
    """``value`` when it is a sane request id, else ``None``."""
    if value and REQUEST_ID.fullmatch(value):
        return value
    return None


def current() -> RequestContext | None:
    return _current.get()


def request_id() -> str | None:
    ctx = _current.get()
    return ctx.request_id if ctx else None


def channel() -> str:
    """The door of the work in progress, for the ``channel`` property of write events.

    Set from the path by the middleware (``ANALYTICS_CHANNELS``); outside any request, or
    in a :func:`request_context` that names none, it is ``ANALYTICS_COMMAND_CHANNEL``
    (``cli``): a management command, a worker or a shell.
    """
    ctx = _current.get()
    if ctx is not None and ctx.channel:
        return ctx.channel
    return conf.command_channel()


def activate(ctx: RequestContext) -> Token[RequestContext | None]:
    return _current.set(ctx)


def deactivate(token: Token[RequestContext | None]) -> None:
    _current.reset(token)


@contextmanager
def request_context(
    *,
    request_id: str | None = None,
    route: str | None = None,
    request: Any = None,
    channel: str | None = None,
) -> Iterator[RequestContext]:
    """Run a block as one unit of work (a job, a command) with its own request id."""
    ctx = RequestContext(
        request_id=request_id or new_request_id(), route=route, request=request, channel=channel
    )
    token = activate(ctx)
    try:
        yield ctx
    finally:
        deactivate(token)
