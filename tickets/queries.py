"""Reads of tickets, always through the visibility rule, and what opening a ticket reads."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from core import rows
from levels.models import Category, SupportLevel, Team
from sla.models import BusinessCalendar, Outcome, SlaPolicy
from tickets.models import Message, SlaMeasurement, Ticket, TicketEvent, TicketLink


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


def missed_on_earlier_levels(ticket: Ticket) -> list[SlaMeasurement]:
    """The response targets the ticket missed on levels it has left, oldest first: a move starts a
    fresh promise on the new level, and a breach on the level it left stays on that level's record."""
    return list(
        SlaMeasurement.objects.filter(ticket=ticket, outcome=Outcome.BREACHED)
        .exclude(level=ticket.sla_policy_level)
        .order_by("started_at", "id")
    )


# --- opening a ticket --------------------------------------------------------------------------


def _columns() -> tuple[rows.Columns, ...]:
    return (
        rows.columns(Category, "c"),
        rows.columns(SupportLevel, "l"),
        rows.columns(Team, "t"),
        rows.columns(BusinessCalendar, "k"),
        rows.columns(SlaPolicy, "p"),
    )


@cache
def _sql() -> str:
    category, level, team, calendar, policy = _columns()
    quote = connection.ops.quote_name
    return (
        f"SELECT {category.sql}, {level.sql}, {team.sql}, {calendar.sql}, {policy.sql}"  # noqa: S608 - model metadata
        f" FROM {quote(Category._meta.db_table)} c"
        f" JOIN {quote(SupportLevel._meta.db_table)} l ON l.id = c.level_id"
        f" LEFT JOIN {quote(Team._meta.db_table)} t ON t.id = c.team_id"
        f" LEFT JOIN {quote(BusinessCalendar._meta.db_table)} k ON k.id = l.calendar_id"
        f" LEFT JOIN {quote(SlaPolicy._meta.db_table)} p ON p.level_id = l.id"
        " WHERE c.code = %s AND c.active = %s"
    )


def category_for_opening(code: str) -> Category | None:
    """The active category ``code`` with what opening a ticket in it needs, in one statement:
    its level, the level's calendar and SLA policy (to start the clock) and its team.

    The same as ``Category.objects.select_related("level", "team", "level__calendar",
    "level__sla_policy").filter(code=code, active=True).first()``, with the SQL written once
    (``core.rows``): the API opens tickets hundreds of times a second.
    """
    category, level, team, calendar, policy = _columns()
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [code, True])
        row = cursor.fetchone()
    if row is None:
        return None
    found: Category = category.build(row)
    start = category.width
    the_level: SupportLevel = level.build(row, start)
    start += level.width
    rows.cache_related(found, "team", team.build(row, start))
    start += team.width
    rows.cache_related(the_level, "calendar", calendar.build(row, start))
    start += calendar.width
    the_policy = policy.build(row, start)
    rows.cache_related(the_level, "sla_policy", the_policy)
    if the_policy is not None:
        rows.cache_related(the_policy, "level", the_level)
    rows.cache_related(found, "level", the_level)
    return found
