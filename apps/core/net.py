"""The client's address: one answer for login limits, API throttles, /metrics and logs.

``X-Forwarded-For`` is whatever the client wrote, plus what each proxy appended. It is
read only when the connection itself comes from a proxy listed in ``TRUSTED_PROXIES``
(CIDR networks, none by default); then the chain is walked from the right, past the
trusted proxies, and the first address that is not one of them is the client. Anything
left of it was written by the client and is ignored, so a forged header changes nothing.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_address(value: str) -> Address | None:
    """An address from a header item or REMOTE_ADDR: ``1.2.3.4``, ``1.2.3.4:80``,
    ``::1``, ``[::1]:80``; IPv4-mapped IPv6 becomes IPv4. None when it is not one."""
    text = value.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def trusted_proxies() -> list[Network]:
    return [
        ipaddress.ip_network(item, strict=False) if isinstance(item, str) else item
        for item in getattr(settings, "TRUSTED_PROXIES", ())
    ]


def _trusted(address: Address, networks: list[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: Any) -> Address | None:
    """The client's address as an ``ipaddress`` object (None if REMOTE_ADDR is unusable)."""
    remote = parse_address(str(request.META.get("REMOTE_ADDR", "") or ""))
    if remote is None:
        return None
    networks = trusted_proxies()
    if not networks or not _trusted(remote, networks):
        return remote
    # Several X-Forwarded-For headers arrive joined by commas, in order.
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "") or "")
    nearest = remote
    for item in reversed(forwarded.split(",")):
        hop = parse_address(item)
        if hop is None:
            # A trusted proxy writes addresses; garbage here came from further left.
            return nearest
        if not _trusted(hop, networks):
            return hop
        nearest = hop
    return nearest


def client_address(request: Any) -> str | None:
    """The client's address as text, the form axes and DRF's throttles expect."""
    address = client_ip(request)
    return None if address is None else str(address)
