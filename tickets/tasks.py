"""Background work of the tickets app."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from tickets import actions, dispatch
from tickets.models import PendingDispatch, Status, Ticket


@task()
def dispatch_pending() -> int:
    """Hand the events awaiting dispatch to every registered handler (``tickets.dispatch``)."""
    return dispatch.drain()


@task()
def dispatch_event(event_id: int) -> list[str]:
    """Hand one event to every registered handler now (and take it out of the pending ones).

    Events are dispatched by ``dispatch_pending``; this task remains for those enqueued one by
    one before that, and for a replay by hand."""
    PendingDispatch.objects.filter(event_id=event_id).delete()
    return dispatch.run_handlers(event_id)


@task()
def close_resolved_tickets() -> int:
    """Close tickets left resolved for longer than ``TIERDESK_AUTO_CLOSE_DAYS`` without a reply."""
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
