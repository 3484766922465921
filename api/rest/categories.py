"""``/categories``: the types of request customers may open, in the caller's language."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from api.rest.base import ERRORS
from api.schemas import CategoryOut
from levels.models import Category, LevelCode

router = Router(tags=["catalogue"])


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="Categories")
def list_categories(request: HttpRequest, level: LevelCode | None = None) -> Any:
    language = getattr(request, "LANGUAGE_CODE", "es")
    categories = Category.objects.filter(active=True).select_related("level")
    if level:
        categories = categories.filter(level__code=level)
    return [
        {
            "code": c.code,
            "name": c.name_in(language),
            "level": c.level.code,
            "kind": c.kind,
            "ovh_category": c.ovh_category,
        }
        for c in categories.order_by("level__order", "order", "code")
    ]
