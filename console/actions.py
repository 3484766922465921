"""The console's writes: phone calls taken at the desk and call events from the PBX.

Opening the ticket itself goes through ``tickets.actions.open_ticket``; these functions verify
what the caller said first and keep the call log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Role, User
from console.models import CallLog, CallState
from levels.models import Category, PhoneLine
from services.models import Service
from tickets import actions as ticket_actions
from tickets.errors import ActionRefused, Forbidden, InvalidInput
from tickets.models import Channel, Ticket

NOTES_MAX = 5000
CALLER_MAX = 32


@dataclass(frozen=True)
class Caller:
    """What the desk verified about a caller: their organisation, the contact and the service."""

    organisation: Organisation
    contact: User
    service: Service


def verify_caller(*, customer_identifier: str, service_reference: str) -> Caller:
    """Check that the customer exists, the service exists, and the service is theirs.

    Raises ``InvalidInput`` with a message for the agent to read to the caller; writes nothing.
    """
    identifier = (customer_identifier or "").strip().lower()
    reference = (service_reference or "").strip().lower()
    if not identifier:
        raise InvalidInput("identifier_required", _("Enter the customer identifier."), field="customer_identifier")
    if not reference:
        raise InvalidInput("reference_required", _("Enter the service reference."), field="service_reference")
    contact = (
        User.objects.select_related("organisation")
        .filter(username=identifier, role=Role.CUSTOMER, is_active=True)
        .first()
    )
    if contact is None or contact.organisation is None:
        raise InvalidInput(
            "unknown_customer",
            _("There is no customer with the identifier %(identifier)s.") % {"identifier": identifier},
            field="customer_identifier",
        )
    service = Service.objects.filter(reference=reference).first()
    if service is None:
        raise InvalidInput(
            "unknown_service",
            _("There is no service with the reference %(reference)s.") % {"reference": reference},
            field="service_reference",
        )
    if service.organisation_id != contact.organisation_id:
        raise InvalidInput(
            "service_not_customers",
            _("The service %(reference)s does not belong to the customer %(identifier)s. Ask the caller again.")
            % {"reference": reference, "identifier": identifier},
            field="service_reference",
        )
    if service.is_deactivated:
        raise InvalidInput(
            "service_inactive",
            _("The service %(reference)s is no longer active.") % {"reference": reference},
            field="service_reference",
        )
    return Caller(organisation=contact.organisation, contact=contact, service=service)


def _require_line_agent(agent: User, line: PhoneLine) -> None:
    if not (agent.is_agent or agent.is_superuser):
        raise Forbidden("staff_only", _("Only support staff can do this."))
    if not ticket_actions.works_on(agent, line.level.code):
        raise Forbidden(
            "other_level",
            _("The line %(number)s is answered by %(level)s staff.")
            % {"number": line.number, "level": line.level.code},
        )


@transaction.atomic
def open_phone_ticket(
    *,
    line: PhoneLine,
    agent: User,
    customer_identifier: str,
    service_reference: str,
    category: Category,
    subject: str,
    body: str,
    caller_number: str = "",
    duration_seconds: int | None = None,
    notes: str = "",
    call: CallLog | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, CallLog]:
    """Verify the caller, open their ticket with channel "phone" and log the call, in one transaction."""
    now = now or timezone.now()
    _require_line_agent(agent, line)
    caller = verify_caller(customer_identifier=customer_identifier, service_reference=service_reference)
    if category.level_id != line.level_id:
        raise InvalidInput(
            "category_wrong_level",
            _("Pick a type of request of %(level)s, the level of this line.") % {"level": line.level.code},
            field="category",
        )
    if duration_seconds is not None and not 0 <= duration_seconds <= 24 * 3600:
        raise InvalidInput("duration_invalid", _("The duration is a number of seconds up to a day."), field="duration")
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise InvalidInput("notes_too_long", _("The notes are too long."), field="notes")
    ticket = ticket_actions.open_ticket(
        organisation=caller.organisation,
        requester=caller.contact,
        service=caller.service,
        category=category,
        subject=subject,
        body=body,
        channel=Channel.PHONE,
        actor=agent,
        now=now,
        written_by=agent,
    )
    if call is not None:
        # A call announced by the PBX: lock it so a late "hung up" event and this write do not race.
        call = CallLog.objects.select_for_update().get(pk=call.pk)
        if call.ticket_id is not None:
            raise ActionRefused("call_already_logged", _("This call already has a ticket."))
        call.ticket = ticket
        call.service = caller.service
        call.agent = call.agent or agent
        call.notes = notes or call.notes
        if caller_number:
            call.caller_number = caller_number.strip()[:CALLER_MAX]
        if call.duration_seconds is None and duration_seconds is not None:
            call.duration_seconds = duration_seconds
        call.save(update_fields=["ticket", "service", "agent", "notes", "caller_number", "duration_seconds"])
    else:
        call = CallLog.objects.create(
            line=line,
            agent=agent,
            state=CallState.ANSWERED if duration_seconds is None else CallState.HUNG_UP,
            caller_number=(caller_number or "").strip()[:CALLER_MAX],
            started_at=now - timedelta(seconds=duration_seconds or 0),
            answered_at=now - timedelta(seconds=duration_seconds or 0),
            ended_at=now if duration_seconds is not None else None,
            duration_seconds=duration_seconds,
            notes=notes,
            ticket=ticket,
            service=caller.service,
        )
    return ticket, call


# --- the PBX / CTI connector ---------------------------------------------------------------

EVENTS = (CallState.RINGING, CallState.ANSWERED, CallState.HUNG_UP)


@transaction.atomic
def record_call_event(
    *,
    event: str,
    call_id: str,
    line: PhoneLine,
    caller_number: str = "",
    digits: str = "",
    agent: User | None = None,
    now: datetime | None = None,
) -> CallLog:
    """Create or update the call named ``call_id`` from one PBX event. Events may arrive out of
    order or twice; each one only moves the call forward."""
    now = now or timezone.now()
    if event not in EVENTS:
        raise InvalidInput("event_invalid", _("Unknown call event."), field="event")
    call_id = (call_id or "").strip()
    if not call_id or len(call_id) > 64:
        raise InvalidInput("call_id_invalid", _("A call id of 1 to 64 characters is required."), field="call_id")
    try:
        with transaction.atomic():
            call, _created = CallLog.objects.select_for_update().get_or_create(
                call_id=call_id, defaults={"line": line, "state": CallState.RINGING, "started_at": now}
            )
    except IntegrityError:
        # Two events of the same call at once: the other created the row; take it.
        call = CallLog.objects.select_for_update().get(call_id=call_id)
    if call.line_id != line.pk:
        raise InvalidInput("line_mismatch", _("This call was announced on another line."), field="line")
    fields: set[str] = set()
    if caller_number and not call.caller_number:
        call.caller_number = caller_number.strip()[:CALLER_MAX]
        fields.add("caller_number")
    if digits:
        call.digits = digits.strip()[:64]
        fields.add("digits")
    if agent is not None and call.agent_id is None:
        call.agent = agent
        fields.add("agent")
    order = {CallState.RINGING: 0, CallState.ANSWERED: 1, CallState.HUNG_UP: 2}
    if order[CallState(event)] > order[CallState(call.state)]:
        call.state = event
        fields.add("state")
        if event == CallState.ANSWERED:
            call.answered_at = now
            fields.add("answered_at")
        if event == CallState.HUNG_UP:
            call.ended_at = now
            start = call.answered_at or call.started_at
            call.duration_seconds = max(0, int((now - start).total_seconds()))
            fields.update({"ended_at", "duration_seconds"})
    if fields:
        call.save(update_fields=sorted(fields))
    return call


def pending_call_for(agent: User, line: PhoneLine, *, now: datetime | None = None) -> CallLog | None:
    """The call the PBX says this agent is taking on this line (last 30 minutes, no ticket yet)."""
    now = now or timezone.now()
    return (
        CallLog.objects.filter(
            agent=agent,
            line=line,
            ticket__isnull=True,
            started_at__gte=now - timedelta(minutes=30),
        )
        .order_by("-started_at", "-id")
        .first()
    )
