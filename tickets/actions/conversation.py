"""The conversation: public replies and internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tickets.actions._base import (
    BODY_MAX,
    _add_message,
    _clock_after_message,
    _now,
    _record,
    _require_staff,
    _require_visible,
    _sender_for,
    _set_status,
    _text,
    clean_uploads,
)
from tickets.errors import ActionRefused
from tickets.models import Channel, EventKind, Message, Sender, Status, Ticket


@transaction.atomic
def reply(
    ticket: Ticket,
    *,
    actor: User | None,
    body: str,
    now: datetime | None = None,
    attachments: Sequence[UploadedFile] = (),
    channel: str = Channel.MANAGER,
    then: str | None = None,
) -> Message:
    """A public message. A customer's reply reopens a ticket that was waiting for them or resolved;
    staff's first public reply counts as the first response. ``then`` lets staff set the status
    in the same step (``waiting_customer`` or ``resolved``)."""
    now = _now(now)
    _require_visible(actor, ticket)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == Status.CLOSED:
        raise ActionRefused("ticket_closed", _("This ticket is closed. Reopen it to write again."))
    body = _text(body, field="body", code="body_required", message=_("Write a message."), maximum=BODY_MAX)
    uploads = clean_uploads(attachments)
    sender = _sender_for(actor)
    if sender == Sender.SUPPORT:
        _require_staff(actor)
    message = _add_message(
        ticket, author=actor, sender=sender, body=body, internal=False, channel=channel, now=now, uploads=uploads
    )
    ticket.last_message_from = sender
    ticket.updated_at = now
    fields = ["last_message_from", "updated_at"]
    if sender == Sender.SUPPORT and ticket.first_responded_at is None:
        ticket.first_responded_at = now
        fields.append("first_responded_at")
    ticket.save(update_fields=fields)
    _record(ticket, EventKind.MESSAGE, actor=actor, now=now, message_id=message.pk, sender=sender)
    _clock_after_message(ticket, sender=sender, actor=actor, now=now)
    if sender == Sender.CUSTOMER:
        if ticket.status in {Status.WAITING_CUSTOMER, Status.RESOLVED}:
            _set_status(ticket, Status.OPEN, actor=actor, now=now, cause="customer_reply")
    else:
        target = Status(then) if then else (Status.OPEN if ticket.status == Status.NEW else None)
        if target == Status.WAITING_CUSTOMER:
            _set_status(ticket, Status.WAITING_CUSTOMER, actor=actor, now=now)
        elif target == Status.RESOLVED:
            _set_status(ticket, Status.RESOLVED, actor=actor, now=now)
        elif target == Status.OPEN:
            _set_status(ticket, Status.OPEN, actor=actor, now=now)
    return message


@transaction.atomic
def add_note(
    ticket: Ticket,
    *,
    actor: User,
    body: str,
    now: datetime | None = None,
    attachments: Sequence[UploadedFile] = (),
    channel: str = Channel.MANAGER,
) -> Message:
    """An internal note: staff see it, the customer never does."""
    now = _now(now)
    _require_staff(actor)
    body = _text(body, field="body", code="body_required", message=_("Write a note."), maximum=BODY_MAX)
    uploads = clean_uploads(attachments)
    message = _add_message(
        ticket,
        author=actor,
        sender=Sender.SUPPORT,
        body=body,
        internal=True,
        channel=channel,
        now=now,
        uploads=uploads,
    )
    _record(ticket, EventKind.NOTE, actor=actor, now=now, message_id=message.pk)
    return message
