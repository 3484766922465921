"""A ticket's status: waiting for the customer, resolved, closed, reopened, scored."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from sla import clock as sla_clock
from tickets.actions._base import (
    _add_message,
    _locked,
    _now,
    _reason,
    _record,
    _require_level,
    _require_visible,
    _sender_for,
    _set_status,
    _write_clock,
)
from tickets.errors import ActionRefused, Forbidden, InvalidInput
from tickets.models import ACTIVE_STATUSES, Channel, EventKind, Status, Ticket


@transaction.atomic
def wait_for_customer(ticket: Ticket, *, actor: User, now: datetime | None = None) -> Ticket:
    """The desk needs something from the customer; the SLA clock pauses until they answer."""
    now = _now(now)
    _require_level(actor, ticket)
    ticket = _locked(ticket)
    if ticket.status not in {Status.NEW, Status.OPEN}:
        raise ActionRefused("ticket_not_open", _("Only an open ticket can wait for the customer."))
    _set_status(ticket, Status.WAITING_CUSTOMER, actor=actor, now=now)
    return ticket


@transaction.atomic
def resolve_ticket(ticket: Ticket, *, actor: User, now: datetime | None = None) -> Ticket:
    """The desk considers the problem solved; the customer may still reply, reopen or close."""
    now = _now(now)
    _require_level(actor, ticket)
    ticket = _locked(ticket)
    if ticket.status not in ACTIVE_STATUSES:
        raise ActionRefused("ticket_not_active", _("This ticket is already resolved or closed."))
    _set_status(ticket, Status.RESOLVED, actor=actor, now=now)
    return ticket


@transaction.atomic
def close_ticket(ticket: Ticket, *, actor: User | None, now: datetime | None = None) -> Ticket:
    """Close for good: the customer may close their own ticket at any time; staff close resolved ones."""
    now = _now(now)
    _require_visible(actor, ticket)
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED:
        raise ActionRefused("already_closed", _("This ticket is already closed."))
    if actor is not None and actor.is_agent and not actor.is_customer:
        _require_level(actor, ticket)
    elif actor is None and ticket.status != Status.RESOLVED:
        raise ActionRefused("not_resolved", _("Only resolved tickets close by themselves."))
    _set_status(ticket, Status.CLOSED, actor=actor, now=now)
    return ticket


@transaction.atomic
def reopen_ticket(ticket: Ticket, *, actor: User, reason: str, now: datetime | None = None) -> Ticket:
    """Reopen a resolved or closed ticket, saying why."""
    now = _now(now)
    _require_visible(actor, ticket)
    ticket = _locked(ticket)
    if ticket.status not in {Status.RESOLVED, Status.CLOSED}:
        raise ActionRefused("not_resolved", _("Only a resolved or closed ticket can be reopened."))
    reason = _reason(reason)
    message = _add_message(
        ticket,
        author=actor,
        sender=_sender_for(actor),
        body=reason,
        internal=False,
        channel=Channel.MANAGER,
        now=now,
    )
    ticket.reopen_count += 1
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.last_message_from = _sender_for(actor)
    ticket.save(update_fields=["reopen_count", "resolved_at", "closed_at", "last_message_from"])
    _record(ticket, EventKind.REOPENED, actor=actor, now=now, reason=reason, message_id=message.pk)
    _write_clock(ticket, sla_clock.reopened(ticket, now), actor=actor, now=now)
    _set_status(ticket, Status.OPEN, actor=actor, now=now, cause="reopened")
    return ticket


def can_be_scored(ticket: Ticket, user: User) -> bool:
    return bool(
        user.is_customer
        and ticket.organisation_id == user.organisation_id
        and ticket.status == Status.CLOSED
        and ticket.score is None
    )


@transaction.atomic
def score_ticket(ticket: Ticket, *, actor: User, score: int, comment: str = "", now: datetime | None = None) -> Ticket:
    """The customer's score, 1 to 5, once, after the ticket is closed."""
    now = _now(now)
    _require_visible(actor, ticket)
    if not actor.is_customer:
        raise Forbidden("customer_only", _("Only the customer can score a ticket."))
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidInput("score_out_of_range", _("The score is a whole number from 1 to 5."), field="score")
    comment = (comment or "").strip()[:2000]
    # Conditional UPDATE: a double click or two API calls at once score only once.
    updated = Ticket.objects.filter(pk=ticket.pk, status=Status.CLOSED, score__isnull=True).update(
        score=score, score_comment=comment, scored_at=now
    )
    if not updated:
        ticket.refresh_from_db()
        if ticket.status != Status.CLOSED:
            raise ActionRefused("not_closed", _("A ticket can be scored once it is closed."))
        raise ActionRefused("already_scored", _("This ticket has already been scored."))
    ticket.refresh_from_db()
    _record(ticket, EventKind.SCORED, actor=actor, now=now, score=score, comment=comment)
    return ticket
