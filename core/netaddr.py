"""The client's address, read correctly behind the proxies the operator trusts.

``REMOTE_ADDR`` is the peer of the web server. Behind a reverse proxy that peer is the proxy, and
every client would share one address (one customer's failed logins would lock out everyone).
With ``TIERDESK_TRUSTED_PROXIES`` (CIDRs) set, ``X-Forwarded-For`` is read from the right: each hop
added by a trusted proxy is skipped, and the first address that is not a trusted proxy is the
client. Hops to its left were written by the client and are never believed. Without the setting,
or when the peer is not a trusted proxy, the header is ignored.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(values: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """CIDRs (or single addresses) as networks; ``ValueError`` names the first one that is not."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


@cache
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def parse_address(value: str) -> Address | None:
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def in_networks(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The client's address as a string, or ``None`` when the request carries none."""
    peer = parse_address(str(request.META.get("REMOTE_ADDR") or ""))
    if peer is None:
        return None
    trusted = _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not trusted or not in_networks(peer, trusted):
        return str(peer)
    client = peer
    for hop in reversed(str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        address = parse_address(hop)
        if address is None:
            break  # a garbled hop: the last address a trusted proxy vouched for stands
        client = address
        if not in_networks(address, trusted):
            break
    return str(client)
