"""The desk acting by itself (automatic triage, monitoring), and audit events for changes other
apps make on a ticket (a quote sent, an intervention scheduled)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import stored_text
from tickets.actions._base import BODY_MAX, _add_message, _locked, _now, _record, _set_status, _stored_reason, _text
from tickets.errors import ActionRefused
from tickets.models import ACTIVE_STATUSES, Channel, EventKind, Message, Sender, Status, Ticket, TicketEvent


@transaction.atomic
def add_system_note(ticket: Ticket, *, body: str | dict[str, Any], now: datetime | None = None) -> Message:
    """An internal note written by the desk itself (no author): staff see it, the customer never
    does. ``body`` is a coded text (``core.stored_text.coded``), shown in each reader's language."""
    now = _now(now)
    coded = body if stored_text.is_coded(body) else None
    if coded is None:
        typed = body if isinstance(body, str) else ""
        body = _text(typed, field="body", code="body_required", message=_("Write a note."), maximum=BODY_MAX)
    message = _add_message(
        ticket,
        author=None,
        sender=Sender.SYSTEM,
        body="" if coded is not None else str(body),
        internal=True,
        channel=Channel.MANAGER,
        now=now,
        coded=coded,  # type: ignore[arg-type]
    )
    _record(ticket, EventKind.NOTE, actor=None, now=now, message_id=message.pk)
    return message


@transaction.atomic
def resolve_by_desk(
    ticket: Ticket,
    *,
    reason: str | dict[str, Any],
    now: datetime | None = None,
    customer_message: str | dict[str, Any] = "",
) -> Ticket:
    """The desk resolves a ticket by itself (a monitoring recovery), saying why; the actor is none.

    ``customer_message``, when given, is posted first as a public message from the desk. Both are
    coded texts (``core.stored_text.coded``), shown in each reader's language.
    """
    now = _now(now)
    reason = _stored_reason(reason)
    ticket = _locked(ticket)
    if ticket.status not in ACTIVE_STATUSES:
        raise ActionRefused("ticket_not_active", _("This ticket is already resolved or closed."))
    coded = customer_message if stored_text.is_coded(customer_message) else None
    text = "" if coded is not None else str(customer_message).strip()
    if coded is not None or text:
        message = _add_message(
            ticket,
            author=None,
            sender=Sender.SYSTEM,
            body=text,
            internal=False,
            channel=Channel.MANAGER,
            now=now,
            coded=coded,  # type: ignore[arg-type]
        )
        ticket.last_message_from = Sender.SYSTEM
        ticket.save(update_fields=["last_message_from"])
        _record(ticket, EventKind.MESSAGE, actor=None, now=now, message_id=message.pk, sender=message.sender)
    _set_status(ticket, Status.RESOLVED, actor=None, now=now, reason=reason)
    return ticket


def record_event(ticket: Ticket, kind: EventKind, *, actor: User | None, now: datetime, **data: Any) -> TicketEvent:
    """Write an audit event on a ticket for a change made by another app (a quote sent, an
    intervention scheduled), in the caller's transaction, with the same after-commit dispatch."""
    return _record(ticket, kind, actor=actor, now=_now(now), **data)
