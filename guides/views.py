"""Public pages of the knowledge base, and the suggestions shown beside the assistance form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from guides import queries
from levels.models import Category
from tickets.markdown import render_markdown

MAX_QUERY = 200


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:MAX_QUERY].strip()
    context = {
        "q": text,
        "results": queries.search(text, limit=20) if text else None,
        "shelves": queries.categories_with_articles(),
        "section": "guides",
    }
    return render(request, "guides/index.html", context)


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    item = queries.get_article_for(request.user, slug)
    context = {
        "article": item,
        "body_html": render_markdown(item.body),
        "related": list(item.related.filter(status="published").order_by("title_es")),
        "section": "guides",
    }
    return render(request, "guides/article.html", context)


def suggestions_for(request: HttpRequest) -> list:  # type: ignore[type-arg]
    code = request.GET.get("type", "")[:50]
    guide_slug = ""
    if code:
        category = Category.objects.filter(code=code, active=True).only("guide_slug").first()
        guide_slug = category.guide_slug if category else ""
    return queries.suggestions(guide_slug=guide_slug, text=request.GET.get("q", "")[:MAX_QUERY])


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Guides matching the query type and the text typed so far: HTML to drop in place, or JSON."""
    articles = suggestions_for(request)
    if request.GET.get("format") == "json":
        language = get_language() or "es"
        return JsonResponse(
            {
                "results": [
                    {"slug": a.slug, "title": a.title_in(language), "url": a.get_absolute_url()} for a in articles
                ]
            }
        )
    return render(request, "guides/_suggestions.html", {"suggested_guides": articles})
