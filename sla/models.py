"""Business calendars and the response promises (policies) of each level."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_time_zone


def default_windows() -> dict[str, list[list[str]]]:
    """Monday to Friday, 09:00–18:00."""
    return {str(day): [["09:00", "18:00"]] for day in range(5)}


class BusinessCalendar(models.Model):
    """When a level is open: weekly windows in a time zone, minus public holidays and closures.

    ``windows`` maps a weekday (``"0"`` Monday … ``"6"`` Sunday) to a list of ``["HH:MM", "HH:MM"]``
    pairs; ``"24:00"`` ends a window at midnight. ``always_open`` ignores windows and holidays
    (L1 works every hour of every day). Holidays come from the ``holidays`` package by
    ``country`` and ``subdivision``; ``closures`` lists extra closed dates (``YYYY-MM-DD``).
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Madrid", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(_("open 24 hours, every day"), default=False)
    windows = models.JSONField(_("weekly opening windows"), default=default_windows, blank=True)
    country = models.CharField(_("holidays: country"), max_length=2, blank=True, default="ES")
    subdivision = models.CharField(_("holidays: region"), max_length=10, blank=True)
    closures = models.JSONField(_("extra closed days"), default=list, blank=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """A level's promises: when a first answer is due, when to warn, and later targets."""

    level = models.OneToOneField(
        "levels.SupportLevel", verbose_name=_("level"), on_delete=models.CASCADE, related_name="sla_policy"
    )
    first_response_warning = models.DurationField(_("first response: warn after"), default=timedelta(hours=1))
    first_response_target = models.DurationField(_("first response: due within"), default=timedelta(hours=6))
    next_response_target = models.DurationField(
        _("next response after a customer message: due within"), null=True, blank=True
    )
    resolution_target = models.DurationField(_("resolution: due within"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_response_warning__lte=models.F("first_response_target")),
                name="sla_policy_warning_before_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level.code}: {self.first_response_warning} / {self.first_response_target}"
