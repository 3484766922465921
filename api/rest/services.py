"""``/services``: the caller's services (all of them for staff)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from accounts.models import User
from api.rest.base import ERRORS, MAX_PAGE
from api.schemas import ServicePage
from services.models import Service

router = Router(tags=["catalogue"])


@router.get("/services", response={200: ServicePage, **ERRORS}, summary="List services")
def list_services(
    request: HttpRequest,
    after: str | None = Query(None, min_length=1, max_length=255, pattern=r"^[^\x00]+$"),
    limit: int = Query(50, ge=1, le=MAX_PAGE),
) -> Any:
    """The caller's services (all of them for staff), by reference."""
    user: User = request.auth  # type: ignore[attr-defined]
    services = (
        Service.objects.all() if user.is_agent else Service.objects.filter(organisation_id=user.organisation_id or 0)
    )
    if after:
        services = services.filter(reference__gt=after)
    page = list(services.order_by("reference")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [
            {"reference": s.reference, "product": s.product, "display_name": s.display_name, "status": s.status}
            for s in page
        ],
        "next_after": page[-1].reference if more else None,
    }
