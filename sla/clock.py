"""The SLA clock of each ticket: business-time arithmetic over the clock's columns on the ticket.

The clock is stored on the ticket row. Two numbers carry it: the business time already used
(``sla_elapsed`` for the running response promise, ``sla_resolution_elapsed`` for resolution)
and the start of the running segment (``sla_segment_started_at``, NULL while the ticket waits
for the customer or is resolved). Every change first *checkpoints* the running segment into the
elapsed time, then derives the due times from ``elapsed`` and the segment start:

    due = add_business_time(calendar, segment_start, target - elapsed)

Nothing is ever recomputed from ``created_at``, so a pause is never counted (GLPI #6902), and
because the elapsed time is stored, a change of policy, calendar or level while the ticket is
paused never loses it (Zammad #5624): the new target applies to what is left.

``tickets``' actions call this module by name, inside their own transaction, on the ticket they
hold: :func:`start` before a new ticket's INSERT (its due times go in the INSERT itself),
:func:`move` when it changes level, :func:`answered`, :func:`customer_wrote` and
:func:`reopened` on the conversation, :func:`pause`, :func:`stop` and :func:`resume` on its
status. Each sets the clock's columns (``CLOCK_FIELDS``) on the ticket and returns a
:class:`Step` saying what else to write: how a response clock that ended is measured, and for a
move the due times before and after (its audit event). The clock itself writes nothing.

The clock sits below ``tickets`` (a ticket's clock is computed when the ticket is written): it
reads levels, calendars and policies, and knows the ticket model only as a type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from levels.models import SupportLevel
from sla import plans
from sla.adapter import calendar_for
from sla.calendar import Calendar, add_business_time, business_time_between
from sla.models import Outcome, SlaClock, SlaPolicy, SlaState

if TYPE_CHECKING:  # the ticket model as a type only: tickets imports the clock, never the reverse
    from tickets.models import Ticket

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


@dataclass(frozen=True)
class Measurement:
    """How one response clock ended (a ``tickets.models.SlaMeasurement`` row to write)."""

    level: str
    clock: str
    outcome: str
    started_at: datetime
    ended_at: datetime
    elapsed_seconds: int
    target_seconds: int


@dataclass(frozen=True)
class Step:
    """What a step of the clock asks its caller to write besides the clock's columns."""

    measured: Measurement | None = None
    # A move of level: the due times before and after, for the ``sla_clock`` audit event.
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


# --- rules ------------------------------------------------------------------------------------


def rules_of_level(level: SupportLevel) -> Rules:
    """The rules of a level row at hand. Its calendar and policy are used as loaded when the row
    was read with ``select_related("calendar", "sla_policy")`` in this request; otherwise both
    are read now, in one query."""
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


def rules_of_ticket(ticket: Ticket, level: SupportLevel | None = None) -> Rules:
    """The rules of the ticket on ``level`` (its own by default): the level's calendar, and its
    policy with the target the ticket's support plan sets for its priority, where it sets one."""
    level = level or ticket.level
    rules = rules_of_level(level)
    if not ticket.support_plan:
        return rules
    target = plans.target_for(ticket.support_plan, level.pk, ticket.priority)
    return Rules(rules.calendar, plans.policy_with(rules.policy, target, level.pk))


def rules_for_code(level_code: str, ticket: Ticket | None = None) -> Rules | None:
    """The rules of the level whose policy was running (to measure the clock that ends)."""
    if not level_code:
        return None
    level = SupportLevel.objects.select_related("calendar", "sla_policy").filter(code=level_code).first()
    if level is None:
        return None
    return rules_of_ticket(ticket, level) if ticket is not None else rules_of_level(level)


# --- arithmetic -------------------------------------------------------------------------------


def _at(calendar: Calendar, start: datetime, remaining: timedelta) -> datetime:
    """When ``remaining`` business time is used up counting from ``start`` (``start`` if none is left)."""
    if remaining <= ZERO:
        return start
    return add_business_time(calendar, start, remaining)


def targets(ticket: Ticket, policy: SlaPolicy | None) -> tuple[timedelta | None, timedelta | None]:
    """(warning, target) of the running response promise."""
    if policy is None:
        return None, None
    if ticket.sla_clock == SlaClock.FIRST_RESPONSE:
        return policy.first_response_warning, policy.first_response_target
    if ticket.sla_clock == SlaClock.NEXT_RESPONSE:
        return policy.next_warning(), policy.next_response_target
    return None, None


def checkpoint(ticket: Ticket, calendar: Calendar, now: datetime) -> None:
    """Fold the running segment into the elapsed times; the segment restarts at ``now``."""
    start = ticket.sla_segment_started_at
    if start is None:
        return
    used = business_time_between(calendar, start, now)
    ticket.sla_elapsed += used
    ticket.sla_resolution_elapsed += used
    ticket.sla_segment_started_at = max(start, now)


def next_check(ticket: Ticket) -> datetime | None:
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


def derive(ticket: Ticket, rules: Rules) -> None:
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


def due_times(ticket: Ticket) -> dict[str, Any]:
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


def _running_state(ticket: Ticket) -> str:
    if ticket.sla_breached_at is not None:
        return SlaState.BREACHED
    if ticket.sla_warned_at is not None:
        return SlaState.WARNING
    return SlaState.OK


def _measure(ticket: Ticket, rules: Rules, now: datetime, *, answered: bool) -> Measurement | None:
    """How the running response promise ended (None when no promise was running)."""
    _warning, target = targets(ticket, rules.policy)
    if target is None or ticket.sla_started_at is None:
        return None
    late = ticket.sla_breached_at is not None or ticket.sla_elapsed > target
    outcome = Outcome.BREACHED if late else (Outcome.MET if answered else Outcome.CANCELLED)
    return Measurement(
        level=ticket.sla_policy_level,
        clock=ticket.sla_clock,
        outcome=outcome,
        started_at=ticket.sla_started_at,
        ended_at=now,
        elapsed_seconds=int(ticket.sla_elapsed.total_seconds()),
        target_seconds=int(target.total_seconds()),
    )


def _start_response_clock(ticket: Ticket, now: datetime, clock: str) -> None:
    """A new response promise from ``now`` (the segment keeps running unless the ticket is paused)."""
    ticket.sla_clock = clock
    ticket.sla_started_at = now
    ticket.sla_elapsed = ZERO
    ticket.sla_warned_at = ticket.sla_breached_at = None
    ticket.sla_state = _running_state(ticket)


def _start_level(ticket: Ticket, rules: Rules, now: datetime, *, paused: bool) -> None:
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
        _start_response_clock(ticket, now, SlaClock.FIRST_RESPONSE)


def _stop(ticket: Ticket, rules: Rules, now: datetime) -> Measurement | None:
    """Every clock stops; nothing is due. The running response promise is measured."""
    checkpoint(ticket, rules.calendar, now)
    measured = None
    if ticket.sla_clock:
        measured = _measure(ticket, rules, now, answered=False)
        if ticket.sla_state in {SlaState.OK, SlaState.WARNING}:
            ticket.sla_state = SlaState.NONE
        ticket.sla_clock = SlaClock.NONE
    ticket.sla_segment_started_at = None
    ticket.sla_paused_at = None
    return measured


# --- the steps tickets' actions call -----------------------------------------------------------


def start(ticket: Ticket, now: datetime) -> None:
    """A new ticket, before its INSERT: a first-response clock on its level's policy."""
    rules = rules_of_ticket(ticket)
    _start_level(ticket, rules, now, paused=False)
    derive(ticket, rules)


def move(ticket: Ticket, now: datetime, *, paused: bool) -> Step:
    """The ticket now stands on another level (``ticket.level``): the clock of the level it left
    is measured and stops; a fresh one starts on the new level's policy (paused if the ticket
    waits for the customer)."""
    rules = rules_of_ticket(ticket)
    before = due_times(ticket)
    measured = _stop(ticket, rules_for_code(ticket.sla_policy_level, ticket) or rules, now)
    _start_level(ticket, rules, now, paused=paused)
    derive(ticket, rules)
    return Step(measured=measured, before=before, after=due_times(ticket))


def answered(ticket: Ticket, now: datetime) -> Step:
    """Staff of the ticket's level answered publicly: the running response promise, if any, is
    met (or late)."""
    rules = rules_of_ticket(ticket)
    measured = None
    if ticket.sla_clock:
        checkpoint(ticket, rules.calendar, now)
        measured = _measure(ticket, rules, now, answered=True)
        _warning, target = targets(ticket, rules.policy)
        late = ticket.sla_breached_at is not None or (target is not None and ticket.sla_elapsed > target)
        ticket.sla_state = SlaState.BREACHED if late else SlaState.MET
        ticket.sla_clock = SlaClock.NONE
    derive(ticket, rules)
    return Step(measured=measured)


def customer_wrote(ticket: Ticket, now: datetime) -> Step | None:
    """The customer wrote while no answer was owed: the oldest unanswered message sets the
    next-response clock (later ones while it runs do not restart it). None when nothing starts:
    a clock already runs, or the level promises no next response."""
    if ticket.sla_clock:
        return None
    rules = rules_of_ticket(ticket)
    if rules.policy is None or rules.policy.next_response_target is None:
        return None
    checkpoint(ticket, rules.calendar, now)
    _start_response_clock(ticket, now, SlaClock.NEXT_RESPONSE)
    derive(ticket, rules)
    return Step()


def reopened(ticket: Ticket, now: datetime) -> Step:
    """Reopened: a next-response clock when the level promises one (it runs once the ticket is open)."""
    rules = rules_of_ticket(ticket)
    if rules.policy is not None and rules.policy.next_response_target is not None:
        _start_response_clock(ticket, now, SlaClock.NEXT_RESPONSE)
    derive(ticket, rules)
    return Step()


def pause(ticket: Ticket, now: datetime) -> Step:
    """Waiting for the customer: the time used so far is kept; nothing is due until they answer."""
    rules = rules_of_ticket(ticket)
    checkpoint(ticket, rules.calendar, now)
    ticket.sla_segment_started_at = None
    ticket.sla_paused_at = now
    derive(ticket, rules)
    return Step()


def stop(ticket: Ticket, now: datetime) -> Step:
    """Resolved or closed: every clock stops; nothing is due."""
    rules = rules_of_ticket(ticket)
    measured = _stop(ticket, rules, now)
    derive(ticket, rules)
    return Step(measured=measured)


def resume(ticket: Ticket, now: datetime) -> Step:
    """New or open again: the clock runs from ``now`` if it was paused or stopped."""
    rules = rules_of_ticket(ticket)
    if ticket.sla_segment_started_at is None:
        ticket.sla_segment_started_at = now
    ticket.sla_paused_at = None
    derive(ticket, rules)
    return Step()


def reprioritised(ticket: Ticket, now: datetime) -> Step:
    """The ticket's priority changed: the running promise takes the plan's target for the new
    priority; the business time already used is kept (it counts against the new target)."""
    rules = rules_of_ticket(ticket)
    before = due_times(ticket)
    checkpoint(ticket, rules.calendar, now)
    derive(ticket, rules)
    return Step(before=before, after=due_times(ticket))


def recompute(ticket: Ticket) -> bool:
    """Derive the due times again after a calendar or policy edit; True when they moved.

    Idempotent: the result depends only on the stored elapsed time, segment start, calendar and
    policy.
    """
    old = [getattr(ticket, name) for name in CLOCK_FIELDS]
    derive(ticket, rules_of_ticket(ticket))
    return old != [getattr(ticket, name) for name in CLOCK_FIELDS]
