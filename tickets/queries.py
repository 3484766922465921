"""Reads of tickets, always through the visibility rule."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from tickets.models import Message, Ticket, TicketEvent, TicketLink


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    return Ticket.objects.visible_to(user)


def get_ticket_for(user: Any, pk: int | str) -> Ticket:
    """The ticket if this person may see it; otherwise 404, exactly as for a ticket that does not exist."""
    try:
        return (
            visible_tickets(user)
            .select_related("organisation", "requester", "service", "level", "category", "assignee", "team")
            .get(pk=int(pk))
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404("No such ticket") from None


def get_ticket_by_number_for(user: Any, number: int | str) -> Ticket:
    try:
        return (
            visible_tickets(user)
            .select_related("organisation", "requester", "service", "level", "category", "assignee", "team")
            .get(number=int(number))
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise Http404("No such ticket") from None


def conversation(ticket: Ticket, user: Any) -> QuerySet[Message]:
    """The messages this person may read: customers never see internal notes."""
    messages = ticket.messages.select_related("author").prefetch_related("attachments")
    if getattr(user, "is_customer", True):
        messages = messages.filter(internal=False)
    return messages.order_by("created_at", "id")


def linked_tickets(ticket: Ticket, user: Any) -> list[tuple[TicketLink, Ticket]]:
    """Links read from both ends, limited to tickets the person may see."""
    links = list(
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
        .select_related("source__level", "target__level")
        .order_by("created_at", "id")
    )
    others = {link.target_id if link.source_id == ticket.pk else link.source_id for link in links}
    visible = set(visible_tickets(user).filter(pk__in=others).values_list("pk", flat=True))
    result = []
    for link in links:
        other = link.target if link.source_id == ticket.pk else link.source
        if other.pk in visible:
            result.append((link, other))
    return result


def history(ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor").order_by("created_at", "id")


def level_history(ticket: Ticket) -> list[dict[str, Any]]:
    """Each level the ticket has been on, with when it arrived and why, oldest first."""
    events = ticket.events.filter(kind__in=["created", "transferred", "handed_off"]).order_by("created_at", "id")
    steps = []
    for event in events:
        if event.kind == "created":
            steps.append({"level": event.data.get("level"), "at": event.created_at, "reason": ""})
        else:
            after = event.data.get("after", {})
            steps.append({"level": after.get("level"), "at": event.created_at, "reason": event.data.get("reason", "")})
    return steps
