"""Opening a ticket: from the Manager, a direct link, the phone, e-mail, the API or monitoring."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from core.counters import next_value
from levels.models import Category, SupportLevel
from services.models import Service
from sla import clock as sla_clock
from sla import plans
from sla.models import Priority
from sla.priority import Urgency, priority_for
from tickets import dispatch
from tickets.actions._base import (
    BODY_MAX,
    SUBJECT_MAX,
    _default_team,
    _now,
    _store_attachments,
    _text,
    clean_uploads,
)
from tickets.errors import InvalidInput, NotFound
from tickets.markdown import render_markdown
from tickets.models import Channel, EventKind, Message, Sender, Status, Ticket, TicketEvent

TICKET_NUMBER_START = 1000001


def open_ticket(
    *,
    organisation: Organisation,
    requester: User | None,
    service: Service | None,
    category: Category,
    subject: str,
    body: str,
    channel: str,
    actor: User | None,
    now: datetime | None = None,
    attachments: Sequence[UploadedFile] = (),
    level: SupportLevel | None = None,
    priority: str | None = None,
    urgency: str | None = None,
    services_affected: int = 1,
    in_transaction: Callable[[], None] | None = None,
) -> Ticket:
    """Open a ticket for a customer, from the Manager, a direct link, the phone, e-mail, the API or monitoring.

    Everything that needs no lock (checks, the SLA clock's due times, the message's HTML) is
    worked out first; the write transaction then holds only the statements, so on SQLite the
    database's single write lock is held as briefly as it can be. ``in_transaction`` is called
    first inside that transaction (the API counts the call against its rate limit there).

    The priority, unless given, follows impact × urgency (``sla.priority``): ``urgency`` is the
    customer's answer on the incident form ("is your service completely down?"). The ticket
    keeps the customer's support plan, whose target for its level and priority sets its clock.
    """
    now = _now(now)
    if actor is not None and actor.is_customer and actor.organisation_id != organisation.pk:
        raise NotFound("not_found", _("This customer does not exist."))
    if requester is not None and requester.organisation_id != organisation.pk:
        raise InvalidInput(
            "requester_not_contact", _("This person is not a contact of the customer."), field="requester"
        )
    if service is not None and service.organisation_id != organisation.pk:
        raise InvalidInput("service_not_yours", _("This service does not belong to this customer."), field="service")
    if service is not None and service.is_deactivated:
        raise InvalidInput("service_inactive", _("This service is no longer active."), field="service")
    if not category.active:
        raise InvalidInput("category_inactive", _("This type of request is no longer offered."), field="category")
    if channel not in Channel.values:
        raise InvalidInput("channel_invalid", _("Unknown channel."), field="channel")
    subject = _text(
        subject, field="subject", code="subject_required", message=_("Write a subject."), maximum=SUBJECT_MAX
    )
    body = _text(body, field="body", code="body_required", message=_("Describe the problem."), maximum=BODY_MAX)
    if priority is not None and priority not in Priority.values:
        raise InvalidInput("priority_invalid", _("Unknown priority."), field="priority")
    if urgency not in (None, "", *Urgency):
        raise InvalidInput("urgency_invalid", _("Choose how badly the service is affected."), field="urgency")
    uploads = clean_uploads(attachments)
    level = level or category.level
    priority = priority or priority_for(
        category.kind,
        urgency=urgency or None,
        service_live=service.status == "active" if service is not None else None,
        services_affected=services_affected,
    )
    ticket = Ticket(
        organisation=organisation,
        requester=requester,
        service=service,
        level=level,
        category=category,
        kind=category.kind,
        subject=subject,
        channel=channel,
        status=Status.NEW,
        priority=priority,
        support_plan=plans.plan_code_for(organisation.pk),
        team=_default_team(level, category),
        last_message_from=Sender.SYSTEM if channel == Channel.MONITORING else Sender.CUSTOMER,
        created_at=now,
        updated_at=now,
    )
    # The SLA clock starts now, so its due times are written by the ticket's INSERT itself.
    sla_clock.start(ticket, now)
    # The rows are built now; the transaction holds only their INSERTs and what only it knows
    # (the ticket's number, the keys of the rows inserted before).
    sender = Sender.SYSTEM if channel == Channel.MONITORING else Sender.CUSTOMER
    message = Message(
        ticket=ticket,
        author=requester,
        sender=sender,
        body=body,
        body_html=render_markdown(body),
        internal=False,
        channel=channel,
        created_at=now,
    )
    data = {
        "level": level.code,
        "category": category.code,
        "channel": channel,
        "service": service.reference if service else None,
        "priority": priority,
        "urgency": urgency or None,
    }
    event = TicketEvent(ticket=ticket, actor=actor, kind=EventKind.CREATED, data=data, created_at=now)
    with transaction.atomic():
        if in_transaction is not None:
            in_transaction()
        ticket.number = next_value("ticket", start=TICKET_NUMBER_START)
        ticket.save(force_insert=True)
        message.save(force_insert=True)  # its ticket's key, known now, is taken from the ticket
        _store_attachments(ticket, message, uploads, actor=requester, now=now)
        event.data = {**data, "message_id": message.pk}
        event.save(force_insert=True)
        dispatch.pending(event.pk)
    return ticket
