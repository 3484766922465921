"""The guide's moves between levels: L1 → L2, an L1 incident from an L2 ticket, the hand-off
for a quote, and level 3 once the intervention is paid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import stored_text
from levels.models import Category, LevelCode, TicketKind
from tickets import rules
from tickets.actions._base import (
    SUBJECT_MAX,
    _add_message,
    _clock_after_message,
    _clock_after_move,
    _default_team,
    _level,
    _locked,
    _now,
    _reason,
    _record,
    _require_level,
    _stored_reason,
)
from tickets.actions.opening import open_ticket
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import Channel, EventKind, LinkKind, Sender, Ticket, TicketLink


def _check_move(move: rules.Move, ticket: Ticket) -> None:
    refusal = rules.refusal_for(move, level=ticket.level.code, status=ticket.status, kind=ticket.kind)
    messages = {
        rules.Refusal.TICKET_NOT_ACTIVE: _("This ticket is resolved or closed; reopen it before moving it."),
        rules.Refusal.WRONG_LEVEL: {
            rules.Move.NOT_AN_INCIDENT: _("Only a level 1 ticket can be passed to level 2."),
            rules.Move.IS_AN_INCIDENT: _("An incident can only be opened from a level 2 ticket."),
            rules.Move.NEEDS_INTERVENTION: _("Only level 1 and level 2 tickets can ask for an intervention."),
        }[move],
        rules.Refusal.ALREADY_COMMERCIAL: _("This ticket is already with the commercial team."),
    }
    if refusal is not None:
        raise ActionRefused(str(refusal), messages[refusal])


@transaction.atomic
def transfer_to_assistance(
    ticket: Ticket,
    *,
    actor: User | None,
    reason: str | dict[str, Any],
    now: datetime | None = None,
    category: Category | None = None,
    customer_message: str | dict[str, Any] = "",
    rule: str = "not_an_incident",
) -> Ticket:
    """L1 → L2: not an incident, or no unavailability. The same ticket changes level; history keeps both.

    ``actor`` is ``None`` when the desk decides by itself (automatic triage); the desk's reason
    and message are then coded texts (``core.stored_text.coded``), rendered in each reader's
    language.
    """
    now = _now(now)
    if actor is not None:
        _require_level(actor, ticket)
    ticket = _locked(ticket)
    _check_move(rules.Move.NOT_AN_INCIDENT, ticket)
    reason = _stored_reason(reason)
    to_level = _level(LevelCode.L2)
    if category is None:
        category = Category.objects.filter(level=to_level, code="incident_without_outage").first()
    if category is not None and category.level_id != to_level.pk:
        raise InvalidInput("category_wrong_level", _("Pick a level 2 type of request."), field="category")
    before = {
        "level": ticket.level.code,
        "kind": ticket.kind,
        "category": ticket.category.code if ticket.category else None,
    }
    ticket.level = to_level
    ticket.kind = category.kind if category else TicketKind.ASSISTANCE_TECHNICAL
    ticket.category = category or ticket.category
    ticket.team = _default_team(to_level, category)
    ticket.assignee = None
    ticket.updated_at = now
    ticket.save(update_fields=["level", "kind", "category", "team", "assignee", "updated_at"])
    _record(
        ticket,
        EventKind.TRANSFERRED,
        actor=actor,
        now=now,
        before=before,
        after={"level": to_level.code, "kind": ticket.kind, "category": category.code if category else None},
        reason=reason,
        rule=rule,
    )
    _clock_after_move(ticket, cause=EventKind.TRANSFERRED, actor=actor, now=now)
    coded = customer_message if stored_text.is_coded(customer_message) else None
    text = "" if coded is not None else str(customer_message).strip()
    if coded is not None or text:
        message = _add_message(
            ticket,
            author=actor,
            sender=Sender.SUPPORT if actor else Sender.SYSTEM,
            body=text,
            internal=False,
            channel=Channel.MANAGER,
            now=now,
            coded=coded,  # type: ignore[arg-type]
        )
        _record(ticket, EventKind.MESSAGE, actor=actor, now=now, message_id=message.pk, sender=message.sender)
        _clock_after_message(ticket, sender=message.sender, actor=actor, now=now)
    return ticket


@transaction.atomic
def open_incident_from(
    ticket: Ticket,
    *,
    actor: User,
    reason: str,
    category: Category | None,
    now: datetime | None = None,
    subject: str = "",
) -> Ticket:
    """L2 → L1: the question turns out to be an incident. A new L1 incident is opened and linked;
    the L2 ticket stays where it is. A move the rules refuse is refused before the missing type
    of incident is asked for."""
    now = _now(now)
    _require_level(actor, ticket)
    ticket = _locked(ticket)
    _check_move(rules.Move.IS_AN_INCIDENT, ticket)
    if category is None:
        raise InvalidInput("category_required", _("Pick the level 1 incident type."), field="category")
    reason = _reason(reason)
    l1 = _level(LevelCode.L1)
    if category.level_id != l1.pk or category.kind != TicketKind.INCIDENT:
        raise InvalidInput("category_not_incident", _("Pick a level 1 incident type."), field="category")
    incident = open_ticket(
        organisation=ticket.organisation,
        requester=ticket.requester,
        service=ticket.service,
        category=category,
        subject=subject or f"{category.name_es}: {ticket.subject}"[:SUBJECT_MAX],
        body=reason,
        channel=ticket.channel,
        actor=actor,
        now=now,
        written_by=actor,
        internal=True,
    )
    TicketLink.objects.create(
        source=ticket, target=incident, kind=LinkKind.INCIDENT_OPENED, created_at=now, created_by=actor
    )
    _record(
        ticket,
        EventKind.LINKED,
        actor=actor,
        now=now,
        link=LinkKind.INCIDENT_OPENED,
        other=incident.number,
        reason=reason,
    )
    _record(
        incident,
        EventKind.LINKED,
        actor=actor,
        now=now,
        link=LinkKind.INCIDENT_OPENED,
        other=ticket.number,
        reason=reason,
    )
    return incident


@transaction.atomic
def hand_off_for_quote(ticket: Ticket, *, actor: User, reason: str, now: datetime | None = None) -> Ticket:
    """→ L3: administration work. The ticket goes to L2 commercial, who issue a quote; the
    intervention is scheduled once the quote is accepted and paid."""
    now = _now(now)
    _require_level(actor, ticket)
    ticket = _locked(ticket)
    _check_move(rules.Move.NEEDS_INTERVENTION, ticket)
    reason = _reason(reason)
    l2 = _level(LevelCode.L2)
    category = Category.objects.filter(level=l2, code="quote_intervention").first()
    before = {"level": ticket.level.code, "kind": ticket.kind, "team": ticket.team.code if ticket.team else None}
    ticket.level = l2
    ticket.kind = TicketKind.ASSISTANCE_COMMERCIAL
    ticket.category = category or ticket.category
    ticket.team = _default_team(l2, None, commercial=True)
    ticket.assignee = None
    ticket.updated_at = now
    ticket.save(update_fields=["level", "kind", "category", "team", "assignee", "updated_at"])
    _record(
        ticket,
        EventKind.HANDED_OFF,
        actor=actor,
        now=now,
        before=before,
        after={"level": l2.code, "kind": ticket.kind, "team": ticket.team.code if ticket.team else None},
        reason=reason,
    )
    _clock_after_move(ticket, cause=EventKind.HANDED_OFF, actor=actor, now=now)
    return ticket


def pass_to_managed_services(
    ticket: Ticket, *, assignee: User, actor: User | None, now: datetime, reason: str
) -> Ticket:
    """→ L3: the quote is paid and the intervention scheduled; the ticket moves to level 3, to
    the administrator who will do the work. Runs inside the caller's transaction."""
    now = _now(now)
    ticket = _locked(ticket)
    l3 = _level(LevelCode.L3)
    if ticket.level_id == l3.pk and ticket.assignee_id == assignee.pk:
        return ticket
    before = {"level": ticket.level.code, "kind": ticket.kind, "team": ticket.team.code if ticket.team else None}
    ticket.level = l3
    ticket.kind = TicketKind.INTERVENTION
    ticket.team = _default_team(l3, None)
    ticket.assignee = assignee
    ticket.updated_at = now
    ticket.save(update_fields=["level", "kind", "team", "assignee", "updated_at"])
    _record(
        ticket,
        EventKind.TRANSFERRED,
        actor=actor,
        now=now,
        before=before,
        after={"level": l3.code, "kind": ticket.kind, "team": ticket.team.code if ticket.team else None},
        reason=reason,
        rule="intervention_paid",
    )
    _clock_after_move(ticket, cause=EventKind.TRANSFERRED, actor=actor, now=now)
    return ticket
