"""The SLA clock's own milestones on a ticket: the warnings and breaches the scan finds due, and
the due times derived again after a calendar or policy change (``slawatch`` calls these)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from sla import clock as sla_clock
from sla.models import SlaState
from tickets.actions._base import _now, _record
from tickets.models import EventKind, Ticket, TicketEvent

MILESTONES = ("breach", "warning", "resolution")


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


@transaction.atomic
def record_sla_milestone(ticket_id: int, *, milestone: str, now: datetime) -> TicketEvent | None:
    """Mark one due milestone (``breach``, ``warning`` or ``resolution``) of a ticket and record
    its audit event (``sla_breach`` or ``sla_warning``, by the desk), at most once ever.

    None when it is not due, another worker took it, or it is a warning whose breach is already
    announced (a late warning would only be noise). Runs in the caller's transaction when there
    is one, so the caller's notices commit with the event.
    """
    now = _now(now)
    if milestone not in MILESTONES:
        raise ValueError(f"Unknown SLA milestone {milestone!r}.")
    if not _claim(ticket_id, now, milestone):
        return None
    ticket = Ticket.objects.get(pk=ticket_id)
    if milestone == "warning":
        if ticket.sla_breached_at is not None:
            return None
        kind, clock, due = (
            EventKind.SLA_WARNING,
            ticket.sla_clock,
            ticket.first_response_due_at or ticket.next_response_due_at,
        )
    elif milestone == "breach":
        kind, clock, due = (
            EventKind.SLA_BREACH,
            ticket.sla_clock,
            ticket.first_response_due_at or ticket.next_response_due_at,
        )
    else:
        kind, clock, due = EventKind.SLA_BREACH, "resolution", ticket.resolution_due_at
    event = _record(
        ticket,
        kind,
        actor=None,
        now=now,
        level=ticket.sla_policy_level,
        clock=clock,
        due_at=due.isoformat() if due else None,
    )
    if milestone == "breach":
        # A breach makes the warning pointless: mark it taken in the same transaction.
        Ticket.objects.filter(pk=ticket_id, sla_warned_at__isnull=True).update(sla_warned_at=now)
    return event


@transaction.atomic
def refresh_sla_next_check(ticket_id: int) -> None:
    """Move the ticket's next SLA check past what has fired (the scan's next query skips it)."""
    ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id).first()
    if ticket is None:
        return
    pending = sla_clock.next_check(ticket)
    if pending != ticket.sla_next_check_at:
        ticket.sla_next_check_at = pending
        ticket.save(update_fields=["sla_next_check_at"])


@transaction.atomic
def recompute_sla_due_times(ticket_id: int) -> bool:
    """Derive an active ticket's due times again from its stored clock and its level's current
    calendar and policy; True when they moved. Idempotent."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("level").filter(pk=ticket_id).first()
    if ticket is None or not ticket.is_active:
        return False
    if not sla_clock.recompute(ticket):
        return False
    ticket.save(update_fields=sla_clock.CLOCK_FIELDS)
    return True
