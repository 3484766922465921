"""Who is told about an SLA warning or breach, through the desk's one notification service.

``announce`` is called in the scan's transaction, next to the audit event: one notification
(``sla_warning`` or ``sla_breach``) with a delivery per person, sent, retried and recorded by the
notifications app, in each reader's language and time zone. Agents can switch either event off
on their e-mail preferences page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.models import Role, User
from notifications.actions import notify
from notifications.models import Delivery, Event, Notification
from tickets.models import EventKind, Ticket, TicketEvent


def recipients(ticket: Ticket) -> list[User]:
    """The assignee, the members of the ticket's team and the supervisors; each once, active only."""
    people: dict[int, User] = {}
    if ticket.assignee_id is not None and ticket.assignee is not None:
        people[ticket.assignee.pk] = ticket.assignee
    if ticket.team_id is not None:
        for member in ticket.team.members.filter(is_active=True).order_by("pk"):  # type: ignore[union-attr]
            people.setdefault(member.pk, member)
    for supervisor in User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk"):
        people.setdefault(supervisor.pk, supervisor)
    return [person for person in people.values() if person.is_active and person.email]


def announce(event: TicketEvent, *, now: datetime) -> Notification | None:
    """Notify the people of ``recipients`` about one warning or breach event (once per event)."""
    kind = Event.SLA_WARNING if event.kind == EventKind.SLA_WARNING else Event.SLA_BREACH
    data = event.data or {}
    return notify(
        event=kind,
        recipients=recipients(event.ticket),
        context={"level": data.get("level", ""), "clock": data.get("clock", ""), "due_at": data.get("due_at")},
        ticket=event.ticket,
        now=now,
        key=f"sla-event:{event.pk}",
    )


def context(notification: Notification, delivery: Delivery) -> dict[str, Any]:
    """Send-time context: the due time as a datetime, shown in the reader's time zone."""
    due = notification.context.get("due_at")
    return {"due_at": datetime.fromisoformat(due) if due else None}
