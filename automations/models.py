"""Automations supervisors write without code: a trigger, conditions, and steps to run.

Rows here are written only through ``automations.actions`` (a rule and its versions) and
``automations.engine`` (its runs). A rule's ``conditions`` and ``steps`` are JSON checked by
``automations.conditions`` and ``automations.steps`` before they are saved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    """When a rule is considered: on a ticket event, or by the scheduler after a while."""

    OPENED = "opened", _("A ticket is opened")
    CUSTOMER_REPLIED = "customer_replied", _("The customer writes")
    AGENT_REPLIED = "agent_replied", _("Staff answer the customer")
    LEVEL_MOVED = "level_moved", _("The ticket moves to another level")
    SLA_WARNING = "sla_warning", _("An answer is due soon (SLA warning)")
    SLA_BREACH = "sla_breach", _("An answer is late (SLA breach)")
    NO_CUSTOMER_REPLY = "no_customer_reply", _("No reply from the customer for some hours")
    UNASSIGNED = "unassigned", _("Nobody has taken the ticket for some hours")


TIME_BASED = (Trigger.NO_CUSTOMER_REPLY, Trigger.UNASSIGNED)


class Automation(models.Model):
    """One rule. Rules for the same trigger run in ``position`` order; ``stop`` ends the list for
    that event when the rule ran. ``hours`` is the wait of a time-based trigger."""

    name = models.CharField(_("name"), max_length=120)
    trigger = models.CharField(_("when"), max_length=32, choices=Trigger.choices)
    hours = models.PositiveIntegerField(_("after (hours)"), null=True, blank=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    steps = models.JSONField(_("actions"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=100)
    stop = models.BooleanField(_("stop the rules after this one"), default=False)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("last changed"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("automation")
        verbose_name_plural = _("automations")
        ordering = ["trigger", "position", "id"]
        indexes = [models.Index(fields=["trigger", "active", "position"], name="automations_trigger_idx")]

    def __str__(self) -> str:
        return self.name


class AutomationVersion(models.Model):
    """What a rule said at each version, who saved it and when. Never changed."""

    automation = models.ForeignKey(
        Automation, verbose_name=_("automation"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("rule"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("automation version")
        verbose_name_plural = _("automation versions")
        ordering = ["automation", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["automation", "version"], name="automations_version_unique"),
        ]


class AutomationRun(models.Model):
    """One rule run on one ticket, at most once per ``period``: the event it reacted to
    (``event:<id>``), or for a time-based rule the stretch of waiting it acted on. The unique key
    is what keeps two workers or schedulers from acting twice."""

    automation = models.ForeignKey(
        Automation, verbose_name=_("automation"), on_delete=models.CASCADE, related_name="runs"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="automation_runs"
    )
    version = models.PositiveIntegerField(_("version"))
    period = models.CharField(_("period"), max_length=80)
    results = models.JSONField(_("what each action did"), default=list)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("automation run")
        verbose_name_plural = _("automation runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["automation", "ticket", "period"], name="automations_run_once"),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="automations_run_ticket_idx")]
