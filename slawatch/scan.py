"""Find tickets due for an SLA warning or breach and fire each exactly once.

``due_ticket_ids`` is the one indexed query (a range scan on the partial index over
``sla_next_check_at``). ``handle`` takes each due milestone through
``tickets.actions.record_sla_milestone`` (a conditional UPDATE settles the race between workers;
the audit event is dispatched like every other) and tells the people concerned in the same
transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from slawatch.notify import announce
from tickets import actions
from tickets.actions.sla import MILESTONES
from tickets.models import Ticket


def due_query(now: datetime, limit: int) -> QuerySet[Ticket]:
    return Ticket.objects.filter(sla_next_check_at__lte=now).order_by("sla_next_check_at").only("pk")[:limit]


def due_ticket_ids(now: datetime, limit: int = 500) -> list[int]:
    return [ticket.pk for ticket in due_query(now, limit)]


def handle(pk: int, now: datetime) -> list[str]:
    """Fire what is due on one ticket; return what this call fired (each at most once, ever)."""
    fired: list[str] = []
    for milestone in MILESTONES:
        with transaction.atomic():
            event = actions.record_sla_milestone(pk, milestone=milestone, now=now)
            if event is None:
                continue
            announce(event, now=now)
        fired.append(milestone)
    actions.refresh_sla_next_check(pk)
    return fired


def scan(now: datetime, limit: int = 500) -> dict[str, int]:
    """One pass: every due ticket (up to ``limit``) handled; counts of what fired."""
    counts = {"tickets": 0, "warning": 0, "breach": 0, "resolution": 0}
    for pk in due_ticket_ids(now, limit):
        counts["tickets"] += 1
        for milestone in handle(pk, now):
            counts[milestone] += 1
    return counts


__all__ = ["due_query", "due_ticket_ids", "handle", "scan"]
