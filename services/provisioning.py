"""Checking the services the provider's own systems send, item by item (API and import alike)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.provisioning import Item, ItemError
from services.models import EndpointRole, Product

MAX_ENDPOINTS = 20
_REFERENCE = re.compile(r"^[^\s/\\]+$")


def _ports(item: Item, raw: Any, name: str) -> list[int] | None:
    if isinstance(raw, str):
        raw = [part for part in re.split(r"[,+ ]", raw) if part]
    if not isinstance(raw, list):
        item.fail("invalid_ports", _("Ports are a list of numbers from 1 to 65535."), name)
        return None
    ports: list[int] = []
    for value in raw:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            item.fail("invalid_ports", _("Ports are a list of numbers from 1 to 65535."), name)
            return None
        if value not in ports:
            ports.append(value)
    return ports


def parse_endpoints_text(text: str) -> list[dict[str, Any]]:
    """``host|80+443|web host2`` (a CSV cell): endpoints separated by spaces, each ``host[|ports[|role]]``."""
    endpoints = []
    for entry in text.split():
        host, _sep, rest = entry.partition("|")
        ports, _sep, role = rest.partition("|")
        endpoints.append({"host": host, "ports": ports, "role": role or EndpointRole.SERVER})
    return endpoints


def _endpoints(item: Item) -> list[dict[str, Any]]:
    raw = item.raw.get("endpoints")
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        raw = parse_endpoints_text(raw)
    if not isinstance(raw, list) or len(raw) > MAX_ENDPOINTS:
        item.fail(
            "invalid_endpoints",
            _("Endpoints are a list of at most %(maximum)s hosts with their ports.") % {"maximum": MAX_ENDPOINTS},
            "endpoints",
        )
        return []
    endpoints: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for position, entry in enumerate(raw):
        name = f"endpoints[{position}]"
        if not isinstance(entry, Mapping):
            item.fail("invalid_endpoints", _("Each endpoint is an object with a host."), name)
            continue
        sub = Item(entry)
        host = sub.text("host", maximum=255, required=True).lower()
        role = sub.choice("role", EndpointRole.values, default=EndpointRole.SERVER)
        ports = _ports(sub, entry.get("ports") or [], "ports")
        if host and any(ch.isspace() for ch in host):
            sub.fail("invalid_host", _("A host name or IP address has no spaces."), "host")
        for error in sub.errors:
            item.fail(error.code, error.message, f"{name}.{error.field}")
        if sub.errors or ports is None:
            continue
        if (host, role) in seen:
            continue
        seen.add((host, role))
        endpoints.append({"host": host, "ports": ports, "role": role})
    return endpoints


def clean_service(raw: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[ItemError]]:
    item = Item(raw)
    reference = item.text("reference", maximum=255, required=True).lower()
    if reference and not _REFERENCE.match(reference):
        item.fail("invalid_reference", _("A service reference has no spaces or slashes."), "reference")
    cleaned = {
        "external_id": item.external_id(),
        "organisation": item.external_id("organisation"),
        "reference": reference,
        "product": item.choice("product", Product.values, required=True),
        "display_name": item.text("display_name", maximum=200),
        "datacentre": item.text("datacentre", maximum=32),
        "host_node": item.text("host_node", maximum=100),
        "rack": item.text("rack", maximum=100),
        "network_segment": item.text("network_segment", maximum=100),
        "in_production": item.flag("in_production", True),
        "active": item.flag("active", True),
        "endpoints": _endpoints(item),
    }
    return (None, item.errors) if item.errors else (cleaned, [])
