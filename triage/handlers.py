"""Reactions to ticket events (registered with ``tickets.dispatch`` in ``TriageConfig.ready``)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from levels.models import TicketKind
from tickets.models import EventKind, TicketEvent
from triage.actions import triage_new_incident


def on_ticket_event(event_id: int) -> None:
    """A newly declared incident: group it under an ongoing outage, or check its service."""
    event = (
        TicketEvent.objects.filter(pk=event_id, kind=EventKind.CREATED)
        .select_related("ticket__service", "ticket__category", "ticket__level")
        .first()
    )
    if event is None or event.ticket.kind != TicketKind.INCIDENT or not settings.TRIAGE_ON_DECLARE:
        return
    triage_new_incident(event.ticket, now=timezone.now())
