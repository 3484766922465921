"""Automatic triage: probe runs and their results, the routing table, monitoring alerts, outages.

Rows here are written only through ``triage/actions.py`` (and the admin, for the routing table).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from services.models import Service
from tickets.models import Ticket
from triage.explanations import MESSAGES
from triage.rules import rules_from_dicts


class RoutingRuleSet(models.Model):
    """A routing table: rules read top to bottom, the first match decides (see ``triage/rules.py``).

    Exactly one set is active at a time; the desk loads it once per process and reloads it
    when any set is saved. Without an active set the guide's defaults apply.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    rules = models.JSONField(
        _("rules"),
        default=list,
        help_text=_(
            "A list of rules, each with incident_type, action (stay_l1, to_l2, keep_flag_human), "
            "message_key and optionally when, all_pass and any_outcome."
        ),
    )
    active = models.BooleanField(_("active"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    class Meta:
        verbose_name = _("routing rule set")
        verbose_name_plural = _("routing rule sets")
        ordering = ["-active", "name"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="triage_one_active_ruleset"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parsed = rules_from_dicts(self.rules)
        except ValueError as error:
            raise ValidationError({"rules": str(error)}) from None
        unknown = sorted({rule.message_key for rule in parsed} - set(MESSAGES))
        if unknown:
            raise ValidationError(
                {
                    "rules": _("Unknown message key(s) %(keys)s; use one of %(known)s.")
                    % {"keys": ", ".join(unknown), "known": ", ".join(sorted(MESSAGES))}
                }
            )
        if self.active and RoutingRuleSet.objects.filter(active=True).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"active": _("Another rule set is active; use the “Make active” action to switch sets.")}
            )


class Trigger(models.TextChoices):
    DECLARED = "declared", _("Incident declared")
    RERUN = "rerun", _("Re-run by an agent")


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Decision(models.TextChoices):
    STAY_L1 = "stay_l1", _("Stays on level 1")
    TO_L2 = "to_l2", _("Passed to level 2")
    KEEP_FLAG_HUMAN = "keep_flag_human", _("Kept, for a technician to look at")


class ProbeRun(models.Model):
    """One round of probes of a ticket's service, the decision the routing table took, and
    whether a person overrode it."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="probe_runs")
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    incident_type = models.CharField(_("incident type"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    created_at = models.DateTimeField(_("requested"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    message_key = models.CharField(_("explanation"), max_length=50, blank=True)
    rule_index = models.PositiveSmallIntegerField(_("rule"), null=True, blank=True)
    ruleset_name = models.CharField(_("rule set"), max_length=100, blank=True)
    evidence = models.JSONField(_("outcome per probe kind"), default=dict, blank=True)
    applied = models.BooleanField(_("decision applied"), default=False)
    needs_human = models.BooleanField(_("needs a technician"), default=False)
    failure = models.TextField(_("failure"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("overridden"), null=True, blank=True)
    override_decision = models.CharField(_("decision by a person"), max_length=20, choices=Decision.choices, blank=True)
    override_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("probe run")
        verbose_name_plural = _("probe runs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-created_at", "-id"], name="triage_run_ticket_idx"),
            models.Index(fields=["status", "created_at"], name="triage_run_status_idx"),
            models.Index(fields=["needs_human"], condition=Q(needs_human=True), name="triage_run_human_idx"),
        ]
        constraints = [
            # A retried or duplicated "ticket created" event starts no second automatic run.
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(trigger="declared"), name="triage_one_declared_run_per_ticket"
            ),
            # Two clicks on "re-run" queue one run, not two.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status__in=["pending", "running"]),
                name="triage_one_active_run_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.trigger} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in {RunStatus.DONE, RunStatus.FAILED}

    @property
    def effective_decision(self) -> str:
        return self.override_decision or self.decision


class Outcome(models.TextChoices):
    UP = "up", _("Up")
    DOWN = "down", _("Down")
    ERROR = "error", _("Could not check")


class ProbeResult(models.Model):
    """One probe of one declared endpoint: when, what, the outcome and how long it took."""

    run = models.ForeignKey(ProbeRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="results")
    position = models.PositiveSmallIntegerField(_("position"))
    started_at = models.DateTimeField(_("time"))
    kind = models.CharField(_("probe"), max_length=8)
    target = models.CharField(_("target"), max_length=255)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    label = models.CharField(_("check"), max_length=300)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    latency_ms = models.FloatField(_("latency (ms)"), null=True, blank=True)
    detail_code = models.CharField(_("detail code"), max_length=32)
    detail = models.TextField(_("detail"), blank=True)
    code = models.IntegerField(_("reply code"), null=True, blank=True)

    class Meta:
        verbose_name = _("probe result")
        verbose_name_plural = _("probe results")
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="triage_result_position_unique")]

    def __str__(self) -> str:
        return f"{self.label}: {self.outcome}"


class ScopeKind(models.TextChoices):
    HOST_NODE = "host_node", _("Host")
    RACK = "rack", _("Rack")
    NETWORK_SEGMENT = "network_segment", _("Network segment")


class OutageStatus(models.TextChoices):
    OPEN = "open", _("Ongoing")
    CLOSED = "closed", _("Closed")


class Outage(models.Model):
    """Several services behind one host, rack or network segment failing together: one outage
    groups their monitoring alerts and their customers' incident tickets."""

    scope_kind = models.CharField(_("behind"), max_length=20, choices=ScopeKind.choices)
    scope_value = models.CharField(_("name"), max_length=100)
    status = models.CharField(_("status"), max_length=8, choices=OutageStatus.choices, default=OutageStatus.OPEN)
    started_at = models.DateTimeField(_("started"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closing_note = models.TextField(_("closing message"), blank=True)

    class Meta:
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "-started_at"], name="triage_outage_status_idx")]
        constraints = [
            # Two workers seeing the same burst open one outage: the loser reads the winner's row.
            models.UniqueConstraint(
                fields=["scope_kind", "scope_value"],
                condition=Q(status="open"),
                name="triage_one_open_outage_per_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_kind_display()} {self.scope_value}"

    @property
    def is_open(self) -> bool:
        return self.status == OutageStatus.OPEN

    def affected_services(self) -> models.QuerySet[Service]:
        return Service.objects.filter(**{self.scope_kind: self.scope_value})


class GroupedTicket(models.Model):
    """A ticket grouped under an outage: one per service per outage."""

    outage = models.ForeignKey(Outage, verbose_name=_("outage"), on_delete=models.CASCADE, related_name="grouped")
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(_("grouped"))

    class Meta:
        verbose_name = _("grouped ticket")
        verbose_name_plural = _("grouped tickets")
        constraints = [models.UniqueConstraint(fields=["outage", "ticket"], name="triage_grouped_ticket_unique")]
        indexes = [models.Index(fields=["ticket"], name="triage_grouped_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.outage_id}: {self.ticket_id}"


class AlertState(models.TextChoices):
    PROBLEM = "problem", _("Problem")
    RECOVERY = "recovery", _("Recovery")


class MonitoringAlert(models.Model):
    """A problem reported by monitoring for one check of one service, open until it recovers.

    While it is open, further problem alerts for the same service and check only count here;
    the recovery resolves its ticket.
    """

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="monitoring_alerts"
    )
    check_name = models.CharField(_("check"), max_length=64)
    first_alert_id = models.CharField(_("alert id"), max_length=200)
    problem_at = models.DateTimeField(_("problem since"))
    received_at = models.DateTimeField(_("received"))
    last_seen_at = models.DateTimeField(_("last alert"))
    alert_count = models.PositiveIntegerField(_("alerts received"), default=1)
    resolved_at = models.DateTimeField(_("recovered"), null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outage = models.ForeignKey(
        Outage, verbose_name=_("outage"), on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )

    class Meta:
        verbose_name = _("monitoring alert")
        verbose_name_plural = _("monitoring alerts")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["resolved_at", "received_at"], name="triage_alert_open_idx"),
        ]
        constraints = [
            # De-duplication while the problem lasts, enforced by the database (no read-then-write
            # race between two web processes receiving the same alert twice).
            models.UniqueConstraint(
                fields=["service", "check_name"],
                condition=Q(resolved_at__isnull=True),
                name="triage_one_open_alert_per_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.check_name}"
