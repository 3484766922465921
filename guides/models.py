"""The knowledge base: articles in Markdown in Spanish, English and French, grouped in categories."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.i18n import TranslatedName

LANGUAGES = ("es", "en", "fr")


class ArticleCategory(TranslatedName):
    """A shelf of the knowledge base (support, managing products...)."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("guide category")
        verbose_name_plural = _("guide categories")
        ordering = ["order", "slug"]


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(status=ArticleStatus.PUBLISHED)


class Article(models.Model):
    """A guide. Its slug is its stable address (``/guides/<slug>/``); other articles link to it by that."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    category = models.ForeignKey(
        ArticleCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="articles"
    )
    title_es = models.CharField(_("title (Spanish)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    body_es = models.TextField(_("text (Spanish, Markdown)"))
    body_en = models.TextField(_("text (English, Markdown)"), blank=True)
    body_fr = models.TextField(_("text (French, Markdown)"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT, db_index=True
    )
    related = models.ManyToManyField("self", verbose_name=_("related articles"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("guide")
        verbose_name_plural = _("guides")
        ordering = ["category__order", "title_es"]
        indexes = [models.Index(fields=["status", "category"], name="guides_article_status_idx")]

    def __str__(self) -> str:
        return self.title

    def _in(self, field: str, language: str | None) -> str:
        code = (language or get_language() or "es")[:2]
        value: str = getattr(self, f"{field}_{code}", "") if code in LANGUAGES else ""
        return value or getattr(self, f"{field}_es")

    @property
    def title(self) -> str:
        return self._in("title", None)

    @property
    def body(self) -> str:
        return self._in("body", None)

    def title_in(self, language: str) -> str:
        return self._in("title", language)

    def body_in(self, language: str) -> str:
        return self._in("body", language)

    def get_absolute_url(self) -> str:
        return reverse("guides:article", args=[self.slug])
