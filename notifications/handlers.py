"""Ticket events to e-mails: who hears about what.

Registered with ``tickets.dispatch`` in ``NotificationsConfig.ready``; runs in the background after
the ticket's change is committed. Each (event, audience) pair is notified once, whatever the
number of times the event is dispatched.

- opened → the customer (number, level, when an answer is due);
- a public reply → the customer when support wrote, the assignee (else the team) when the customer did;
- waiting for the customer, resolved, closed, reopened → the other side;
- moved L1 → L2 → the customer, with the explanation, and the new team; moved to L3 because a paid
  intervention was scheduled → only the staff: infogerencia's own mail tells the customer when;
- an L1 incident opened from an L2 ticket → the customer and the L1 team.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from levels.models import TicketKind
from notifications.actions import notify
from notifications.models import Event
from tickets.models import EventKind, LinkKind, Message, Status, Ticket, TicketEvent, TicketLink

STATUS_MAILS = {Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}


def on_ticket_event(event_id: int) -> None:
    event = (
        TicketEvent.objects.select_related("actor", "ticket__requester", "ticket__assignee", "ticket__level")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return
    with transaction.atomic():
        _dispatch(event)


def _customer(ticket: Ticket) -> list[User]:
    """The requester, and for an incident the organisation's other contacts who receive incident mail."""
    requester = ticket.requester
    people = [requester] if requester is not None and requester.is_customer else []
    if ticket.kind == TicketKind.INCIDENT:
        people += list(
            User.objects.filter(
                organisation_id=ticket.organisation_id,
                role=Role.CUSTOMER,
                is_active=True,
                receives_incident_mail=True,
            )
            .exclude(pk=requester.pk if requester is not None else 0)
            .order_by("id")
        )
    return people


def _staff(ticket: Ticket, *, exclude: User | None = None) -> list[User]:
    """The assignee, else the members of the ticket's team (else of its level's teams)."""
    if ticket.assignee is not None:
        people = [ticket.assignee]
    elif ticket.team_id is not None:
        people = list(ticket.team.members.filter(is_active=True))  # type: ignore[union-attr]
    else:
        people = list(User.objects.filter(teams__level=ticket.level, is_active=True).distinct())
    return [person for person in people if person.is_agent and (exclude is None or person.pk != exclude.pk)]


def _same_action(event: TicketEvent, kind: EventKind) -> TicketEvent | None:
    """Another event written by the same action (same ticket, same instant, same actor)."""
    return (
        TicketEvent.objects.filter(
            ticket_id=event.ticket_id, kind=kind, created_at=event.created_at, actor_id=event.actor_id
        )
        .exclude(pk=event.pk)
        .first()
    )


def _send(event: TicketEvent, audience: str, what: Event, recipients: list[User], **context: Any) -> None:
    if not recipients:
        return
    notify(
        event=what,
        recipients=recipients,
        context=context,
        ticket=event.ticket,
        now=timezone.now(),
        key=f"ticket-event:{event.pk}:{audience}",
    )


def _message_body(message_id: Any) -> str | dict[str, Any]:
    """A public message as the e-mail carries it: what a person wrote, or the desk's own coded text
    (``core.stored_text``), which the e-mail renders in its recipient's language at send time."""
    message = Message.objects.filter(pk=message_id, internal=False).first()
    if message is None:
        return ""
    if message.body_code:
        return {"code": message.body_code, "params": message.body_params}
    return message.body


def _dispatch(event: TicketEvent) -> None:
    ticket = event.ticket
    actor = event.actor
    data = event.data or {}
    if event.kind == EventKind.CREATED:
        if TicketLink.objects.filter(target=ticket, kind=LinkKind.INCIDENT_OPENED).exists():
            return  # The "incident opened from your ticket" mail says it.
        _send(event, "customer", Event.TICKET_CREATED, _customer(ticket), channel=data.get("channel", ""))
    elif event.kind == EventKind.MESSAGE:
        if _same_action(event, EventKind.TRANSFERRED) is not None:
            return  # The transfer mail carries this message.
        body = _message_body(data.get("message_id"))
        if not body:
            return
        if data.get("sender") == "customer":
            _send(event, "staff", Event.TICKET_REPLY, _staff(ticket, exclude=actor), body=body, from_customer=True)
        else:
            _send(event, "customer", Event.TICKET_REPLY, _customer(ticket), body=body, from_customer=False)
    elif event.kind == EventKind.STATUS:
        after = data.get("after")
        if after not in STATUS_MAILS or _same_action(event, EventKind.MESSAGE) is not None:
            return  # A reply that also changed the status is mailed once, as the reply.
        customers = [c for c in _customer(ticket) if actor is None or c.pk != actor.pk]
        _send(event, "customer", Event.TICKET_STATUS, customers, status=after)
    elif event.kind == EventKind.REOPENED:
        if actor is not None and actor.is_customer:
            _send(event, "staff", Event.TICKET_STATUS, _staff(ticket), status="reopened", reason=data.get("reason"))
        else:
            _send(
                event, "customer", Event.TICKET_STATUS, _customer(ticket), status="reopened", reason=data.get("reason")
            )
    elif event.kind == EventKind.TRANSFERRED:
        message = _same_action(event, EventKind.MESSAGE)
        explanation = _message_body(message.data.get("message_id")) if message else ""
        before = (data.get("before") or {}).get("level", "")
        after_level = (data.get("after") or {}).get("level", "")
        if data.get("rule") != "intervention_paid":  # The "intervention scheduled" mail says it, with the date.
            _send(
                event,
                "customer",
                Event.TICKET_TRANSFERRED,
                _customer(ticket),
                explanation=explanation,
                from_level=before,
                to_level=after_level,
            )
        _send(
            event,
            "staff",
            Event.TICKET_TRANSFERRED,
            _staff(ticket, exclude=actor),
            explanation=explanation,
            reason=data.get("reason", ""),
            from_level=before,
            to_level=after_level,
        )
    elif event.kind == EventKind.LINKED and data.get("link") == LinkKind.INCIDENT_OPENED:
        other = data.get("other")
        incident = Ticket.objects.select_related("level", "team").filter(number=int(other)).first() if other else None
        if (
            incident is None
            or not TicketLink.objects.filter(source=ticket, target=incident, kind=LinkKind.INCIDENT_OPENED).exists()
        ):
            return  # Only the L2 ticket's side mails, once.
        context = {"incident_number": incident.number, "incident_subject": incident.subject}
        _send(event, "customer", Event.INCIDENT_OPENED_FROM, _customer(ticket), **context)
        _send(event, "staff", Event.INCIDENT_OPENED_FROM, _staff(incident, exclude=actor), **context)
