"""``/levels``: the support levels, in the caller's language."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from api.rest.base import ERRORS
from api.schemas import LevelOut
from levels.models import SupportLevel

router = Router(tags=["catalogue"])


@router.get("/levels", response={200: list[LevelOut], **ERRORS}, summary="Support levels")
def list_levels(request: HttpRequest) -> Any:
    language = getattr(request, "LANGUAGE_CODE", "es")
    return [
        {
            "code": level.code,
            "name": level.name_in(language),
            "description": level.localized("description", language),
            "hours": level.localized("hours", language),
            "technical": level.technical,
            "commercial": level.commercial,
        }
        for level in SupportLevel.objects.order_by("order", "code")
    ]
