"""The SLA clock of each ticket, moved by the ticket's own lifecycle.

The clock is stored on the ticket row. Two numbers carry it: the business time already used
(``sla_elapsed`` for the running response promise, ``sla_resolution_elapsed`` for resolution)
and the start of the running segment (``sla_segment_started_at``, NULL while the ticket waits
for the customer or is resolved). Every change first *checkpoints* the running segment into the
elapsed time, then derives the due times from ``elapsed`` and the segment start:

    due = add_business_time(calendar, segment_start, target - elapsed)

Nothing is ever recomputed from ``created_at``, so a pause is never counted (GLPI #6902), and
because the elapsed time is stored, a change of policy, calendar or level while the ticket is
paused never loses it (Zammad #5624): the new target applies to what is left.

``on_ticket_event`` is registered with ``tickets.actions.register_in_transaction_hook`` and runs
inside the action's transaction after each ``TicketEvent``; a new ticket's clock is started by
``on_new_ticket`` (``register_new_ticket_hook``) before its INSERT, so the row is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sla.adapter import calendar_for
from sla.calendar import Calendar, add_business_time, business_time_between
from sla.models import BusinessCalendar, Outcome, SlaClock, SlaPolicy, SlaState
from tickets.models import ACTIVE_STATUSES, EventKind, Sender, SlaMeasurement, Status, Ticket, TicketEvent

ZERO = timedelta(0)
_UTC_24_7 = Calendar.always_open("UTC")

CLOCK_FIELDS = [
    "sla_policy_level",
    "sla_clock",
    "sla_state",
    "sla_started_at",
    "sla_segment_started_at",
    "sla_elapsed",
    "sla_resolution_elapsed",
    "sla_paused_at",
    "first_response_warn_at",
    "first_response_due_at",
    "next_response_warn_at",
    "next_response_due_at",
    "resolution_due_at",
    "sla_warned_at",
    "sla_breached_at",
    "sla_resolution_breached_at",
    "sla_next_check_at",
]


@dataclass(frozen=True)
class Rules:
    """What governs a level's clock: its calendar and its policy (None: no promise)."""

    calendar: Calendar
    policy: SlaPolicy | None


_UNKNOWN = object()


def rules_for(level_id: int, *, calendar_id: Any = _UNKNOWN) -> Rules:
    """The level's rules; pass ``calendar_id`` when the level row is already at hand."""
    from levels.models import SupportLevel

    if calendar_id is _UNKNOWN:
        calendar_id = SupportLevel.objects.only("id", "calendar_id").get(pk=level_id).calendar_id
    policy = SlaPolicy.objects.filter(level_id=level_id).first()
    row = BusinessCalendar.objects.filter(pk=calendar_id).first() if calendar_id else None
    return Rules(calendar_for(row) if row is not None else _UTC_24_7, policy)


def rules_of_level(level: Any) -> Rules:
    """The rules of a level row at hand. Its calendar and policy are used as loaded when the row
    was read with ``select_related("calendar", "sla_policy")`` in this request; otherwise both
    are read now, in one query."""
    from levels.models import SupportLevel

    loaded = SupportLevel.sla_policy.is_cached(level) and (  # type: ignore[attr-defined]
        level.calendar_id is None or SupportLevel.calendar.is_cached(level)  # type: ignore[attr-defined]
    )
    if not loaded:
        level = SupportLevel.objects.select_related("calendar", "sla_policy").get(pk=level.pk)
    try:
        policy = level.sla_policy
    except SlaPolicy.DoesNotExist:
        policy = None
    row = level.calendar if level.calendar_id is not None else None
    return Rules(calendar_for(row) if row is not None else _UTC_24_7, policy)


def _at(calendar: Calendar, start: datetime, remaining: timedelta) -> datetime:
    """When ``remaining`` business time is used up counting from ``start`` (``start`` if none is left)."""
    if remaining <= ZERO:
        return start
    return add_business_time(calendar, start, remaining)


def targets(ticket: Any, policy: SlaPolicy | None) -> tuple[timedelta | None, timedelta | None]:
    """(warning, target) of the running response promise."""
    if policy is None:
        return None, None
    if ticket.sla_clock == SlaClock.FIRST_RESPONSE:
        return policy.first_response_warning, policy.first_response_target
    if ticket.sla_clock == SlaClock.NEXT_RESPONSE:
        return policy.next_warning(), policy.next_response_target
    return None, None


def checkpoint(ticket: Any, calendar: Calendar, now: datetime) -> None:
    """Fold the running segment into the elapsed times; the segment restarts at ``now``."""
    start = ticket.sla_segment_started_at
    if start is None:
        return
    used = business_time_between(calendar, start, now)
    ticket.sla_elapsed += used
    ticket.sla_resolution_elapsed += used
    ticket.sla_segment_started_at = max(start, now)


def next_check(ticket: Any) -> datetime | None:
    """The earliest warning or breach instant still to be acted on; None when nothing is pending."""
    if ticket.sla_segment_started_at is None:
        return None
    pending = []
    warn = ticket.first_response_warn_at or ticket.next_response_warn_at
    due = ticket.first_response_due_at or ticket.next_response_due_at
    if warn is not None and ticket.sla_warned_at is None:
        pending.append(warn)
    if due is not None and ticket.sla_breached_at is None:
        pending.append(due)
    if ticket.resolution_due_at is not None and ticket.sla_resolution_breached_at is None:
        pending.append(ticket.resolution_due_at)
    return min(pending) if pending else None


def derive(ticket: Any, rules: Rules) -> None:
    """Set the due times from the stored elapsed time and segment start (a pure function of them)."""
    ticket.first_response_warn_at = ticket.first_response_due_at = None
    ticket.next_response_warn_at = ticket.next_response_due_at = None
    ticket.resolution_due_at = None
    start = ticket.sla_segment_started_at
    policy = rules.policy
    if start is not None and policy is not None:
        warning, target = targets(ticket, policy)
        if target is not None:
            due = _at(rules.calendar, start, target - ticket.sla_elapsed)
            warn = _at(rules.calendar, start, warning - ticket.sla_elapsed) if warning is not None else None
            if ticket.sla_clock == SlaClock.FIRST_RESPONSE:
                ticket.first_response_due_at, ticket.first_response_warn_at = due, warn
            else:
                ticket.next_response_due_at, ticket.next_response_warn_at = due, warn
        if policy.resolution_target is not None:
            left = policy.resolution_target - ticket.sla_resolution_elapsed
            ticket.resolution_due_at = _at(rules.calendar, start, left)
    ticket.sla_next_check_at = next_check(ticket)


def due_times(ticket: Any) -> dict[str, Any]:
    """The ticket's due times as ISO strings, for the audit trail."""
    return {
        "level": ticket.sla_policy_level or None,
        "clock": ticket.sla_clock or None,
        "warn_at": _iso(ticket.first_response_warn_at or ticket.next_response_warn_at),
        "due_at": _iso(ticket.first_response_due_at or ticket.next_response_due_at),
        "resolution_due_at": _iso(ticket.resolution_due_at),
        "elapsed_seconds": int(ticket.sla_elapsed.total_seconds()) if ticket.sla_clock else None,
        "paused": ticket.sla_paused_at is not None,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- transitions ------------------------------------------------------------------------------


def _running_state(ticket: Any) -> str:
    if ticket.sla_breached_at is not None:
        return SlaState.BREACHED
    if ticket.sla_warned_at is not None:
        return SlaState.WARNING
    return SlaState.OK


def _measure(ticket: Any, rules: Rules, now: datetime, *, answered: bool) -> None:
    """Record how the running response promise ended."""
    _warning, target = targets(ticket, rules.policy)
    if target is None or ticket.sla_started_at is None:
        return
    late = ticket.sla_breached_at is not None or ticket.sla_elapsed > target
    outcome = Outcome.BREACHED if late else (Outcome.MET if answered else Outcome.CANCELLED)
    SlaMeasurement.objects.create(
        ticket_id=ticket.pk,
        level=ticket.sla_policy_level,
        clock=ticket.sla_clock,
        outcome=outcome,
        started_at=ticket.sla_started_at,
        ended_at=now,
        elapsed_seconds=int(ticket.sla_elapsed.total_seconds()),
        target_seconds=int(target.total_seconds()),
    )


def start_response_clock(ticket: Any, rules: Rules, now: datetime, clock: str) -> None:
    """A new response promise from ``now`` (the segment keeps running unless the ticket is paused)."""
    ticket.sla_clock = clock
    ticket.sla_started_at = now
    ticket.sla_elapsed = ZERO
    ticket.sla_warned_at = ticket.sla_breached_at = None
    ticket.sla_state = _running_state(ticket)


def start_level(ticket: Any, rules: Rules, now: datetime, *, paused: bool) -> None:
    """The ticket arrives on a level (opened or moved): a fresh first-response clock on its policy."""
    ticket.sla_policy_level = ticket.level.code
    ticket.sla_resolution_elapsed = ZERO
    ticket.sla_resolution_breached_at = None
    ticket.sla_segment_started_at = None if paused else now
    ticket.sla_paused_at = now if paused else None
    if rules.policy is None:
        ticket.sla_clock = SlaClock.NONE
        ticket.sla_state = SlaState.NONE
        ticket.sla_started_at = None
        ticket.sla_elapsed = ZERO
        ticket.sla_warned_at = ticket.sla_breached_at = None
    else:
        start_response_clock(ticket, rules, now, SlaClock.FIRST_RESPONSE)


def answer(ticket: Any, rules: Rules, now: datetime) -> None:
    """Staff answered publicly: the running response promise is met (or late)."""
    if not ticket.sla_clock:
        return
    checkpoint(ticket, rules.calendar, now)
    _measure(ticket, rules, now, answered=True)
    _warning, target = targets(ticket, rules.policy)
    late = ticket.sla_breached_at is not None or (target is not None and ticket.sla_elapsed > target)
    ticket.sla_state = SlaState.BREACHED if late else SlaState.MET
    ticket.sla_clock = SlaClock.NONE


def stop(ticket: Any, rules: Rules, now: datetime) -> None:
    """Resolved or closed: every clock stops; nothing is due."""
    checkpoint(ticket, rules.calendar, now)
    if ticket.sla_clock:
        _measure(ticket, rules, now, answered=False)
        if ticket.sla_state in {SlaState.OK, SlaState.WARNING}:
            ticket.sla_state = SlaState.NONE
        ticket.sla_clock = SlaClock.NONE
    ticket.sla_segment_started_at = None
    ticket.sla_paused_at = None


def pause(ticket: Any, rules: Rules, now: datetime) -> None:
    checkpoint(ticket, rules.calendar, now)
    ticket.sla_segment_started_at = None
    ticket.sla_paused_at = now


def resume(ticket: Any, now: datetime) -> None:
    if ticket.sla_segment_started_at is None:
        ticket.sla_segment_started_at = now
    ticket.sla_paused_at = None


# --- the lifecycle hook -----------------------------------------------------------------------

_HANDLED = {"created", "message", "status", "reopened", "transferred", "handed_off"}


def on_new_ticket(ticket: Any, now: datetime) -> None:
    """Start the clock of a ticket about to be inserted: its due times go in the INSERT.

    Registered with ``tickets.actions.register_new_ticket_hook``; the ``created`` event that
    follows then finds the clock started and leaves it alone.
    """
    rules = rules_of_level(ticket.level)
    start_level(ticket, rules, now, paused=False)
    derive(ticket, rules)
    ticket._sla_started_at = now


def on_ticket_event(ticket: Any, event: Any, now: datetime) -> None:
    """Move the clock for one audit event, inside the action's transaction."""
    from tickets.actions import works_on

    if event.kind not in _HANDLED:
        return
    if event.kind == EventKind.CREATED and getattr(ticket, "_sla_started_at", None) == now:
        return  # started before the INSERT (``on_new_ticket``)
    if event.kind == EventKind.CREATED and not ticket._state.adding:
        # Just inserted by this transaction and no hook has run on it yet: the action's
        # instance is the row, and its level (with the calendar) is at hand.
        fresh = ticket
        rules = rules_for(fresh.level_id, calendar_id=fresh.level.calendar_id)
    else:
        # Re-read: the action's instance may predate an earlier hook call in the same action.
        fresh = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        rules = rules_for(fresh.level_id)
    data = event.data or {}
    before: dict[str, Any] | None = None

    if event.kind == EventKind.CREATED:
        start_level(fresh, rules, now, paused=False)
    elif event.kind in {EventKind.TRANSFERRED, EventKind.HANDED_OFF}:
        before = due_times(fresh)
        stop(fresh, rules_for_code(fresh.sla_policy_level) or rules, now)
        start_level(fresh, rules, now, paused=fresh.status == Status.WAITING_CUSTOMER)
    elif event.kind == EventKind.MESSAGE:
        actor = event.actor
        if data.get("sender") == Sender.SUPPORT and actor is not None and works_on(actor, fresh.level.code):
            answer(fresh, rules, now)
        elif (
            data.get("sender") == Sender.CUSTOMER
            and not fresh.sla_clock
            and (fresh.status in ACTIVE_STATUSES or fresh.status == Status.RESOLVED)
            and rules.policy is not None
            and rules.policy.next_response_target is not None
        ):
            # The oldest unanswered customer message sets the next-response clock; later ones
            # while it runs do not restart it.
            checkpoint(fresh, rules.calendar, now)
            start_response_clock(fresh, rules, now, SlaClock.NEXT_RESPONSE)
        else:
            return
    elif event.kind == EventKind.REOPENED:
        if rules.policy is not None and rules.policy.next_response_target is not None:
            start_response_clock(fresh, rules, now, SlaClock.NEXT_RESPONSE)
    elif event.kind == EventKind.STATUS:
        after = data.get("after")
        if after == Status.WAITING_CUSTOMER:
            pause(fresh, rules, now)
        elif after in {Status.RESOLVED, Status.CLOSED}:
            stop(fresh, rules, now)
        elif after in {Status.NEW, Status.OPEN}:
            resume(fresh, now)
        else:
            return
    derive(fresh, rules)
    fresh.save(update_fields=CLOCK_FIELDS)
    if before is not None:
        TicketEvent.objects.create(
            ticket=fresh,
            actor=event.actor,
            kind=EventKind.SLA_CLOCK,
            data={"cause": event.kind, "before": before, "after": due_times(fresh)},
            created_at=now,
        )


def rules_for_code(level_code: str) -> Rules | None:
    """The rules of the level whose policy was running (to measure the clock that ends)."""
    from levels.models import SupportLevel

    if not level_code:
        return None
    level_id = SupportLevel.objects.filter(code=level_code).values_list("pk", flat=True).first()
    return rules_for(level_id) if level_id is not None else None


def recompute(ticket_id: int) -> bool:
    """Re-derive one ticket's due times after a calendar or policy edit; True when they moved.

    Idempotent: the result depends only on the stored elapsed time, segment start, calendar and
    policy. Must run inside a transaction.
    """
    ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id).first()
    if ticket is None or not ticket.is_active:
        return False
    rules = rules_for(ticket.level_id)
    old = [getattr(ticket, name) for name in CLOCK_FIELDS]
    derive(ticket, rules)
    if old == [getattr(ticket, name) for name in CLOCK_FIELDS]:
        return False
    ticket.save(update_fields=CLOCK_FIELDS)
    return True
