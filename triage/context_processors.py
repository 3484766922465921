"""``active_outages``: the ongoing outages behind the logged-in customer's services."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from triage import queries


def active_outages(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_customer", False):
        return {"active_outages": []}
    return {"active_outages": queries.outages_for_customer(user)}
