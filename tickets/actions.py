"""Every change to a ticket: one function each, one transaction each, one audit event each.

Views, the API, e-mail and phone intake and background jobs all call these functions. Each takes
keyword-only arguments with an explicit ``actor`` (``None`` for the desk itself) and ``now``,
checks who may do it, writes the change and its ``TicketEvent``, and enqueues the follow-up task
after commit. A refused action raises ``ActionRefused`` (or a subclass) and writes nothing.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Role, User
from core import rows
from core.counters import next_value
from levels.models import Category, LevelCode, SupportLevel, Team, TicketKind
from services.models import Service
from tickets import dispatch, rules
from tickets.errors import ActionRefused, Forbidden, InvalidInput, NotFound
from tickets.markdown import render_markdown
from tickets.models import (
    ACTIVE_STATUSES,
    Attachment,
    Channel,
    EventKind,
    LinkKind,
    Message,
    Sender,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
)

__all__ = [
    "ActionRefused",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "add_note",
    "add_system_note",
    "assign_ticket",
    "claim_ticket",
    "close_ticket",
    "hand_off_for_quote",
    "open_incident_from",
    "open_ticket",
    "reopen_ticket",
    "reply",
    "resolve_by_desk",
    "resolve_ticket",
    "score_ticket",
    "transfer_to_assistance",
    "wait_for_customer",
]

TICKET_NUMBER_START = 1000001
SUBJECT_MAX = 200
BODY_MAX = 50_000

# Handlers other apps hang on the lifecycle (the SLA clock, for one), called inside the same
# transaction as the change: ``hook(ticket, event, now)``.
_in_transaction_hooks: list[Any] = []


def register_in_transaction_hook(hook: Any) -> None:
    if hook not in _in_transaction_hooks:
        _in_transaction_hooks.append(hook)


# Handlers that fill a new ticket's own columns before its INSERT (the SLA clock's due times,
# for one): ``hook(ticket, now)``. They run just before the opening transaction (the ticket has
# no number or primary key yet), and what they set is written by the INSERT itself, so opening
# a ticket needs no second write of the same row.
_new_ticket_hooks: list[Any] = []


def register_new_ticket_hook(hook: Any) -> None:
    if hook not in _new_ticket_hooks:
        _new_ticket_hooks.append(hook)


# --- helpers -------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("now must be timezone-aware")
    return value


def _record(ticket: Ticket, kind: EventKind, *, actor: User | None, now: datetime, **data: Any) -> TicketEvent:
    event = rows.insert(TicketEvent(ticket=ticket, actor=actor, kind=kind, data=data, created_at=now))
    _recorded(ticket, event, now)
    return event


def _recorded(ticket: Ticket, event: TicketEvent, now: datetime) -> None:
    """After an audit event's INSERT: the in-transaction hooks, then its dispatch after commit."""
    for hook in _in_transaction_hooks:
        hook(ticket, event, now)
    dispatch.pending(event.pk)


def _can_see(user: User | None, ticket: Ticket) -> bool:
    if user is None:
        return True
    return Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists()


def _require_visible(user: User | None, ticket: Ticket) -> None:
    if not _can_see(user, ticket):
        raise NotFound("not_found", _("This ticket does not exist."))


def _require_staff(user: User | None) -> None:
    if user is not None and not (user.is_agent or user.is_superuser):
        raise Forbidden("staff_only", _("Only support staff can do this."))


def works_on(user: User, level_code: str) -> bool:
    """Whether a member of staff may act on tickets of this level."""
    if user.is_superuser or user.role == Role.SUPERVISOR:
        return True
    if user.role == Role.L2_COMMERCIAL:
        return level_code in {LevelCode.L2, LevelCode.L3}  # quotes for interventions start on L2
    return user.level_code == level_code


def _require_level(user: User | None, ticket: Ticket) -> None:
    _require_staff(user)
    if user is not None and not works_on(user, ticket.level.code):
        raise Forbidden(
            "other_level",
            _("This ticket is on %(level)s; only its staff or a supervisor can do this.")
            % {"level": ticket.level.code},
        )


def _text(value: str, *, field: str, code: str, message: Any, maximum: int) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(code, message, field=field)
    if len(cleaned) > maximum:
        raise InvalidInput(
            f"{field}_too_long",
            _("This text is too long (at most %(max)s characters).") % {"max": maximum},
            field=field,
        )
    return cleaned


def _reason(reason: str) -> str:
    return _text(reason, field="reason", code="reason_required", message=_("Give a reason."), maximum=2000)


def _set_status(ticket: Ticket, new: Status, *, actor: User | None, now: datetime, **data: Any) -> None:
    old = ticket.status
    if old == new:
        return
    ticket.status = new
    ticket.updated_at = now
    fields = ["status", "updated_at"]
    if new == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    if new == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    ticket.save(update_fields=fields)
    _record(ticket, EventKind.STATUS, actor=actor, now=now, before=old, after=new, **data)


@dataclass(frozen=True)
class CleanUpload:
    file: UploadedFile
    filename: str
    content_type: str
    size: int


def clean_uploads(files: Sequence[UploadedFile]) -> list[CleanUpload]:
    """Check attachments against the limits before anything is written."""
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise InvalidInput(
            "too_many_files",
            _("Attach at most %(n)s files to one message.") % {"n": settings.ATTACHMENT_MAX_FILES},
            field="attachments",
        )
    cleaned = []
    for upload in files:
        name = PurePath((upload.name or "file").replace("\\", "/")).name
        name = "".join(c for c in name if c.isalnum() or c in "._- ()").strip(". ") or "file"
        name = name[-150:]
        size = upload.size or 0
        if size > settings.ATTACHMENT_MAX_BYTES:
            raise InvalidInput(
                "file_too_large",
                _("%(name)s is larger than %(max)s MB.")
                % {"name": name, "max": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
                field="attachments",
            )
        if size == 0:
            raise InvalidInput("file_empty", _("%(name)s is empty.") % {"name": name}, field="attachments")
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if guessed not in settings.ATTACHMENT_ALLOWED_TYPES:
            raise InvalidInput(
                "file_type_refused",
                _("Files of type %(type)s cannot be attached.") % {"type": guessed},
                field="attachments",
            )
        cleaned.append(CleanUpload(file=upload, filename=name, content_type=guessed, size=size))
    return cleaned


def _store_attachments(
    ticket: Ticket, message: Message, uploads: Sequence[CleanUpload], *, actor: User | None, now: datetime
) -> list[Attachment]:
    stored = []
    for upload in uploads:
        attachment = Attachment(
            ticket=ticket,
            message=message,
            token=secrets.token_hex(16),
            filename=upload.filename,
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by=actor,
            created_at=now,
        )
        attachment.file.save(upload.filename, upload.file, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _add_message(
    ticket: Ticket,
    *,
    author: User | None,
    sender: Sender,
    body: str,
    internal: bool,
    channel: str,
    now: datetime,
    uploads: Sequence[CleanUpload] = (),
    body_html: str | None = None,
) -> Message:
    message = rows.insert(
        Message(
            ticket=ticket,
            author=author,
            sender=sender,
            body=body,
            body_html=render_markdown(body) if body_html is None else body_html,
            internal=internal,
            channel=channel,
            created_at=now,
        )
    )
    _store_attachments(ticket, message, uploads, actor=author, now=now)
    return message


def _sender_for(actor: User | None) -> Sender:
    if actor is None:
        return Sender.SYSTEM
    return Sender.CUSTOMER if actor.is_customer else Sender.SUPPORT


def _default_team(level: SupportLevel, category: Category | None, *, commercial: bool = False) -> Team | None:
    if category is not None and category.team_id is not None and not commercial:
        return category.team
    return level.teams.filter(commercial=commercial).order_by("id").first() or level.teams.order_by("id").first()


# --- opening -------------------------------------------------------------------------------


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
    in_transaction: Callable[[], None] | None = None,
) -> Ticket:
    """Open a ticket for a customer, from the Manager, a direct link, the phone, e-mail, the API or monitoring.

    Everything that needs no lock (checks, the SLA clock's due times, the message's HTML) is
    worked out first; the write transaction then holds only the statements, so on SQLite the
    database's single write lock is held as briefly as it can be. ``in_transaction`` is called
    first inside that transaction (the API counts the call against its rate limit there).
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
    if not category.active:
        raise InvalidInput("category_inactive", _("This type of request is no longer offered."), field="category")
    if channel not in Channel.values:
        raise InvalidInput("channel_invalid", _("Unknown channel."), field="channel")
    subject = _text(
        subject, field="subject", code="subject_required", message=_("Write a subject."), maximum=SUBJECT_MAX
    )
    body = _text(body, field="body", code="body_required", message=_("Describe the problem."), maximum=BODY_MAX)
    uploads = clean_uploads(attachments)
    level = level or category.level
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
        priority=priority or ("high" if category.kind == TicketKind.INCIDENT else "normal"),
        team=_default_team(level, category),
        last_message_from=Sender.SYSTEM if channel == Channel.MONITORING else Sender.CUSTOMER,
        created_at=now,
        updated_at=now,
    )
    for hook in _new_ticket_hooks:
        hook(ticket, now)
    # Every row's INSERT is worked out now, but for what only the transaction knows: the
    # ticket's number, the keys of the rows inserted before.
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
    }
    event = TicketEvent(ticket=ticket, actor=actor, kind=EventKind.CREATED, data=data, created_at=now)
    pending_ticket = rows.Pending(ticket, later=["number"])
    pending_message = rows.Pending(message, later=["ticket"])
    pending_event = rows.Pending(event, later=["ticket", "data"])
    with transaction.atomic():
        if in_transaction is not None:
            in_transaction()
        pending_ticket.insert(number=next_value("ticket", start=TICKET_NUMBER_START))
        pending_message.insert(ticket=ticket)
        _store_attachments(ticket, message, uploads, actor=requester, now=now)
        pending_event.insert(ticket=ticket, data={**data, "message_id": message.pk})
        _recorded(ticket, event, now)
    return ticket


# --- conversation --------------------------------------------------------------------------


@transaction.atomic
def reply(
    ticket: Ticket,
    *,
    actor: User,
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


# --- ownership -----------------------------------------------------------------------------


@transaction.atomic
def claim_ticket(ticket: Ticket, *, actor: User, now: datetime | None = None) -> Ticket:
    """Take an unassigned ticket of one's own level. Two agents claiming at once: one wins."""
    now = _now(now)
    _require_level(actor, ticket)
    if ticket.status not in ACTIVE_STATUSES:
        raise ActionRefused("ticket_not_active", _("Only open tickets can be claimed."))
    # Conditional UPDATE: of two agents claiming the same ticket, only one row update succeeds.
    taken = Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(assignee=actor, updated_at=now)
    if not taken:
        ticket.refresh_from_db(fields=["assignee"])
        if ticket.assignee_id == actor.pk:
            return ticket
        raise ActionRefused("already_claimed", _("Someone else has already taken this ticket."))
    ticket.refresh_from_db()
    _record(ticket, EventKind.ASSIGNED, actor=actor, now=now, before=None, after=actor.username, claimed=True)
    if ticket.status == Status.NEW:
        _set_status(ticket, Status.OPEN, actor=actor, now=now)
    return ticket


@transaction.atomic
def assign_ticket(ticket: Ticket, *, assignee: User | None, actor: User, now: datetime | None = None) -> Ticket:
    """Give the ticket to a member of staff of its level (or take it away with ``None``)."""
    now = _now(now)
    _require_level(actor, ticket)
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("level", "assignee").get(pk=ticket.pk)
    if assignee is not None and not (
        assignee.is_active and assignee.is_agent and works_on(assignee, ticket.level.code)
    ):
        raise InvalidInput(
            "assignee_not_on_level", _("%(name)s does not work on this level.") % {"name": assignee}, field="assignee"
        )
    before = ticket.assignee.username if ticket.assignee else None
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    ticket.assignee = assignee
    ticket.updated_at = now
    ticket.save(update_fields=["assignee", "updated_at"])
    _record(
        ticket, EventKind.ASSIGNED, actor=actor, now=now, before=before, after=assignee.username if assignee else None
    )
    return ticket


# --- status --------------------------------------------------------------------------------


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("level").get(pk=ticket.pk)


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


# --- the guide's moves ---------------------------------------------------------------------


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


def _level(code: str) -> SupportLevel:
    return SupportLevel.objects.get(code=code)


@transaction.atomic
def transfer_to_assistance(
    ticket: Ticket,
    *,
    actor: User | None,
    reason: str,
    now: datetime | None = None,
    category: Category | None = None,
    customer_message: str = "",
    rule: str = "not_an_incident",
) -> Ticket:
    """L1 → L2: not an incident, or no unavailability. The same ticket changes level; history keeps both.

    ``actor`` is ``None`` when the desk decides by itself (automatic triage).
    """
    now = _now(now)
    if actor is not None:
        _require_level(actor, ticket)
    ticket = _locked(ticket)
    _check_move(rules.Move.NOT_AN_INCIDENT, ticket)
    reason = _reason(reason)
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
    if customer_message.strip():
        message = _add_message(
            ticket,
            author=actor,
            sender=Sender.SUPPORT if actor else Sender.SYSTEM,
            body=customer_message.strip(),
            internal=False,
            channel=Channel.MANAGER,
            now=now,
        )
        _record(ticket, EventKind.MESSAGE, actor=actor, now=now, message_id=message.pk, sender=message.sender)
    return ticket


@transaction.atomic
def open_incident_from(
    ticket: Ticket,
    *,
    actor: User,
    reason: str,
    category: Category,
    now: datetime | None = None,
    subject: str = "",
) -> Ticket:
    """L2 → L1: the question turns out to be an incident. A new L1 incident is opened and linked;
    the L2 ticket stays where it is."""
    now = _now(now)
    _require_level(actor, ticket)
    ticket = _locked(ticket)
    _check_move(rules.Move.IS_AN_INCIDENT, ticket)
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
    return ticket


# --- the desk acting by itself (automatic triage, monitoring) -------------------------------


@transaction.atomic
def add_system_note(ticket: Ticket, *, body: str, now: datetime | None = None) -> Message:
    """An internal note written by the desk itself (no author): staff see it, the customer never does."""
    now = _now(now)
    body = _text(body, field="body", code="body_required", message=_("Write a note."), maximum=BODY_MAX)
    message = _add_message(
        ticket, author=None, sender=Sender.SYSTEM, body=body, internal=True, channel=Channel.MANAGER, now=now
    )
    _record(ticket, EventKind.NOTE, actor=None, now=now, message_id=message.pk)
    return message


@transaction.atomic
def resolve_by_desk(ticket: Ticket, *, reason: str, now: datetime | None = None, customer_message: str = "") -> Ticket:
    """The desk resolves a ticket by itself (a monitoring recovery), saying why; the actor is none.

    ``customer_message``, when given, is posted first as a public message from the desk.
    """
    now = _now(now)
    reason = _reason(reason)
    ticket = _locked(ticket)
    if ticket.status not in ACTIVE_STATUSES:
        raise ActionRefused("ticket_not_active", _("This ticket is already resolved or closed."))
    if customer_message.strip():
        message = _add_message(
            ticket,
            author=None,
            sender=Sender.SYSTEM,
            body=customer_message.strip(),
            internal=False,
            channel=Channel.MANAGER,
            now=now,
        )
        ticket.last_message_from = Sender.SYSTEM
        ticket.save(update_fields=["last_message_from"])
        _record(ticket, EventKind.MESSAGE, actor=None, now=now, message_id=message.pk, sender=message.sender)
    _set_status(ticket, Status.RESOLVED, actor=None, now=now, reason=reason)
    return ticket


# --- duplicates ----------------------------------------------------------------------------


@transaction.atomic
def merge_duplicate(ticket: Ticket, *, into: Ticket, actor: User, reason: str, now: datetime | None = None) -> Ticket:
    """Close ``ticket`` as a duplicate of ``into`` (same customer), linking both and noting why.

    The conversation stays on the duplicate, read through the link; the customer's later
    messages belong on ``into``.
    """
    now = _now(now)
    _require_level(actor, ticket)
    _require_visible(actor, into)
    if ticket.pk == into.pk:
        raise InvalidInput("merge_into_itself", _("A ticket cannot be a duplicate of itself."), field="into")
    # Lock both rows in id order, so two merges of the same pair in opposite directions cannot deadlock.
    locked = {
        row.pk: row
        for row in Ticket.objects.select_for_update(of=("self",))
        .select_related("level")
        .filter(pk__in=[ticket.pk, into.pk])
        .order_by("pk")
    }
    ticket, into = locked[ticket.pk], locked[into.pk]
    if ticket.organisation_id != into.organisation_id:
        raise InvalidInput("merge_other_customer", _("Only tickets of the same customer can be merged."), field="into")
    if ticket.status not in ACTIVE_STATUSES:
        raise ActionRefused("ticket_not_active", _("Only an open ticket can be closed as a duplicate."))
    if into.status == Status.CLOSED:
        raise ActionRefused("target_closed", _("The ticket to keep is closed; reopen it first."))
    if TicketLink.objects.filter(source=into, target=ticket, kind=LinkKind.DUPLICATE).exists():
        raise ActionRefused("merge_cycle", _("That ticket is already a duplicate of this one."))
    reason = _reason(reason)
    TicketLink.objects.create(source=ticket, target=into, kind=LinkKind.DUPLICATE, created_at=now, created_by=actor)
    note = _add_message(
        ticket,
        author=actor,
        sender=Sender.SUPPORT,
        body=_("Duplicate of #%(number)s: %(reason)s") % {"number": into.number, "reason": reason},
        internal=True,
        channel=Channel.MANAGER,
        now=now,
    )
    _record(
        ticket,
        EventKind.LINKED,
        actor=actor,
        now=now,
        link=LinkKind.DUPLICATE,
        other=into.number,
        reason=reason,
        message_id=note.pk,
    )
    _record(into, EventKind.LINKED, actor=actor, now=now, link=LinkKind.DUPLICATE, other=ticket.number, reason=reason)
    _set_status(ticket, Status.CLOSED, actor=actor, now=now, cause="duplicate")
    return ticket


# --- changes made by other apps (managed services) ------------------------------------------


def record_event(ticket: Ticket, kind: EventKind, *, actor: User | None, now: datetime, **data: Any) -> TicketEvent:
    """Write an audit event on a ticket for a change made by another app (a quote sent, an
    intervention scheduled), in the caller's transaction, with the same after-commit dispatch."""
    return _record(ticket, kind, actor=actor, now=_now(now), **data)


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
    return ticket
