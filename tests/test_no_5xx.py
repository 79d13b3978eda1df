"""No request gets a 5xx: every route, every method, every persona, junk bodies and queries.

The routes are read from the URL configuration, so a new view is covered without
editing this test. Each request goes through the whole middleware stack with Django's
test client told not to re-raise, so a crash shows as the 500 a user would see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.services import api_token_create
from apps.web.tests.conftest import World, world  # noqa: F401 (the fixture)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "X-JUNK"]
QUERIES = [
    "",
    "?start=9999-12-31&end=0001-01-01&page=-1&page_size=99999999999999999999",
    "?project=1.5&task=%00&user=-1&client=%C2%B2&archived=maybe&format=pdf&group_by=%27",
    "?start=1970-01-01&end=2199-12-31&group_by=day",
]
BODIES: list[tuple[str, bytes]] = [
    ("application/json", b"[" * 3000 + b"]" * 3000),
    (
        "application/json",
        b'{"project": 1.5, "started_at": "0001-01-01T00:00:00-08:00", '
        b'"ended_at": null, "notes": "\\u000b", "name": "\\u0000"}',
    ),
    ("application/json", b"\xff\xfe{"),
    ("application/x-www-form-urlencoded", b"name=%0B&project=1.5&started_at=9999-12-31T23%3A59"),
]
# Parts of the site a crawl must not take: the fuzz would log the persona out.
SKIP = re.compile(r"^/accounts/logout/")


def _routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, pattern)
        elif isinstance(entry, URLPattern):
            yield pattern


def _concrete(pattern: str, pk: int) -> str | None:
    """A path for ``pattern`` with each parameter filled (``pk``, or ``csv`` for a format).

    DRF's optional ``.json`` suffix routes duplicate the plain ones and are left out.
    """
    if "(?P<format>" in pattern:
        return None
    path = re.sub(r"\(\?P<fmt>[^)]*\)", "csv", pattern)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", str(pk), path)
    path = re.sub(r"<(?:\w+:)?\w+>", str(pk), path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("\\", "")
    return "/" + path.lstrip("/")


def _paths(pk: int) -> list[str]:
    paths = {_concrete(p, pk) for p in _routes()}
    return sorted(p for p in paths if p is not None and not SKIP.match(p))


PERSONAS = ["anonymous", "member", "token", "admin"]


def _client(persona: str, admin: Any, member: Any) -> Client:
    client = Client(raise_request_exception=False)
    if persona in ("member", "admin"):
        client.force_login(admin if persona == "admin" else member)
    elif persona == "token":
        _token, key = api_token_create(user=member, name="crawl")
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_no_route_answers_5xx_to_any_method_body_or_query(
    persona: str,
    world: World,  # noqa: F811 (the fixture imported above)
    admin: Any,
    member: Any,
) -> None:
    client = _client(persona, admin, member)
    paths = _paths(world.mine.pk)
    if persona in ("admin", "anonymous"):
        paths += _paths(10**30)  # ids no row has, and no 64-bit column holds
    assert len(paths) > 100  # the crawl found the site
    failures: list[str] = []
    others = [m for m in METHODS if m != "GET"]
    for turn, path in enumerate(paths):
        # GET with each query in turn, and one other method with each body in turn: over
        # the crawl every method meets every path kind, every query and every body.
        offset = PERSONAS.index(persona) * 3
        method = others[(turn + offset) % len(others)]
        content_type, body = BODIES[(turn + offset) % len(BODIES)]
        query = QUERIES[(turn + offset) % len(QUERIES)]
        if method == "HEAD":
            content_type, body = "", b""
        for request in (("GET", query, "", b""), (method, QUERIES[1], content_type, body)):
            verb, params, kind, data = request
            response = client.generic(verb, path + params, data, content_type=kind)
            if response.status_code >= 500:
                failures.append(f"{verb} {path}{params} [{kind} {data[:40]!r}] -> 500")
    assert not failures, "\n".join(failures[:40])
