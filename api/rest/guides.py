"""``/guides``: the published guides' search in Spanish, English or French."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from accounts.models import User
from api.rest.base import ERRORS, Language
from api.schemas import GuidePage
from guides import queries as guide_queries

router = Router(tags=["guides"])


@router.get("/guides", response={200: GuidePage, **ERRORS}, summary="Search the guides")
def search_guides(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=200, pattern=r"^[^\x00]+$", description="Words to look for."),
    language: Language | None = Query(None, description="es, en or fr; by default the token owner's language."),  # noqa: B008
    limit: int = Query(10, ge=1, le=50),
) -> Any:
    """Published guides matching any word of ``q`` (three letters or more), best first."""
    user: User = request.auth  # type: ignore[attr-defined]
    code = language or (user.language if user.language in {"es", "en", "fr"} else "es")
    found = guide_queries.search(q, language=code, limit=limit)
    return {
        "items": [
            {
                "slug": article.slug,
                "title": article.title_in(code),
                "category": article.category.name_in(code),
                "language": code if getattr(article, f"title_{code}", "") else "es",
                "url": article.get_absolute_url(),
            }
            for article in found
        ]
    }
