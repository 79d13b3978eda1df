"""Brute force against the real server: gunicorn with two workers, as an attacker would.

The login form, the admin login and the token endpoint lock after LOGIN_FAILURE_LIMIT
failures, with and without forged X-Forwarded-For headers, and then refuse the right
password too until ``manage.py axes_reset``. The token endpoint's throttle holds across
two server processes sharing one Redis.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import AppServer, gunicorn
from tests.support import missing

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"
LIMIT = 3
REDIS_URL = "redis://127.0.0.1:6379/10"
FORM_DOORS = {"web": "/accounts/login/", "admin": "/admin/login/"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Attacker:
    """One browser-like client: cookies, the CSRF token, no redirects followed."""

    def __init__(self, server: AppServer) -> None:
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def _open(self, request: urllib.request.Request) -> tuple[int, str, dict[str, str]]:
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), dict(exc.headers)

    def login_form(
        self, door: str, username: str, password: str, forwarded: str | None = None
    ) -> tuple[int, str, dict[str, str]]:
        path = FORM_DOORS[door]
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        _, page, _ = self._open(urllib.request.Request(self.server.url + path, headers=headers))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
        ).encode()
        return self._open(
            urllib.request.Request(self.server.url + path, data=body, headers=headers)
        )

    def token(
        self, username: str, password: str, forwarded: str | None = None
    ) -> tuple[int, str, dict[str, str]]:
        headers = {"Content-Type": "application/json"}
        if forwarded:
            headers["X-Forwarded-For"] = forwarded
        body = json.dumps({"username": username, "password": password}).encode()
        return self._open(
            urllib.request.Request(
                self.server.url + "/api/v1/auth/token/", data=body, headers=headers
            )
        )

    def attempt(
        self, door: str, username: str, password: str, forwarded: str | None = None
    ) -> tuple[int, str, dict[str, str]]:
        if door == "api":
            return self.token(username, password, forwarded)
        return self.login_form(door, username, password, forwarded)


def _signed_in(door: str, status: int) -> bool:
    return status == (200 if door == "api" else 302)


def _users(server: AppServer, *names: str) -> None:
    code = (
        "from django.contrib.auth import get_user_model; U = get_user_model()\n"
        f"for name in {list(names)!r}:\n"
        f"    U.objects.create_superuser(name, name + '@example.com', {PASSWORD!r})\n"
    )
    server.manage("shell", "-c", code)


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """Clients connect straight to gunicorn: no trusted proxies."""
    tmp = tmp_path_factory.mktemp("bruteforce-direct")
    with gunicorn(tmp, workers=2, LOGIN_FAILURE_LIMIT=str(LIMIT)) as server:
        _users(server, "root", "ada", "bob")
        yield server


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """As if behind a reverse proxy on 127.0.0.1 that appends the client's address."""
    tmp = tmp_path_factory.mktemp("bruteforce-proxied")
    with gunicorn(
        tmp, workers=2, LOGIN_FAILURE_LIMIT=str(LIMIT), TRUSTED_PROXIES="127.0.0.1/32"
    ) as server:
        _users(server, "root", "ada", "bob")
        yield server


@pytest.mark.parametrize("forged", [False, True], ids=["plain", "forged-forwarded-for"])
@pytest.mark.parametrize("door", ["web", "admin", "api"])
def test_each_door_locks_then_refuses_the_right_password_until_reset(
    direct: AppServer, door: str, forged: bool
) -> None:
    attacker = Attacker(direct)
    direct.manage("axes_reset")
    statuses = []
    for n in range(LIMIT + 3):
        forwarded = f"198.51.100.{n + 1}, 10.{n}.0.1" if forged else None
        statuses.append(attacker.attempt(door, "root", f"guess{n}", forwarded)[0])
    assert 429 in statuses[:LIMIT], statuses
    assert set(statuses[LIMIT:]) == {429}, statuses
    status, body, headers = attacker.attempt(door, "root", PASSWORD, "203.0.113.9")
    assert status == 429
    assert int(headers["Retry-After"]) > 0
    assert "Too many failed logins" in body
    # Another account from the same address is locked too (the address is).
    assert Attacker(direct).attempt(door, "ada", PASSWORD)[0] == 429
    direct.manage("axes_reset")
    status, _, _ = Attacker(direct).attempt(door, "root", PASSWORD)
    assert _signed_in(door, status), status


@pytest.mark.parametrize("door", ["web", "admin", "api"])
def test_behind_a_trusted_proxy_a_username_locks_whatever_addresses_attack_it(
    proxied: AppServer, door: str
) -> None:
    proxied.manage("axes_reset")
    tag = uuid.uuid4().int % 200
    for n in range(LIMIT):
        # Each attempt from another client address, each with a forged entry too.
        Attacker(proxied).attempt(door, "root", f"guess{n}", f"1.1.1.1, 192.0.2.{n + 1}")
    status, _, _ = Attacker(proxied).attempt(door, "root", PASSWORD, f"198.51.100.{tag}")
    assert status == 429
    # The forwarded address was counted, not the proxy's: others behind it log in.
    status, _, _ = Attacker(proxied).attempt(door, "bob", PASSWORD, "198.51.100.250")
    assert _signed_in(door, status), status
    proxied.manage("axes_reset_username", "root")
    status, _, _ = Attacker(proxied).attempt(door, "root", PASSWORD, f"198.51.100.{tag}")
    assert _signed_in(door, status), status


@pytest.fixture
def redis_db() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError:
        missing("Redis is not reachable at 127.0.0.1:6379")
    prefix = f"tt-throttle-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


def test_the_token_throttle_is_one_count_for_two_server_processes(
    tmp_path: Path, redis_db: str
) -> None:
    shared = {"REDIS_URL": REDIS_URL, "CACHE_PREFIX": redis_db, "LOGIN_FAILURE_LIMIT": "1000"}
    with (
        gunicorn(tmp_path / "one", workers=2, **shared) as one,
        gunicorn(tmp_path / "two", workers=2, **shared) as two,
    ):
        statuses = [
            Attacker(server).token(f"nobody{n}", "x", forwarded=f"198.51.100.{n}")[0]
            for n, server in enumerate([one, two] * 15)
        ]
    # 20 a minute per client address, counted once for both processes and all workers.
    assert statuses.count(400) == 20, statuses
    assert statuses.count(429) == 10, statuses
    assert statuses[20:] == [429] * 10
