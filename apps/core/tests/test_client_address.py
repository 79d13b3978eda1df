"""One notion of the client address: X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from apps.core.net import client_address, parse_address
from apps.core.throttling import SharedRateThrottle

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]


def _request(remote: str, forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.2.3.4", "1.2.3.4"),
        (" 1.2.3.4 ", "1.2.3.4"),
        ("1.2.3.4:8080", "1.2.3.4"),
        ("::1", "::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("unknown", None),
        ("", None),
        ("1.2.3.4.5", None),
    ],
)
def test_it_parses_what_proxies_and_servers_write(value: str, expected: str | None) -> None:
    parsed = parse_address(value)
    assert (None if parsed is None else str(parsed)) == expected


def test_without_trusted_proxies_a_forwarded_header_changes_nothing(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    assert client_address(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_a_forged_header_from_an_untrusted_address_changes_nothing(settings: Any) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    for forged in ("198.51.100.1", "10.0.0.5", "198.51.100.1, 10.0.0.5", "garbage"):
        assert client_address(_request("203.0.113.9", forged)) == "203.0.113.9"


def test_from_a_trusted_proxy_the_forwarded_address_is_used(settings: Any) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    assert client_address(_request("10.0.0.2", "198.51.100.1")) == "198.51.100.1"


def test_the_right_most_untrusted_address_wins_over_what_the_client_wrote(
    settings: Any,
) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    # The client wrote "1.1.1.1"; the outer proxy appended the real client, the inner
    # proxy (10.0.0.3) appended the outer one.
    request = _request("10.0.0.2", "1.1.1.1, 198.51.100.1, 10.0.0.3")
    assert client_address(request) == "198.51.100.1"


def test_a_chain_of_only_trusted_proxies_gives_the_furthest_one(settings: Any) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    assert client_address(_request("10.0.0.2", "10.0.0.7")) == "10.0.0.7"
    assert client_address(_request("10.0.0.2")) == "10.0.0.2"
    assert client_address(_request("10.0.0.2", "")) == "10.0.0.2"


def test_garbage_next_to_a_trusted_proxy_gives_that_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    assert client_address(_request("10.0.0.2", "198.51.100.1, not-an-ip")) == "10.0.0.2"


def test_ipv6_proxies_and_clients(settings: Any) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    assert client_address(_request("fd00::2", "2001:db8::5")) == "2001:db8::5"
    assert client_address(_request("2001:db8::9", "2001:db8::5")) == "2001:db8::9"


def test_an_unusable_remote_addr_gives_none(settings: Any) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    assert client_address(_request("", "198.51.100.1")) is None


def test_the_throttles_identify_clients_the_same_way(settings: Any) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    throttle = SharedRateThrottle.__new__(SharedRateThrottle)
    assert throttle.get_ident(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    assert throttle.get_ident(_request("10.0.0.2", "198.51.100.1")) == "198.51.100.1"


@pytest.mark.django_db
def test_forged_headers_do_not_escape_the_token_throttle(settings: Any) -> None:
    settings.TRUSTED_PROXIES = PROXIES
    settings.AXES_FAILURE_LIMIT = 1000  # the throttle, not the login limits, is under test
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"username": f"nobody{n}", "password": "x"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(22)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20:] == [429, 429]
    # Another client, through the trusted proxy, has its own count.
    other = client.post(
        "/api/v1/auth/token/",
        {"username": "nobody", "password": "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert other.status_code == 400


@pytest.mark.django_db
def test_the_metrics_allow_list_uses_the_client_address(settings: Any, client: Any) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    # A local reverse proxy forwarding an outside client: not allowed any more.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    # The forged header of an untrusted client is ignored, in both directions.
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1"
        ).status_code
        == 403
    )
    settings.TRUSTED_PROXIES = []
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 200
