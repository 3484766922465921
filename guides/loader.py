"""Create the first articles when they are missing; never overwrite what an editor changed."""

from __future__ import annotations

from django.db import transaction

from guides.content import ARTICLES, CATEGORIES
from guides.models import Article, ArticleCategory, ArticleStatus


@transaction.atomic
def load_articles() -> int:
    """Returns how many articles were created (0 when all were already there)."""
    categories = {}
    for data in CATEGORIES:
        category, _created = ArticleCategory.objects.get_or_create(
            slug=data["slug"],
            defaults={k: v for k, v in data.items() if k != "slug"},
        )
        categories[data["slug"]] = category
    created = 0
    for item in ARTICLES:
        _article, was_created = Article.objects.get_or_create(
            slug=item["slug"],
            defaults={
                "category": categories[item["category"]],
                "status": ArticleStatus.PUBLISHED,
                **{f"{f}_{lang}": item[f"{f}_{lang}"] for f in ("title", "body") for lang in ("es", "en", "fr")},  # type: ignore[literal-required]
            },
        )
        created += int(was_created)
    by_slug = {a.slug: a for a in Article.objects.filter(slug__in=[i["slug"] for i in ARTICLES])}
    for item in ARTICLES:
        article = by_slug[item["slug"]]
        if not article.related.exists():
            article.related.add(*[by_slug[s] for s in item["related"] if s in by_slug])
    return created
