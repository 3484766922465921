"""Background work of the tickets app."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from tickets import dispatch

logger = logging.getLogger(__name__)


@task()
def dispatch_event(event_id: int) -> list[str]:
    """Hand one audit event to every registered handler; a failing handler does not stop the others."""
    done = []
    for name, handler in dispatch.handlers().items():
        try:
            handler(event_id)
        except Exception:
            logger.exception("event handler %s failed for event %s", name, event_id)
        else:
            done.append(name)
    return done


@task()
def close_resolved_tickets() -> int:
    """Close tickets left resolved for longer than ``TIERDESK_AUTO_CLOSE_DAYS`` without a reply."""
    from tickets import actions
    from tickets.models import Status, Ticket

    now = timezone.now()
    cutoff = now - timedelta(days=settings.AUTO_CLOSE_DAYS)
    closed = 0
    for ticket in Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff).order_by("resolved_at")[:500]:
        try:
            actions.close_ticket(ticket, actor=None, now=now)
        except actions.ActionRefused:
            continue  # Reopened or closed by someone else since the query: nothing to do.
        closed += 1
    return closed
