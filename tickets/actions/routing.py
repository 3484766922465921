"""Where a ticket stands in the queues besides its level: its priority and its team."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from levels.models import Team
from sla import clock as sla_clock
from sla.models import Priority
from tickets.actions._base import _locked, _now, _reason, _record, _require_level
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import ACTIVE_STATUSES, EventKind, Ticket, TicketEvent


def priority_set_by_a_person(ticket: Ticket) -> bool:
    """Whether a member of staff has chosen this ticket's priority (the desk then never changes it)."""
    return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PRIORITY, actor__isnull=False).exists()


@transaction.atomic
def set_priority(
    ticket: Ticket, *, priority: str, reason: str, actor: User | None, now: datetime | None = None
) -> Ticket:
    """Change the ticket's priority, saying why; the running response promise takes the plan's
    target for the new priority (the time already used counts against it).

    Staff of the ticket's level or a supervisor; ``actor=None`` is the desk (an automation),
    which never overturns a priority a person chose.
    """
    now = _now(now)
    _require_level(actor, ticket)
    if priority not in Priority.values:
        raise InvalidInput("priority_invalid", _("Unknown priority."), field="priority")
    reason = _reason(reason)
    ticket = _locked(ticket)
    if ticket.status not in ACTIVE_STATUSES:
        raise ActionRefused("ticket_not_active", _("This ticket is already resolved or closed."))
    if ticket.priority == priority:
        return ticket
    if actor is None and priority_set_by_a_person(ticket):
        raise ActionRefused("priority_chosen_by_staff", _("A member of staff chose this ticket's priority."))
    before = ticket.priority
    ticket.priority = priority
    ticket.updated_at = now
    step = sla_clock.reprioritised(ticket, now)
    ticket.save(update_fields=["priority", "updated_at", *sla_clock.CLOCK_FIELDS])
    _record(
        ticket,
        EventKind.PRIORITY,
        actor=actor,
        now=now,
        before=before,
        after=priority,
        reason=reason,
        due_before=step.before,
        due_after=step.after,
    )
    return ticket


@transaction.atomic
def set_team(ticket: Ticket, *, team: Team, actor: User | None, now: datetime | None = None) -> Ticket:
    """Give the ticket to one of its level's teams (its queue), keeping its assignee."""
    now = _now(now)
    _require_level(actor, ticket)
    ticket = _locked(ticket)
    if team.level_id != ticket.level_id:
        raise InvalidInput("team_not_on_level", _("This team does not work on the ticket's level."), field="team")
    if ticket.team_id == team.pk:
        return ticket
    before = ticket.team.code if ticket.team_id is not None and ticket.team is not None else None
    ticket.team = team
    ticket.updated_at = now
    ticket.save(update_fields=["team", "updated_at"])
    _record(ticket, EventKind.UPDATED, actor=actor, now=now, field="team", before=before, after=team.code)
    return ticket
