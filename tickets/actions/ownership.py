"""Who works on a ticket: claiming it, assigning it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tickets.actions._base import _now, _record, _require_level, _set_status, works_on
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import ACTIVE_STATUSES, EventKind, Status, Ticket


@transaction.atomic
def claim_ticket(ticket: Ticket, *, actor: User, now: datetime | None = None) -> Ticket:
    """Take an unassigned ticket of one's own level. Two agents claiming at once: one wins."""
    now = _now(now)
    _require_level(actor, ticket)
    if ticket.status not in ACTIVE_STATUSES:
        raise ActionRefused("ticket_not_active", _("Only open tickets can be claimed."))
    # Conditional UPDATE: of two agents claiming the same ticket, only one row update succeeds.
    taken = Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(assignee=actor, updated_at=now)
    if not taken:
        ticket.refresh_from_db(fields=["assignee"])
        if ticket.assignee_id == actor.pk:
            return ticket
        raise ActionRefused("already_claimed", _("Someone else has already taken this ticket."))
    ticket.refresh_from_db()
    _record(ticket, EventKind.ASSIGNED, actor=actor, now=now, before=None, after=actor.username, claimed=True)
    if ticket.status == Status.NEW:
        _set_status(ticket, Status.OPEN, actor=actor, now=now)
    return ticket


@transaction.atomic
def assign_ticket(ticket: Ticket, *, assignee: User | None, actor: User | None, now: datetime | None = None) -> Ticket:
    """Give the ticket to a member of staff of its level (or take it away with ``None``)."""
    now = _now(now)
    _require_level(actor, ticket)
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("level", "assignee").get(pk=ticket.pk)
    if assignee is not None and not (
        assignee.is_active and assignee.is_agent and works_on(assignee, ticket.level.code)
    ):
        raise InvalidInput(
            "assignee_not_on_level", _("%(name)s does not work on this level.") % {"name": assignee}, field="assignee"
        )
    before = ticket.assignee.username if ticket.assignee else None
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    ticket.assignee = assignee
    ticket.updated_at = now
    ticket.save(update_fields=["assignee", "updated_at"])
    _record(
        ticket, EventKind.ASSIGNED, actor=actor, now=now, before=before, after=assignee.username if assignee else None
    )
    return ticket
