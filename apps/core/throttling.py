"""API rate limits counted in the shared cache, per client address (``apps.core.net``).

DRF's own throttles keep a list of request times under a read-modify-write, which
concurrent workers overwrite, and identify the client by ``X-Forwarded-For`` from anyone
(or REMOTE_ADDR). These count with the cache's atomic ``incr`` (Redis with ``REDIS_URL``,
so every worker and replica shares the count) per trusted client address.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from apps.core.net import client_address

logger = logging.getLogger(__name__)


class SharedRateThrottle(SimpleRateThrottle):
    """``rate`` requests per client address, in a window that starts at the first request
    counted and lasts the rate's period.

    A cache that cannot be reached lets the request through with a warning: the login
    limits (django-axes, in the database) still hold on the doors that take a password.
    Without ``REDIS_URL`` the default cache is per process, and so is this count.
    """

    # Set by SimpleRateThrottle.__init__ from the rate; its stubs do not declare them.
    num_requests: int
    duration: int

    scope = "shared"

    def get_ident(self, request: Request) -> str:
        return client_address(request) or "unknown"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request: Request, view: Any) -> bool:
        self.key = self.get_cache_key(request, view)
        self.now = self.timer()
        self.started = self.now
        start_key = f"{self.key}:start"
        try:
            if self.cache.add(self.key, 0, self.duration):
                self.cache.set(start_key, self.now, self.duration)
            try:
                count = self.cache.incr(self.key)
            except ValueError:  # expired between add() and incr(): a new window
                self.cache.set(self.key, 1, self.duration)
                self.cache.set(start_key, self.now, self.duration)
                count = 1
            self.started = float(self.cache.get(start_key, self.now))
        except RedisError as exc:
            logger.warning("throttle %s skipped: %s", self.scope, type(exc).__name__)
            return True
        return count <= self.num_requests

    def wait(self) -> float:
        return max(self.started + self.duration - self.timer(), 1.0)
