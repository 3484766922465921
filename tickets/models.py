"""Tickets, their conversation, attachments, links and audit trail.

Rows here are written only through ``tickets.actions``; nothing else calls ``save()`` on a
ticket. ``TicketEvent`` rows are never changed or deleted once written.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from levels.models import Category, SupportLevel, Team, TicketKind
from services.models import Service
from sla.models import Outcome, Priority, SlaClock, SlaState


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_CUSTOMER)


class Channel(models.TextChoices):
    MANAGER = "manager", _("Manager")
    DIRECT_LINK = "direct_link", _("Direct link")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring")


class Sender(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    SUPPORT = "support", _("Support")
    SYSTEM = "system", _("System")


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, user: User | Any) -> TicketQuerySet:
        """Tickets this person may see: their organisation's for a customer, all for staff."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_customer:
            return self.filter(organisation_id=user.organisation_id)
        if user.is_agent or user.is_superuser:
            return self.all()
        return self.none()

    def active(self) -> TicketQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


class Ticket(models.Model):
    """A request from a customer, on one level at a time, about one of their services."""

    number = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    # No index of its own on organisation, level and assignee: each leads a composite index below
    # (tickets_org_activity_idx, tickets_level_status_idx, tickets_assignee_status_idx), which
    # serves the same lookups, and every index is one more page written by each new ticket.
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        null=True,
        blank=True,
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="tickets", null=True, blank=True
    )
    level = models.ForeignKey(
        SupportLevel, verbose_name=_("level"), on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="tickets", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=32, choices=TicketKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.MANAGER)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    # The customer's support plan when the ticket was opened (``sla.SupportPlan.code``; blank for
    # tickets opened before plans, which keep their level's policy).
    support_plan = models.CharField(_("support plan"), max_length=32, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        null=True,
        blank=True,
        db_index=False,
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, related_name="tickets", null=True, blank=True
    )
    last_message_from = models.CharField(
        _("last message from"), max_length=10, choices=Sender.choices, default=Sender.CUSTOMER
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("last activity"))
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    score_comment = models.TextField(_("score comment"), blank=True)
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)

    # The SLA clock (computed by ``sla.clock``, written by ``tickets.actions``). Business time
    # already consumed is kept in ``sla_elapsed``/``sla_resolution_elapsed``; the running segment
    # starts at ``sla_segment_started_at`` (NULL while paused or stopped). Due times are derived from
    # those two and the level's calendar and policy, never from ``created_at``, so a pause is
    # never counted and never lost when the level, policy or calendar changes.
    sla_policy_level = models.CharField(_("SLA policy of level"), max_length=2, blank=True)
    sla_clock = models.CharField(_("response clock"), max_length=20, choices=SlaClock.choices, blank=True)
    sla_state = models.CharField(_("SLA state"), max_length=10, choices=SlaState.choices, blank=True)
    sla_started_at = models.DateTimeField(_("response clock started"), null=True, blank=True)
    sla_segment_started_at = models.DateTimeField(_("clock running since"), null=True, blank=True)
    sla_elapsed = models.DurationField(_("business time used (response)"), default=timedelta(0))
    sla_resolution_elapsed = models.DurationField(_("business time used (resolution)"), default=timedelta(0))
    sla_paused_at = models.DateTimeField(_("clock paused"), null=True, blank=True)
    first_response_warn_at = models.DateTimeField(_("first response: warning at"), null=True, blank=True)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_warn_at = models.DateTimeField(_("next response: warning at"), null=True, blank=True)
    next_response_due_at = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_warned_at = models.DateTimeField(_("SLA warning sent"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(_("SLA breach recorded"), null=True, blank=True)
    sla_resolution_breached_at = models.DateTimeField(_("resolution breach recorded"), null=True, blank=True)
    sla_next_check_at = models.DateTimeField(_("next SLA check"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["level", "status", "created_at"], name="tickets_level_status_idx"),
            # Lists, newest activity first: a customer's, and staff's across every customer (the
            # API's list). Ascending keys, read backwards: a new ticket's entry goes at the end of
            # the index, where SQLite and PostgreSQL append to the last page, instead of at the
            # start, where every page fills half and splits (more pages written by each ticket).
            models.Index(fields=["organisation", "updated_at", "id"], name="tickets_org_activity_asc_idx"),
            models.Index(fields=["updated_at", "id"], name="tickets_activity_asc_idx"),
            # An agent's tickets. Only assigned ones: a new ticket has no assignee, and leaving it
            # out of the index is one page fewer to write when a ticket is opened.
            models.Index(
                fields=["assignee", "status"],
                name="tickets_assignee_status_idx",
                condition=models.Q(assignee__isnull=False),
            ),
            # Resolved and closed tickets by when they were resolved (auto-close, satisfaction);
            # tickets not yet resolved are left out for the same reason.
            models.Index(
                fields=["status", "resolved_at"],
                name="tickets_status_resolved_idx",
                condition=models.Q(resolved_at__isnull=False),
            ),
            # The SLA scan: "what is due for a warning or a breach now" is one range scan on this.
            # The id is part of the key so the scan is an index-only scan on PostgreSQL too.
            models.Index(
                fields=["sla_next_check_at", "id"],
                name="tickets_sla_next_check_idx",
                condition=models.Q(sla_next_check_at__isnull=False),
            ),
            # The time-based automations: active tickets by status and last activity ("waiting for
            # the customer for 3 days", "unassigned for an hour") are a range on this; closed
            # tickets are left out, so the scan reads only what can still be acted on.
            models.Index(
                fields=["status", "updated_at", "id"],
                name="tickets_active_activity_idx",
                condition=models.Q(status__in=["new", "open", "waiting_customer"]),
            ),
            # The console queue: a level's active tickets by when an answer is due, in the queue's
            # exact order, so its first page reads that many index entries. Only active tickets:
            # closed ones (no due time) would otherwise fill the "nothing due" end of the order.
            models.Index(
                models.F("level"),
                Coalesce("first_response_due_at", "next_response_due_at"),
                models.F("created_at"),
                models.F("id"),
                name="tickets_level_active_due_idx",
                condition=models.Q(status__in=["new", "open", "waiting_customer"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="tickets_ticket_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Message(models.Model):
    """One message of a ticket's conversation: public (the customer sees it) or an internal note."""

    # Indexed by tickets_message_ticket_idx (ticket, created_at). The author is not indexed:
    # nothing looks messages up by author, and an index would be one more page written by every
    # message; deleting a user (refused once they have written) reads the table instead.
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="ticket_messages",
        null=True,
        blank=True,
        db_index=False,
    )
    sender = models.CharField(_("from"), max_length=10, choices=Sender.choices)
    body = models.TextField(_("message"))
    body_html = models.TextField(_("message (rendered)"), editable=False)
    internal = models.BooleanField(_("internal note"), default=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.MANAGER)
    created_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="tickets_message_ticket_idx")]

    def __str__(self) -> str:
        return f"#{self.ticket.number} {self.sender} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.ticket.number}/{instance.token}/{filename}"


class Attachment(models.Model):
    """A file sent with a message, kept in Django's storage."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments", null=True
    )
    token = models.CharField(_("token"), max_length=32, unique=True)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    INCIDENT_OPENED = "incident_opened", _("Incident opened from this ticket")
    DUPLICATE = "duplicate", _("Duplicate of")
    INTERVENTION = "intervention", _("Intervention requested")


class TicketLink(models.Model):
    """A link between two tickets, read from both ends (an L2 ticket and the L1 incident it opened)."""

    source = models.ForeignKey(Ticket, verbose_name=_("from"), on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, verbose_name=_("to"), on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices, default=LinkKind.RELATED)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="tickets_link_unique"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="tickets_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} -{self.kind}-> {self.target_id}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Opened")
    MESSAGE = "message", _("Reply")
    NOTE = "note", _("Internal note")
    ASSIGNED = "assigned", _("Assigned")
    STATUS = "status", _("Status changed")
    TRANSFERRED = "transferred", _("Moved to another level")
    LINKED = "linked", _("Linked")
    REOPENED = "reopened", _("Reopened")
    SCORED = "scored", _("Scored")
    HANDED_OFF = "handed_off", _("Handed to commercial for a quote")
    UPDATED = "updated", _("Updated")
    SLA_CLOCK = "sla_clock", _("SLA clock changed")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA target missed")
    PRIORITY = "priority", _("Priority changed")
    AUTOMATION = "automation", _("Automation ran")


class ImmutableRowError(Exception):
    """An audit event was about to be changed or deleted."""


class TicketEvent(models.Model):
    """One change to a ticket: who, when, what, and the values before and after. Never edited."""

    # Indexed by tickets_event_ticket_idx (ticket, created_at). The actor is not indexed, as
    # a message's author is not.
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="ticket_events",
        null=True,
        blank=True,
        db_index=False,
    )
    kind = models.CharField(_("what"), max_length=20, choices=EventKind.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="tickets_event_ticket_idx"),
            models.Index(fields=["kind", "created_at"], name="tickets_event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:  # a row read or written already: never an UPDATE
            raise ImmutableRowError("Ticket events are never changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError("Ticket events are never deleted.")


class PendingDispatch(models.Model):
    """An audit event not yet handed to the apps that react to it (``tickets.dispatch``).

    The row is inserted in the event's own transaction, so an event that commits is dispatched
    even if its process dies just after; the worker claims rows in batches, hands each event to
    the handlers and deletes the batch. A claim older than ``tickets.dispatch.STALE_CLAIM`` (its
    worker died) is taken again.
    """

    # The key is the table's own row number, so on SQLite the row is one entry appended to
    # one tree; the event is found by it, never looked up by the event (hence no index).
    event = models.ForeignKey(
        TicketEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)

    class Meta:
        verbose_name = _("event awaiting dispatch")
        verbose_name_plural = _("events awaiting dispatch")

    def __str__(self) -> str:
        return f"event {self.event_id}"


class SlaMeasurement(models.Model):
    """How one response clock of a ticket ended: answered in time, late, or stopped (resolved,
    transferred).

    Written once, by the action that ends the clock; the SLA report aggregates these rows in SQL.
    The table keeps the name it had when the row belonged to the ``sla`` app.
    """

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="sla_measurements"
    )
    level = models.CharField(_("level"), max_length=2)
    clock = models.CharField(_("clock"), max_length=20)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"))
    elapsed_seconds = models.BigIntegerField(_("business seconds used"))
    target_seconds = models.BigIntegerField(_("target in business seconds"))

    class Meta:
        db_table = "sla_slameasurement"
        verbose_name = _("SLA measurement")
        verbose_name_plural = _("SLA measurements")
        indexes = [models.Index(fields=["clock", "level", "ended_at"], name="sla_measure_report_idx")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.level} {self.clock} {self.outcome}"
