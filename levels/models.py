"""The support organisation as data: levels, their teams, phone lines and categories.

The defaults reproduce the guide "Niveles de soporte" (``levels/fixtures/guide.json``); an
administrator edits them in the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import TranslatedName


class LevelCode(models.TextChoices):
    L1 = "L1", _("Level 1")
    L2 = "L2", _("Level 2")
    L3 = "L3", _("Level 3")


class SupportLevel(TranslatedName):
    """One level of support: L1 incidents (24/7), L2 assistance (business hours), L3 managed services."""

    code = models.CharField(_("code"), max_length=2, choices=LevelCode.choices, unique=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    technical = models.BooleanField(_("technical"), default=True)
    commercial = models.BooleanField(_("commercial"), default=False)
    hours_es = models.CharField(_("opening hours (Spanish)"), max_length=200, blank=True)
    hours_en = models.CharField(_("opening hours (English)"), max_length=200, blank=True)
    hours_fr = models.CharField(_("opening hours (French)"), max_length=200, blank=True)
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="levels",
        null=True,
        blank=True,
    )
    email_address = models.EmailField(_("e-mail address"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("support level")
        verbose_name_plural = _("support levels")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def localized(self, field: str, language: str) -> str:
        value: str = getattr(self, f"{field}_{language[:2]}", "") or getattr(self, f"{field}_es")
        return value


class Team(TranslatedName):
    """A group of staff working one level's queue (e.g. L2 commercial)."""

    level = models.ForeignKey(SupportLevel, verbose_name=_("level"), on_delete=models.PROTECT, related_name="teams")
    code = models.SlugField(_("code"), max_length=50, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="teams", blank=True
    )
    commercial = models.BooleanField(_("commercial"), default=False, help_text=_("Handles quotes and billing."))
    email_address = models.EmailField(_("e-mail address"), blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["level__order", "code"]


class PhoneLine(TranslatedName):
    """A phone number customers call; the agent who answers opens the ticket for them."""

    level = models.ForeignKey(
        SupportLevel, verbose_name=_("level"), on_delete=models.PROTECT, related_name="phone_lines"
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("phone line")
        verbose_name_plural = _("phone lines")
        ordering = ["level__order", "number"]

    @property
    def digits(self) -> str:
        return "".join(c for c in self.number if c.isdigit())


class TicketKind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    ASSISTANCE_TECHNICAL = "assistance_technical", _("Technical assistance")
    ASSISTANCE_COMMERCIAL = "assistance_commercial", _("Commercial assistance")
    INTERVENTION = "intervention", _("Managed intervention")


class OvhCategory(models.TextChoices):
    """The three categories of OVH's public support API."""

    INCIDENT = "incident", "incident"
    ASSISTANCE = "assistance", "assistance"
    BILLING = "billing", "billing"


class Category(TranslatedName):
    """An incident type or a query type, as the customer picks it in the forms."""

    level = models.ForeignKey(
        SupportLevel, verbose_name=_("level"), on_delete=models.PROTECT, related_name="categories"
    )
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=TicketKind.choices)
    ovh_category = models.CharField(
        _("OVH API category"), max_length=16, choices=OvhCategory.choices, default=OvhCategory.ASSISTANCE
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="categories"
    )
    guide_slug = models.SlugField(_("suggested guide"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["level__order", "kind", "order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in TicketKind]), name="levels_category_kind_valid"
            ),
        ]
