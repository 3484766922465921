"""The console's own rows: canned replies, phone calls, CTI deliveries and the search index."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from levels.models import PhoneLine, SupportLevel
from services.models import Service
from tickets.models import Ticket

PLACEHOLDERS = ("customer_name", "ticket_number", "service_reference", "agent_name")


class CannedReply(models.Model):
    """A ready-made answer for one level's staff; ``{customer_name}``, ``{ticket_number}``,
    ``{service_reference}`` and ``{agent_name}`` are filled in when it is used."""

    level = models.ForeignKey(
        SupportLevel, verbose_name=_("level"), on_delete=models.CASCADE, related_name="canned_replies"
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"),
        help_text=_("Placeholders: {customer_name}, {ticket_number}, {service_reference}, {agent_name}."),
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["level__order", "order", "title"]
        constraints = [models.UniqueConstraint(fields=["level", "title"], name="console_canned_reply_unique_title")]

    def __str__(self) -> str:
        return f"{self.level.code} · {self.title}"


class CallState(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    HUNG_UP = "hung_up", _("Hung up")


class CallLog(models.Model):
    """One phone call on a support line: who called, who answered, how long, and the ticket it opened.

    Rows come from the phone intake screen and from the PBX/CTI connector (``call_id`` is then
    the PBX's identifier, unique, so repeated events update the same row).
    """

    line = models.ForeignKey(PhoneLine, verbose_name=_("line"), on_delete=models.PROTECT, related_name="calls")
    call_id = models.CharField(_("PBX call id"), max_length=64, null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=CallState.choices, default=CallState.ANSWERED)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="calls_taken",
        null=True,
        blank=True,
    )
    caller_number = models.CharField(_("caller number"), max_length=32, blank=True)
    digits = models.CharField(_("digits typed"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.SET_NULL, related_name="calls", null=True, blank=True
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.SET_NULL, related_name="calls", null=True, blank=True
    )

    class Meta:
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["agent", "-started_at"], name="console_call_agent_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["call_id"], condition=models.Q(call_id__isnull=False), name="console_call_unique_pbx_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line.number} {self.caller_number} {self.started_at:%Y-%m-%d %H:%M}"


class SearchDocument(models.Model):
    """The searchable text of one ticket: number, subject, customer identifiers, service, messages.

    On PostgreSQL ``vector`` holds its ``tsvector`` under a GIN index; on SQLite the text is
    mirrored into the FTS5 table ``console_search_fts`` (rowid = ticket id). Both are created by
    the console's migrations for the engine in use.
    """

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    document = models.TextField(_("text"))
    vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(_("indexed"))

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return str(self.ticket_id)
