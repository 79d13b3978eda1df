"""Junk requests cannot grow /metrics: every label value comes from a closed set."""

from __future__ import annotations

import itertools
import random
import re
import string
from typing import Any

import pytest
from django.test import Client

from apps.monitoring.middleware import ADMIN_VIEW, UNNAMED_VIEW, view_label

pytestmark = pytest.mark.django_db

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
# Request path kinds: resolved routes (with and without junk in them) and nothing at all.
PATHS = (
    "/healthz",
    "/readyz?{junk}={junk}",
    "/{junk}",
    "/{junk}/{junk}/",
    "/api/v1/{junk}/",
    "/api/v1/projects/{number}/",
    "/static/{junk}.css",
    "/admin/{junk}/",
)
METHODS = ("GET", "POST", "{junk}")  # a standard read, a standard change, made up


def _junk(rng: random.Random, length: int = 10) -> str:
    return "".join(rng.choices(string.ascii_uppercase, k=length))


def _series(text: str) -> set[str]:
    """Every sample's name and labels, without its value."""
    found = set()
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            found.add(match.group(1) + (match.group(2) or ""))
    return found


def _label_names(text: str) -> set[str]:
    return {k for series in _series(text) for k, _v in LABEL.findall(series)}


def _label_values(text: str, label: str) -> set[str]:
    values = set()
    for series in _series(text):
        values.update(v for k, v in LABEL.findall(series) if k == label)
    return values


def _send_junk(client: Client, rng: random.Random) -> list[int]:
    """One request of every kind, each with fresh random values; the statuses."""
    statuses = []
    for path, method in itertools.product(PATHS, METHODS):
        junk = _junk(rng)
        headers: dict[str, Any] = {
            "HTTP_X_REQUESTED_WITH": rng.choice(["XMLHttpRequest", junk]),
            "HTTP_USER_AGENT": _junk(rng, 40),
            "HTTP_ACCEPT": f"application/{junk.lower()}",
            "HTTP_X_REQUEST_ID": _junk(rng, 16),
            "HTTP_X_FORWARDED_PROTO": rng.choice(["https", junk]),
            "CONTENT_TYPE": f"{junk.lower()}/{_junk(rng).lower()}; charset={junk}",
            "CONTENT_LENGTH": rng.choice(["abc", "-5", str(rng.randint(0, 10**9)), ""]),
        }
        response = client.generic(
            method.format(junk=junk),
            path.format(junk=junk.lower(), number=rng.randint(1, 10**9)),
            **headers,
        )
        statuses.append(response.status_code)
    return statuses


def _scrape(client: Client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


class TestLabels:
    def test_a_made_up_method_adds_no_label(self, client: Client, admin: Any) -> None:
        client.generic("BREW", "/healthz")
        text = _scrape(client)
        assert "BREW" not in text
        assert "method" not in _label_names(text)
        assert 'timetracker_http_request_duration_seconds_count{view="healthz"}' in text

    def test_an_unresolved_path_gets_the_fixed_view_label(self, client: Client, admin: Any) -> None:
        assert client.get("/no-such-page-here/").status_code == 404
        text = _scrape(client)
        assert "no-such-page-here" not in text
        assert f'timetracker_http_responses_total{{status="404",view="{UNNAMED_VIEW}"}}' in text

    def test_every_admin_page_is_one_view(self, client: Client, admin: Any) -> None:
        client.force_login(admin)

        def admin_responses(text: str) -> float:
            return sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("timetracker_http_responses_total{")
                and f'view="{ADMIN_VIEW}"' in line
            )

        # The registry lives as long as the process: count what these three requests add.
        before = admin_responses(_scrape(client))
        for path in ("/admin/", "/admin/auth/user/", f"/admin/auth/user/{admin.pk}/change/"):
            assert client.get(path).status_code < 500, path
        text = _scrape(client)
        admin_views = {v for v in _label_values(text, "view") if "admin" in v}
        assert admin_views == {ADMIN_VIEW}
        assert admin_responses(text) - before == 3

    def test_the_view_label_of_a_request_without_a_match_is_fixed(self, rf: Any) -> None:
        assert view_label(rf.get("/anything/")) == UNNAMED_VIEW


class TestJunkTraffic:
    def test_the_scrape_stays_flat_after_a_warm_up(self, client: Client, admin: Any) -> None:
        rng = random.Random(12)  # noqa: S311 - reproducible junk, not secrets
        # Warm-up: every kind of request once, so each bounded label value exists.
        for _ in range(2):
            _send_junk(client, rng)
        before = _scrape(client)
        statuses = []
        for _ in range(10):  # 240 requests, none of whose random values may show up
            statuses += _send_junk(client, rng)
        after = _scrape(client)

        assert max(statuses) < 500, sorted(set(statuses))
        assert _series(after) == _series(before)
        # Only counter values grow (a few digits each), never the number of lines.
        assert len(after.splitlines()) == len(before.splitlines())
        assert len(after) - len(before) < 0.02 * len(before)
        assert not {"method", "transport"} & _label_names(after)
