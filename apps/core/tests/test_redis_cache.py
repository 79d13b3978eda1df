"""timetracker.cache.RedisCache: counted, tolerant of an outage, and clearing only its keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from tests.support import missing
from timetracker.cache import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/9"


def counter(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"backend": "redis"}) or 0.0


@pytest.fixture
def redis_client() -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError:
        missing("Redis is not reachable at 127.0.0.1:6379")
    yield client
    client.close()


@pytest.fixture
def cache(redis_client: Any) -> Iterator[RedisCache]:
    prefix = f"tt-test-{uuid.uuid4().hex}"
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix, "TIMEOUT": 60})
    yield backend
    for key in redis_client.scan_iter(match=f"{prefix}:*"):
        redis_client.delete(key)


def test_it_counts_hits_and_misses(cache: RedisCache) -> None:
    hits, misses = counter("django_cache_get_hits_total"), counter("django_cache_get_misses_total")
    assert cache.get("absent", "fallback") == "fallback"
    cache.set("present", False)
    assert cache.get("present") is False  # a falsy value is a hit, not the default
    assert counter("django_cache_get_misses_total") == misses + 1
    assert counter("django_cache_get_hits_total") == hits + 1


def test_values_expire_after_the_default_timeout(cache: RedisCache, redis_client: Any) -> None:
    cache.set("k", 1)
    cache.add("a", 1)
    for key in ("k", "a"):
        assert 0 < redis_client.ttl(cache.make_key(key)) <= 60


def test_clear_removes_this_installations_keys_only(cache: RedisCache, redis_client: Any) -> None:
    foreign = f"another-app-{uuid.uuid4().hex}"
    redis_client.set(foreign, "theirs")
    try:
        cache.set("mine", 1)
        cache.clear()
        assert cache.get("mine") is None
        assert redis_client.get(foreign) == b"theirs"
    finally:
        redis_client.delete(foreign)


def test_an_unreachable_redis_is_a_miss_and_writes_are_skipped() -> None:
    down = RedisCache(
        "redis://127.0.0.1:9/0",
        {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
    )
    failures = counter("django_cache_get_fail_total")
    assert down.get("flag", "default") == "default"
    assert counter("django_cache_get_fail_total") == failures + 1
    down.set("k", 1)
    assert down.add("k", 1) is False
    assert down.delete("k") is False
    down.delete_many(["k"])
