"""Text stored in three languages, as data an administrator edits."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TranslatedName(models.Model):
    """A name in Spanish, English and French; ``name`` follows the active language."""

    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return self.name_in(get_language() or "es")

    def name_in(self, language: str) -> str:
        value: str = getattr(self, f"name_{language[:2]}", "") or self.name_es
        return value

    def __str__(self) -> str:
        return self.name
