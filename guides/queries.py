"""Reads of the knowledge base: published articles, search and suggestions.

Search is portable (the same query on SQLite and PostgreSQL): each word is matched with
``icontains`` on the active language's title and text, titles weigh more, and at most
``limit`` rows come back. The knowledge base is small (hundreds of articles), so a scan of the
published rows costs little; a full-text index can replace this function without touching callers.
"""

from __future__ import annotations

import re

from django.db.models import Case, ExpressionWrapper, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression
from django.http import Http404
from django.utils.translation import get_language

from guides.models import LANGUAGES, Article, ArticleCategory

MAX_WORDS = 6
MIN_WORD = 3
STOP_WORDS = frozenset(
    "the and for with from that this not does how can les des une est pas pour avec que qui dans sur "
    "los las del con por para una que mis mi sus como cuando donde".split()
)


def _language(language: str | None) -> str:
    code = (language or get_language() or "es")[:2]
    return code if code in LANGUAGES else "es"


def published() -> QuerySet[Article]:
    return Article.objects.published().select_related("category")


def get_article_for(user: object, slug: str) -> Article:
    """A published article for everyone; drafts only for staff (to preview them)."""
    articles = Article.objects.select_related("category")
    if not getattr(user, "is_staff", False) and not getattr(user, "is_agent", False):
        articles = articles.published()
    try:
        return articles.get(slug=slug)
    except Article.DoesNotExist:
        raise Http404("No such guide") from None


def categories_with_articles() -> list[tuple[ArticleCategory, list[Article]]]:
    shelves: dict[int, tuple[ArticleCategory, list[Article]]] = {}
    for article in published().order_by("category__order", "category__slug", "title_es"):
        shelf = shelves.setdefault(article.category_id, (article.category, []))
        shelf[1].append(article)
    return list(shelves.values())


def words(text: str) -> list[str]:
    found = []
    for word in re.findall(r"\w+", (text or "").lower()):
        if len(word) >= MIN_WORD and word not in STOP_WORDS and word not in found:
            found.append(word)
        if len(found) >= MAX_WORDS:
            break
    return found


def search(text: str, *, language: str | None = None, limit: int = 10) -> list[Article]:
    """Published articles matching any word of ``text``, best first."""
    terms = words(text)
    if not terms:
        return []
    code = _language(language)
    title, body = f"title_{code}", f"body_{code}"
    # Articles not translated yet are found by their Spanish text.
    fields = [(title, body)] if code == "es" else [(title, body), ("title_es", "body_es")]
    match = Q()
    score: CombinedExpression | Value = Value(0)
    for term in terms:
        for t, b in fields:
            match |= Q(**{f"{t}__icontains": term}) | Q(**{f"{b}__icontains": term})
            score = score + Case(When(**{f"{t}__icontains": term}, then=Value(3)), default=Value(0))  # type: ignore[assignment]
            score = score + Case(When(**{f"{b}__icontains": term}, then=Value(1)), default=Value(0))  # type: ignore[assignment]
    return list(
        published()
        .filter(match)
        .annotate(rank=ExpressionWrapper(score, output_field=IntegerField()))
        .order_by("-rank", "title_es")[:limit]
    )


def suggestions(*, guide_slug: str = "", text: str = "", language: str | None = None, limit: int = 5) -> list[Article]:
    """Guides to show beside the assistance form: the query type's own guide first, then matches."""
    chosen: list[Article] = []
    if guide_slug:
        article = published().filter(slug=guide_slug).first()
        if article is not None:
            chosen.append(article)
    for article in search(text, language=language, limit=limit + 1):
        if article.pk not in {a.pk for a in chosen}:
            chosen.append(article)
    return chosen[:limit]
