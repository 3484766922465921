"""E-mail out and in: notifications and their deliveries, agents' preferences, inbound mail.

Rows here are written through ``notifications/actions.py`` and the tasks in
``notifications/tasks.py``. An inbound message is stored as raw bytes before anything else
happens to it, so a crash, a bug or a bad message never loses it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """What a notification is about; each has its templates in ``templates/notifications/<event>/``."""

    TICKET_CREATED = "ticket_created", _("Ticket opened")
    TICKET_REPLY = "ticket_reply", _("New reply on a ticket")
    TICKET_STATUS = "ticket_status", _("Ticket status changed")
    TICKET_TRANSFERRED = "ticket_transferred", _("Ticket moved to another level")
    INCIDENT_OPENED_FROM = "incident_opened_from", _("Incident opened from a ticket")
    STAFF_ALERT = "staff_alert", _("Alert for staff")
    UNKNOWN_SENDER = "unknown_sender", _("Answer to an unknown sender")
    SLA_WARNING = "sla_warning", _("SLA warning: a ticket is due soon")
    SLA_BREACH = "sla_breach", _("SLA missed: a ticket is past its target")
    QUOTE_SENT = "quote_sent", _("Quote sent to the customer")
    INTERVENTION_SCHEDULED = "intervention_scheduled", _("Intervention scheduled or moved (customer)")
    INTERVENTION_ASSIGNED = "intervention_assigned", _("Intervention scheduled or moved (administrator)")
    INVOICE_ISSUED = "invoice_issued", _("Invoice or credit note issued")
    PASSWORD_RESET = "password_reset", _("Password reset link")
    REPLY_REFUSED = "reply_refused", _("Answer to staff whose e-mail was not applied")
    TICKET_CLOSED_REPLY = "ticket_closed_reply", _("Answer to a customer who wrote to a closed ticket")


# Agents may switch these off; customers always get the mails about their tickets.
AGENT_EVENTS = (
    Event.TICKET_CREATED,
    Event.TICKET_REPLY,
    Event.TICKET_STATUS,
    Event.TICKET_TRANSFERRED,
    Event.INCIDENT_OPENED_FROM,
    Event.STAFF_ALERT,
    Event.SLA_WARNING,
    Event.SLA_BREACH,
    Event.INTERVENTION_ASSIGNED,
)


class Notification(models.Model):
    """One thing the desk tells people about: an event, its context and its attachments."""

    event = models.CharField(_("event"), max_length=50, db_index=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    context = models.JSONField(_("context"), default=dict, blank=True)
    auto_submitted = models.CharField(_("Auto-Submitted header"), max_length=20, default="auto-generated")
    in_reply_to = models.CharField(_("in reply to"), max_length=300, blank=True)
    # What caused it ("ticket-event:42:customer"): the same cause never notifies twice.
    key = models.CharField(_("key"), max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} #{self.ticket_id or '-'} {self.created_at:%Y-%m-%d %H:%M}"


class NotificationAttachment(models.Model):
    """A file sent with every delivery of a notification.

    Either its bytes are stored (``content``), or it is made at send time (and again on each
    retry) by the renderer registered for ``kind`` from ``reference`` — a quote's or an
    invoice's PDF, say; see ``notifications/registry.py``.
    """

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    content = models.BinaryField(_("content"), blank=True, default=b"")
    kind = models.CharField(_("made by"), max_length=50, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("notification attachment")
        verbose_name_plural = _("notification attachments")

    def __str__(self) -> str:
        return self.filename


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    RETRYING = "retrying", _("Will be retried")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One notification to one address, in that person's language and time zone."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        related_name="deliveries",
        null=True,
        blank=True,
    )
    address = models.EmailField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=8)
    time_zone = models.CharField(_("time zone"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due_idx"),
            models.Index(fields=["message_id"], name="notif_delivery_msgid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.status}"


class DeliveryAttempt(models.Model):
    """One try at handing a delivery to the mail server: what happened and when."""

    delivery = models.ForeignKey(Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField(_("attempt"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices)
    error = models.TextField(_("error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    attempted_at = models.DateTimeField(_("attempted"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number} {self.status}"


class NotificationPreference(models.Model):
    """Whether an agent gets one kind of notification by e-mail. No row means yes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event = models.CharField(_("event"), max_length=50, choices=Event.choices)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="notif_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event}={self.email}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not processed yet")
    TICKET_OPENED = "ticket_opened", _("Opened a ticket")
    REPLY_ADDED = "reply_added", _("Added to a ticket")
    DUPLICATE = "duplicate", _("Duplicate, ignored")
    AUTOMATED = "automated", _("Auto-reply or bounce, not answered")
    UNKNOWN_SENDER = "unknown_sender", _("Unknown sender")
    QUARANTINED = "quarantined", _("Quarantined")


class InboundSource(models.TextChoices):
    SMTP = "smtp", _("SMTP listener")
    IMAP = "imap", _("IMAP mailbox")
    OTHER = "other", _("Other")


class InboundMail(models.Model):
    """One message that reached the desk, kept raw first and processed after.

    ``processed_message_id`` is set only on the row that acted on a Message-ID; its unique
    constraint is what makes two copies of one message (an SMTP retry, the same mail polled
    twice) act once, even when two workers process them at the same moment.
    """

    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size"))
    source = models.CharField(_("source"), max_length=8, choices=InboundSource.choices)
    envelope_from = models.CharField(_("envelope sender"), max_length=320, blank=True)
    envelope_to = models.JSONField(_("envelope recipients"), default=list, blank=True)
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(_("status"), max_length=16, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    reason = models.TextField(_("reason"), blank=True)
    defects = models.JSONField(_("defects"), default=list, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True, db_index=True)
    processed_message_id = models.CharField(max_length=300, null=True, blank=True, editable=False)
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text (reply stripped)"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        related_name="inbound_mails",
        null=True,
        blank=True,
    )
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)

    class Meta:
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mail")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "-received_at"], name="notif_inbound_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["processed_message_id"], name="notif_inbound_processed_msgid_unique")
        ]

    def __str__(self) -> str:
        return f"{self.from_address or self.envelope_from} {self.subject[:60]}"


class AutoAnswer(models.Model):
    """An automatic answer sent to an address on a day; the unique row is the rate limit."""

    address = models.CharField(_("address"), max_length=320)
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=30)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("automatic answer")
        verbose_name_plural = _("automatic answers")
        constraints = [models.UniqueConstraint(fields=["address", "day", "kind"], name="notif_autoanswer_once_a_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.address} {self.day}"
