"""Django's own Redis cache, counted like django-prometheus counts its cache backends.

django-prometheus' Redis wrappers need the django-redis package; this is the same four
``django_cache_*`` counters around Django's built-in backend (``backend="redis"``), and
two behaviours a shared Redis needs:

* an unreachable Redis is a cache miss, not a failed request: reads fall through to the
  database (feature flags included) and writes are skipped with a warning;
* ``clear()`` removes this installation's keys (``CACHE_PREFIX``) only, never the whole
  Redis database that other apps may share.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)
from redis.exceptions import RedisError

logger = logging.getLogger("timetracker.cache")
_MISSING = object()


class RedisCache(DjangoRedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        django_cache_get_total.labels(backend="redis").inc()
        try:
            value = super().get(key, _MISSING, version=version)
        except RedisError:
            django_cache_get_fail_total.labels(backend="redis").inc()
            return default
        if value is _MISSING:
            django_cache_misses_total.labels(backend="redis").inc()
            return default
        django_cache_hits_total.labels(backend="redis").inc()
        return value

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        try:
            return bool(super().add(key, value, timeout, version))
        except RedisError as exc:
            logger.warning("cache add skipped: %s", type(exc).__name__)
            return False

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            logger.warning("cache set skipped: %s", type(exc).__name__)

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return bool(super().delete(key, version))
        except RedisError as exc:
            logger.warning("cache delete skipped: %s", type(exc).__name__)
            return False

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except RedisError as exc:
            logger.warning("cache delete skipped: %s", type(exc).__name__)

    def clear(self) -> None:
        client = self._cache.get_client(write=True)
        # Django's make_key writes "<prefix>:<version>:<key>"; glob characters are escaped.
        prefix = "".join(f"\\{c}" if c in "*?[]\\" else c for c in self.key_prefix)
        for key in client.scan_iter(match=f"{prefix}:*", count=500):
            client.delete(key)
