"""Closing a ticket as a duplicate of another."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tickets.actions._base import _add_message, _now, _reason, _record, _require_level, _require_visible, _set_status
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import ACTIVE_STATUSES, Channel, EventKind, LinkKind, Sender, Status, Ticket, TicketLink


@transaction.atomic
def merge_duplicate(ticket: Ticket, *, into: Ticket, actor: User, reason: str, now: datetime | None = None) -> Ticket:
    """Close ``ticket`` as a duplicate of ``into`` (same customer), linking both and noting why.

    The conversation stays on the duplicate, read through the link; the customer's later
    messages belong on ``into``.
    """
    now = _now(now)
    _require_level(actor, ticket)
    _require_visible(actor, into)
    if ticket.pk == into.pk:
        raise InvalidInput("merge_into_itself", _("A ticket cannot be a duplicate of itself."), field="into")
    # Lock both rows in id order, so two merges of the same pair in opposite directions cannot deadlock.
    locked = {
        row.pk: row
        for row in Ticket.objects.select_for_update(of=("self",))
        .select_related("level")
        .filter(pk__in=[ticket.pk, into.pk])
        .order_by("pk")
    }
    ticket, into = locked[ticket.pk], locked[into.pk]
    if ticket.organisation_id != into.organisation_id:
        raise InvalidInput("merge_other_customer", _("Only tickets of the same customer can be merged."), field="into")
    if ticket.status not in ACTIVE_STATUSES:
        raise ActionRefused("ticket_not_active", _("Only an open ticket can be closed as a duplicate."))
    if into.status == Status.CLOSED:
        raise ActionRefused("target_closed", _("The ticket to keep is closed; reopen it first."))
    if TicketLink.objects.filter(source=into, target=ticket, kind=LinkKind.DUPLICATE).exists():
        raise ActionRefused("merge_cycle", _("That ticket is already a duplicate of this one."))
    reason = _reason(reason)
    TicketLink.objects.create(source=ticket, target=into, kind=LinkKind.DUPLICATE, created_at=now, created_by=actor)
    note = _add_message(
        ticket,
        author=actor,
        sender=Sender.SUPPORT,
        body=_("Duplicate of #%(number)s: %(reason)s") % {"number": into.number, "reason": reason},
        internal=True,
        channel=Channel.MANAGER,
        now=now,
    )
    _record(
        ticket,
        EventKind.LINKED,
        actor=actor,
        now=now,
        link=LinkKind.DUPLICATE,
        other=into.number,
        reason=reason,
        message_id=note.pk,
    )
    _record(into, EventKind.LINKED, actor=actor, now=now, link=LinkKind.DUPLICATE, other=ticket.number, reason=reason)
    _set_status(ticket, Status.CLOSED, actor=actor, now=now, cause="duplicate")
    return ticket
