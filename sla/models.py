"""Business calendars, the response promises (policies) of each level, and how a promise ends.

Each ended response clock is measured in ``tickets.models.SlaMeasurement``.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, timedelta
from typing import Any

import holidays
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_time_zone
from core.i18n import TranslatedName

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def default_windows() -> dict[str, list[list[str]]]:
    """Monday to Friday, 09:00–18:00."""
    return {str(day): [["09:00", "18:00"]] for day in range(5)}


def _minutes(text: str) -> int:
    return 24 * 60 if text == "24:00" else int(text[:2]) * 60 + int(text[3:])


def windows_errors(windows: Any) -> list[str]:
    """What is wrong with a ``windows`` value, in words an administrator can act on."""
    day_names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    if not isinstance(windows, dict):
        return [str(_('Write the windows as {"0": [["09:00", "18:00"]], …} (0 is Monday, 6 is Sunday).'))]
    errors: list[str] = []
    for key, pairs in windows.items():
        if key not in {str(n) for n in range(7)}:
            errors.append(str(_("%(key)s is not a weekday; use 0 (Monday) to 6 (Sunday).") % {"key": key}))
            continue
        day = day_names[int(key)]
        if not isinstance(pairs, list):
            errors.append(str(_("%(day)s: write a list of [start, end] pairs.") % {"day": day}))
            continue
        spans = []
        for pair in pairs:
            if not isinstance(pair, list | tuple) or len(pair) != 2 or not all(isinstance(t, str) for t in pair):
                errors.append(str(_("%(day)s: %(pair)s is not a [start, end] pair.") % {"day": day, "pair": pair}))
                continue
            start, end = pair
            bad = [t for t, last in ((start, False), (end, True)) if not (_TIME.match(t) or (last and t == "24:00"))]
            if bad:
                errors.append(
                    str(
                        _("%(day)s: %(time)s is not a time (use HH:MM, 00:00 to 23:59, or 24:00 as an end).")
                        % {"day": day, "time": bad[0]}
                    )
                )
                continue
            if _minutes(end) <= _minutes(start):
                errors.append(
                    str(
                        _("%(day)s: %(start)s–%(end)s ends before it starts; split a night into two days.")
                        % {"day": day, "start": start, "end": end}
                    )
                )
                continue
            spans.append((_minutes(start), _minutes(end), start, end))
        spans.sort()
        for (_s1, e1, a1, b1), (s2, _e2, a2, b2) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                errors.append(
                    str(_("%(day)s: %(a)s and %(b)s overlap.") % {"day": day, "a": f"{a1}–{b1}", "b": f"{a2}–{b2}"})
                )
    return errors


def closures_errors(closures: Any) -> list[str]:
    if not isinstance(closures, list):
        return [str(_('Write the closed days as a list: ["2027-12-24", "2027-12-31"].'))]
    errors = []
    for value in closures:
        try:
            date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else date.fromisoformat("x")
        except ValueError:
            errors.append(str(_("%(value)s is not a date (use YYYY-MM-DD).") % {"value": value}))
    return errors


class BusinessCalendar(models.Model):
    """When a level is open: weekly windows in a time zone, minus public holidays and closures.

    ``windows`` maps a weekday (``"0"`` Monday … ``"6"`` Sunday) to a list of ``["HH:MM", "HH:MM"]``
    pairs; ``"24:00"`` ends a window at midnight. ``always_open`` ignores windows and holidays
    (L1 works every hour of every day). Holidays come from the ``holidays`` package by
    ``country`` and ``subdivision``; ``closures`` lists extra closed dates (``YYYY-MM-DD``).
    Each process caches the arithmetic calendar per (id, ``updated_at``), so a saved change
    is seen by every process at its next read of the row.
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
    updated_at = models.DateTimeField(_("last changed"), auto_now=True, null=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.time_zone not in zoneinfo.available_timezones():
            errors["time_zone"] = [str(_("%(value)s is not a known time zone.") % {"value": self.time_zone})]
        if not self.always_open:
            problems = windows_errors(self.windows)
            if problems:
                errors["windows"] = problems
            elif not any(self.windows.values()):
                errors["windows"] = [str(_("Give at least one opening window, or tick “open 24 hours”."))]
        country = (self.country or "").upper()
        self.country = country
        if self.subdivision and not country:
            errors["subdivision"] = [str(_("A region needs a country."))]
        if country:
            supported = holidays.list_supported_countries()
            if country not in supported:
                errors["country"] = [str(_("No public holidays are known for the country %(c)s.") % {"c": country})]
            elif self.subdivision and self.subdivision not in supported[country]:
                errors["subdivision"] = [
                    str(
                        _("%(s)s is not a region of %(c)s; known regions: %(known)s.")
                        % {"s": self.subdivision, "c": country, "known": ", ".join(supported[country])}
                    )
                ]
        problems = closures_errors(self.closures)
        if problems:
            errors["closures"] = problems
        if errors:
            raise ValidationError(errors)


class SlaPolicy(models.Model):
    """A level's promises: when a first answer is due, when to warn, and later targets.

    Durations are business time on the level's calendar. ``next_response_warning`` (optional)
    warns before a next response is due; without it, the first-response warning is used when it
    is shorter than the next-response target.
    """

    level = models.OneToOneField(
        "levels.SupportLevel", verbose_name=_("level"), on_delete=models.CASCADE, related_name="sla_policy"
    )
    first_response_warning = models.DurationField(_("first response: warn after"), default=timedelta(hours=1))
    first_response_target = models.DurationField(_("first response: due within"), default=timedelta(hours=6))
    next_response_warning = models.DurationField(_("next response: warn after"), null=True, blank=True)
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

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in (
            "first_response_warning",
            "first_response_target",
            "next_response_warning",
            "next_response_target",
            "resolution_target",
        ):
            value = getattr(self, name)
            if value is not None and value <= timedelta(0):
                errors[name] = str(_("Give a duration longer than zero."))
        if (
            self.first_response_warning is not None
            and self.first_response_target is not None
            and self.first_response_warning > self.first_response_target
        ):
            errors["first_response_warning"] = str(_("The warning must come before the target."))
        if self.next_response_warning is not None:
            if self.next_response_target is None:
                errors["next_response_warning"] = str(_("Set a next-response target for this warning."))
            elif self.next_response_warning > self.next_response_target:
                errors["next_response_warning"] = str(_("The warning must come before the target."))
        if errors:
            raise ValidationError(errors)

    def next_warning(self) -> timedelta | None:
        if self.next_response_target is None:
            return None
        if self.next_response_warning is not None:
            return self.next_response_warning
        if self.first_response_warning < self.next_response_target:
            return self.first_response_warning
        return None


class SlaState(models.TextChoices):
    """Where the ticket's response clock stands (``none``: no policy applies)."""

    NONE = "", _("No target")
    OK = "ok", _("On time")
    WARNING = "warning", _("Answer due soon")
    BREACHED = "breached", _("Target missed")
    MET = "met", _("Answered on time")


class SlaClock(models.TextChoices):
    """Which response promise is running."""

    NONE = "", _("None")
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")


class Outcome(models.TextChoices):
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Stopped before it was due")


# --- support plans and priority ------------------------------------------------------------------


class Priority(models.TextChoices):
    """How soon a ticket must be answered, from impact × urgency (``sla.priority``)."""

    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class OvhSupportLevel(models.TextChoices):
    """The names OVH's API answers for ``GET /1.0/me/supportLevel``."""

    STANDARD = "standard", "standard"
    PREMIUM = "premium", "premium"
    BUSINESS = "business", "business"
    ENTERPRISE = "enterprise", "enterprise"


def default_channels() -> list[str]:
    return ["manager", "direct_link", "phone", "email", "api", "monitoring"]


class SupportPlan(TranslatedName):
    """What a customer organisation bought: per level and priority, how soon an answer is due.

    ``targets`` hold the promise per (level, priority); a level with no target row for a
    priority keeps its own ``SlaPolicy``. Exactly one plan is the default: customers with no
    plan of their own are on it. ``channels`` lists the channels (``tickets.models.Channel``
    values) the customer may open tickets through; ``phone_lines`` the lines they may call.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    ovh_level = models.CharField(
        _("OVH support level"), max_length=16, choices=OvhSupportLevel.choices, default=OvhSupportLevel.STANDARD
    )
    is_default = models.BooleanField(_("default plan"), default=False)
    channels = models.JSONField(_("channels"), default=default_channels, blank=True)
    phone_lines = models.ManyToManyField(
        "levels.PhoneLine", verbose_name=_("phone lines"), related_name="support_plans", blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True, null=True)

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="sla_one_default_plan"
            ),
        ]

    def clean(self) -> None:
        known = set(default_channels())
        if not isinstance(self.channels, list) or not all(isinstance(c, str) and c in known for c in self.channels):
            raise ValidationError(
                {"channels": str(_("List the channels among: %(known)s.") % {"known": ", ".join(sorted(known))})}
            )


class PlanTarget(models.Model):
    """One plan's promise on one level for one priority (business time on the level's calendar)."""

    plan = models.ForeignKey(SupportPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="targets")
    level = models.ForeignKey(
        "levels.SupportLevel", verbose_name=_("level"), on_delete=models.CASCADE, related_name="plan_targets"
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    first_response_warning = models.DurationField(_("first response: warn after"))
    first_response_target = models.DurationField(_("first response: due within"))
    next_response_target = models.DurationField(
        _("next response after a customer message: due within"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["plan", "level", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "level", "priority"], name="sla_plan_target_unique"),
            models.CheckConstraint(
                condition=models.Q(first_response_warning__lte=models.F("first_response_target")),
                name="sla_plan_target_warning_before_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.level_id} {self.priority}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("first_response_warning", "first_response_target", "next_response_target"):
            value = getattr(self, name)
            if value is not None and value <= timedelta(0):
                errors[name] = str(_("Give a duration longer than zero."))
        if (
            self.first_response_warning is not None
            and self.first_response_target is not None
            and self.first_response_warning > self.first_response_target
        ):
            errors["first_response_warning"] = str(_("The warning must come before the target."))
        if errors:
            raise ValidationError(errors)


class CustomerPlan(models.Model):
    """The plan a customer organisation is on (none: the default plan)."""

    organisation = models.OneToOneField(
        "accounts.Organisation", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="support_plan"
    )
    plan = models.ForeignKey(SupportPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="customers")
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer's support plan")
        verbose_name_plural = _("customers' support plans")

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.plan.code}"
