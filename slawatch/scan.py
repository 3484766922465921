"""Find tickets due for an SLA warning or breach and fire each exactly once.

``due_ticket_ids`` is the one indexed query (a range scan on the partial index over
``sla_next_check_at``). ``handle`` claims each milestone with a conditional UPDATE; see the
comment there for the race it settles.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from sla.clock import CLOCK_FIELDS, next_check
from tickets.models import EventKind, SlaState, Ticket, TicketEvent


def due_query(now: datetime, limit: int) -> QuerySet[Ticket]:
    return Ticket.objects.filter(sla_next_check_at__lte=now).order_by("sla_next_check_at").only("pk")[:limit]


def due_ticket_ids(now: datetime, limit: int = 500) -> list[int]:
    return [ticket.pk for ticket in due_query(now, limit)]


def _claim(pk: int, now: datetime, milestone: str) -> int:
    """Take one milestone of one ticket for this worker. 1: ours to announce; 0: not due or taken.

    The race: two schedulers or workers read the same ticket as due. Both issue this UPDATE;
    its WHERE requires the marker to be NULL. On PostgreSQL the first UPDATE locks the row until
    its transaction commits; the second waits, re-evaluates the WHERE on the committed row, finds
    the marker set and changes 0 rows. On SQLite writers are serialised (BEGIN IMMEDIATE), so the
    second UPDATE also sees the marker. Only the worker that changed 1 row writes the event and
    sends the notices. The ``<= now`` conditions also stop a stale read from firing a clock that
    was restarted (markers reset) or moved later (holiday added) since the scan query.
    """
    running = Ticket.objects.filter(pk=pk, sla_segment_started_at__isnull=False)
    if milestone == "warning":
        return running.filter(
            Q(first_response_warn_at__lte=now) | Q(next_response_warn_at__lte=now), sla_warned_at__isnull=True
        ).update(sla_warned_at=now, sla_state=SlaState.WARNING)
    if milestone == "breach":
        return running.filter(
            Q(first_response_due_at__lte=now) | Q(next_response_due_at__lte=now), sla_breached_at__isnull=True
        ).update(sla_breached_at=now, sla_state=SlaState.BREACHED)
    return running.filter(resolution_due_at__lte=now, sla_resolution_breached_at__isnull=True).update(
        sla_resolution_breached_at=now
    )


def _announce(ticket: Ticket, kind: EventKind, clock: str, due: datetime | None, now: datetime) -> TicketEvent:
    from slawatch.notify import announce
    from tickets import dispatch

    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=None,
        kind=kind,
        data={"level": ticket.sla_policy_level, "clock": clock, "due_at": due.isoformat() if due else None},
        created_at=now,
    )
    announce(event, now=now)
    dispatch.pending(event.pk)
    return event


def handle(pk: int, now: datetime) -> list[str]:
    """Fire what is due on one ticket; return what this call fired (each at most once, ever)."""
    fired: list[str] = []
    for milestone in ("breach", "warning", "resolution"):
        with transaction.atomic():
            if not _claim(pk, now, milestone):
                continue
            ticket = Ticket.objects.get(pk=pk)
            if milestone == "warning":
                if ticket.sla_breached_at is not None:
                    continue  # the breach is already announced: a late warning would only be noise
                _announce(
                    ticket,
                    EventKind.SLA_WARNING,
                    ticket.sla_clock,
                    ticket.first_response_due_at or ticket.next_response_due_at,
                    now,
                )
            elif milestone == "breach":
                _announce(
                    ticket,
                    EventKind.SLA_BREACH,
                    ticket.sla_clock,
                    ticket.first_response_due_at or ticket.next_response_due_at,
                    now,
                )
                # A breach makes the warning pointless: mark it taken in the same transaction.
                Ticket.objects.filter(pk=pk, sla_warned_at__isnull=True).update(sla_warned_at=now)
            else:
                _announce(ticket, EventKind.SLA_BREACH, "resolution", ticket.resolution_due_at, now)
            fired.append(milestone)
    with transaction.atomic():
        locked = Ticket.objects.select_for_update(of=("self",)).filter(pk=pk).first()
        if locked is not None:
            pending = next_check(locked)
            if pending != locked.sla_next_check_at:
                locked.sla_next_check_at = pending
                locked.save(update_fields=["sla_next_check_at"])
    return fired


def scan(now: datetime, limit: int = 500) -> dict[str, int]:
    """One pass: every due ticket (up to ``limit``) handled; counts of what fired."""
    counts = {"tickets": 0, "warning": 0, "breach": 0, "resolution": 0}
    for pk in due_ticket_ids(now, limit):
        counts["tickets"] += 1
        for milestone in handle(pk, now):
            counts[milestone] += 1
    return counts


__all__ = ["CLOCK_FIELDS", "due_query", "due_ticket_ids", "handle", "scan"]
