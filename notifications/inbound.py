"""Processing one stored inbound message: which ticket, which person, what to do.

The order matters and each step is final:
1. a Message-ID already acted on → duplicate, ignored;
2. an auto-reply, a bounce, or mail from the desk itself → recorded, never answered;
3. a message that cannot be read (no sender, broken MIME, nothing in it) → quarantine;
4. mail from a staff address → applied only as a reply to the reply address the desk gave that
   person on that ticket (see "Staff replies" below), else refused: quarantined and answered;
   a reply to a ticket (a signed reply address, else our Message-IDs in In-Reply-To/References)
   → added to that ticket if the sender is a contact of its customer, else quarantine;
5. a message to a level's address (or the desk's mailbox) from a known customer → a new ticket;
6. an unknown sender → one answer per address and day, nothing else.
Anything unexpected ends in the quarantine with its reason; the raw message is never dropped.

Staff replies: the desk's mails to staff carry a reply address signed for the ticket *and* the
person (``addressing.reply_address(number, agent_id=...)``). A message from that person's address
to that address becomes, through ``tickets.actions`` like a console reply, a public reply by them
(the customer is told, the SLA clock stops) — or an internal note when its first line is
``#note``. The ticket must be visible to them (``tickets.queries.visible_tickets``). Anything else
from a staff address is refused: quarantined with its reason, and the person is told why.
"""

from __future__ import annotations

import logging
import mimetypes
from datetime import datetime, timedelta
from typing import NoReturn

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext

from accounts.models import Role, User
from levels.models import Category, SupportLevel
from notifications import addressing, mailparse
from notifications.actions import claim_message_id, notify
from notifications.models import AutoAnswer, Delivery, Event, InboundMail, InboundStatus
from tickets import actions as ticket_actions
from tickets import queries as ticket_queries
from tickets.errors import ActionRefused
from tickets.models import Channel, Status, Ticket

logger = logging.getLogger(__name__)

NOTE_MARKER = "#note"

NO_REPLY_LOCAL_PARTS = frozenset(
    {"noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster", "bounce", "bounces"}
)


PROCESSED_FIELDS = [
    "attempts",
    "message_id",
    "from_address",
    "subject",
    "text",
    "defects",
    "status",
    "reason",
    "ticket",
    "processed_at",
]


# A message still "received" this long after it arrived has lost its processing task (a broker
# outage) or its worker (killed): the sweep enqueues it again.
UNPROCESSED_AFTER = timedelta(minutes=2)
PROCESS_MAX_STARTS = 3
SWEEP_LIMIT = 500


class _Outcome(Exception):
    """Ends processing with a status and a reason."""

    def __init__(self, status: InboundStatus, reason: str = "", ticket: Ticket | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.ticket = ticket


def process(mail_id: int, *, now: datetime) -> str:
    """Process one message in status "received"; returns its status afterwards. Never raises."""
    # Each start is counted in its own transaction, before the work: a worker killed while it
    # processes the message leaves the count behind, and the sweep (``retry_unprocessed``) gives
    # up on a message that stopped its workers ``PROCESS_MAX_STARTS`` times.
    if not InboundMail.objects.filter(pk=mail_id, status=InboundStatus.RECEIVED).update(attempts=F("attempts") + 1):
        return str(InboundMail.objects.filter(pk=mail_id).values_list("status", flat=True).first() or "")
    try:
        with transaction.atomic():
            mail = InboundMail.objects.select_for_update().get(pk=mail_id)
            if mail.status != InboundStatus.RECEIVED:
                return str(mail.status)  # Already processed: a repeated task does nothing.
            parsed = mailparse.parse_message(
                bytes(mail.raw),
                max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES,
                max_attachments=settings.ATTACHMENT_MAX_FILES,
            )
            mail.message_id = (parsed.message_id or "")[:300]
            mail.from_address = (parsed.from_address or "")[:320]
            mail.subject = parsed.subject[:300]
            mail.text = parsed.text
            mail.defects = parsed.defects
            try:
                _route(mail, parsed, now=now)
            except _Outcome as outcome:
                mail.status = outcome.status
                mail.reason = outcome.reason
                mail.ticket = outcome.ticket or mail.ticket
            mail.processed_at = now
            mail.save(update_fields=[*PROCESSED_FIELDS, "processed_message_id"])
            return str(mail.status)
    except Exception as error:  # the contract is "never lost": anything unexpected goes to quarantine
        logger.exception("inbound mail %s could not be processed", mail_id)
        InboundMail.objects.filter(pk=mail_id).update(
            status=InboundStatus.QUARANTINED,
            reason=f"processing failed: {type(error).__name__}: {error}"[:2000],
            processed_at=now,
        )
        return str(InboundStatus.QUARANTINED)


def _recipients(mail: InboundMail, parsed: mailparse.ParsedMail) -> list[str]:
    seen: dict[str, None] = {}
    for address in [*mail.envelope_to, *parsed.delivered_to, *parsed.to_addresses, *parsed.cc_addresses]:
        seen.setdefault(str(address).strip().lower(), None)
    return [address for address in seen if address]


def _route(mail: InboundMail, parsed: mailparse.ParsedMail, *, now: datetime) -> None:
    if parsed.message_id and not claim_message_id(mail, parsed.message_id[:300]):
        raise _Outcome(InboundStatus.DUPLICATE, "a message with this Message-ID was already processed")
    sender = (parsed.from_address or "").lower()
    if parsed.is_automated:
        raise _Outcome(InboundStatus.AUTOMATED, parsed.auto_reason or "automated message")
    # Staff first: their addresses are often on the desk's own domain, which is not the desk.
    staff = (
        list(User.objects.filter(email__iexact=sender, is_active=True).exclude(role=Role.CUSTOMER).order_by("id"))
        if sender
        else []
    )
    if not staff and sender and (addressing.is_our_address(sender) or sender == settings.DEFAULT_FROM_EMAIL.lower()):
        raise _Outcome(InboundStatus.AUTOMATED, "sent by the desk itself")
    if parsed.quarantine_reason:
        raise _Outcome(InboundStatus.QUARANTINED, parsed.quarantine_reason)

    recipients = _recipients(mail, parsed)
    if staff:
        _staff_mail(mail, staff, recipients, parsed, now=now)
    ticket = _ticket_for(recipients, parsed)
    if ticket is not None:
        _add_reply(ticket, sender, parsed, now=now)
    level = _level_for(recipients)
    if level is None:
        raise _Outcome(InboundStatus.QUARANTINED, "not addressed to a ticket, a level or the desk's mailbox")
    contacts = list(
        User.objects.filter(email__iexact=sender, role=Role.CUSTOMER, is_active=True).select_related("organisation")
    )
    if not contacts:
        _answer_unknown_sender(mail, sender, parsed, now=now)
    if len({contact.organisation_id for contact in contacts}) > 1:
        raise _Outcome(InboundStatus.QUARANTINED, "this address is a contact of several customers")
    _open_ticket(contacts[0], level, parsed, now=now)


def _ticket_for(recipients: list[str], parsed: mailparse.ParsedMail) -> Ticket | None:
    for address in recipients:
        number = addressing.ticket_number_from_address(address)
        if number is not None:
            ticket = Ticket.objects.select_related("organisation").filter(number=number).first()
            if ticket is None:
                raise _Outcome(InboundStatus.QUARANTINED, f"reply address for ticket {number}, which does not exist")
            return ticket
        if address.startswith(f"{settings.INBOUND_MAILBOX}+t-") and addressing.is_our_address(address):
            raise _Outcome(InboundStatus.QUARANTINED, f"reply address {address} has a wrong signature")
    ids = [parsed.in_reply_to] if parsed.in_reply_to else []
    ids += list(reversed(parsed.references))
    for message_id in ids:
        ours = addressing.ticket_number_from_message_id(message_id)
        if ours is None:
            continue
        number, delivery_id = ours
        # One of our own deliveries, or the ticket's root id; the sender is checked afterwards.
        bracketed = f"<{message_id.strip().removeprefix('<').removesuffix('>')}>"
        if delivery_id is not None and not Delivery.objects.filter(message_id=bracketed).exists():
            continue
        ticket = Ticket.objects.select_related("organisation").filter(number=number).first()
        if ticket is not None:
            return ticket
    return None


def _files(parsed: mailparse.ParsedMail) -> tuple[list[SimpleUploadedFile], list[str]]:
    """The attachments the desk accepts, and a note for each one left out."""
    kept: list[SimpleUploadedFile] = []
    notes = [f"{name}: {why}" for name, why in parsed.rejected_attachments]
    for attachment in parsed.attachments:
        guessed = mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream"
        if guessed not in settings.ATTACHMENT_ALLOWED_TYPES:
            notes.append(f"{attachment.filename}: type {guessed} is not accepted")
        elif attachment.size == 0:
            notes.append(f"{attachment.filename}: empty")
        elif len(kept) >= settings.ATTACHMENT_MAX_FILES:
            notes.append(f"{attachment.filename}: more than {settings.ATTACHMENT_MAX_FILES} files")
        else:
            kept.append(SimpleUploadedFile(attachment.filename, attachment.payload, content_type=guessed))
    return kept, notes


def _body(parsed: mailparse.ParsedMail, files: list[SimpleUploadedFile]) -> str:
    body = parsed.text.strip() or parsed.full_text.strip()
    if not body and files:
        body = gettext("(attachments only)")
    return body


def _add_reply(ticket: Ticket, sender: str, parsed: mailparse.ParsedMail, *, now: datetime) -> None:
    contact = (
        User.objects.filter(
            email__iexact=sender, role=Role.CUSTOMER, is_active=True, organisation_id=ticket.organisation_id
        )
        .order_by("id")
        .first()
    )
    if contact is None:
        raise _Outcome(
            InboundStatus.QUARANTINED,
            f"{sender} is not a contact of the customer of ticket {ticket.number}",
            ticket=ticket,
        )
    files, notes = _files(parsed)
    try:
        with transaction.atomic():
            ticket_actions.reply(
                ticket, actor=contact, body=_body(parsed, files), attachments=files, channel=Channel.EMAIL, now=now
            )
    except ActionRefused as refused:
        reason = f"the ticket refused the reply ({refused.code}): {refused.message}"
        if ticket.status == Status.CLOSED:
            _tell_ticket_closed(contact, ticket, parsed, now=now)
            reason += "; the sender was told how to reopen it or open a new ticket"
        raise _Outcome(InboundStatus.QUARANTINED, reason, ticket) from None
    raise _Outcome(InboundStatus.REPLY_ADDED, "; ".join(notes), ticket=ticket)


def _tell_ticket_closed(contact: User, ticket: Ticket, parsed: mailparse.ParsedMail, *, now: datetime) -> None:
    """A customer wrote to a closed ticket: tell them (once a day per ticket) how to reopen it or
    open a new one, instead of leaving their message unanswered in the quarantine."""
    try:
        with transaction.atomic():
            AutoAnswer.objects.create(
                address=f"{contact.email.lower()}#{ticket.number}"[:320],
                day=now.date(),
                kind=Event.TICKET_CLOSED_REPLY,
                created_at=now,
            )
    except IntegrityError:
        return  # Already told today about this ticket.
    notify(
        event=Event.TICKET_CLOSED_REPLY,
        recipients=[contact],
        ticket=ticket,
        context={
            "number": ticket.number,
            "subject": parsed.subject[:200],
            "level_address": ticket.level.email_address if ticket.level_id else "",
        },
        now=now,
        auto_submitted="auto-replied",
        in_reply_to=f"<{parsed.message_id}>" if parsed.message_id else "",
    )


def _staff_mail(
    mail: InboundMail, staff: list[User], recipients: list[str], parsed: mailparse.ParsedMail, *, now: datetime
) -> None:
    """A message from a staff address: applied as that person's reply or note, else refused."""
    personal = [found for found in map(addressing.parse_reply_address, recipients) if found and found[1] is not None]
    if not personal:
        try:
            ticket = _ticket_for(recipients, parsed)
        except _Outcome:
            ticket = None
        # A forged From is easy; staff open tickets in the console, where they are logged in.
        _refuse_staff(mail, staff[0], ticket, parsed, "not_a_ticket" if ticket is None else "not_personal", now=now)
    number, agent_id = personal[0]
    ticket = Ticket.objects.select_related("organisation", "level").filter(number=number).first()
    agent = next((person for person in staff if person.pk == agent_id), None)
    if ticket is None:
        raise _Outcome(InboundStatus.QUARANTINED, f"reply address for ticket {number}, which does not exist")
    if agent is None:
        _refuse_staff(mail, staff[0], ticket, parsed, "not_yours", now=now)
    if not ticket_queries.visible_tickets(agent).filter(pk=ticket.pk).exists():
        _refuse_staff(mail, agent, ticket, parsed, "not_visible", now=now)
    files, notes = _files(parsed)
    body = _body(parsed, files)
    is_note = body.lstrip().lower().startswith(NOTE_MARKER)
    if is_note:
        body = body.lstrip()[len(NOTE_MARKER) :].strip() or (gettext("(attachments only)") if files else "")
    try:
        with transaction.atomic():
            if is_note:
                ticket_actions.add_note(
                    ticket, actor=agent, body=body, attachments=files, channel=Channel.EMAIL, now=now
                )
            else:
                ticket_actions.reply(ticket, actor=agent, body=body, attachments=files, channel=Channel.EMAIL, now=now)
    except ActionRefused as refused:
        _refuse_staff(mail, agent, ticket, parsed, "refused", now=now, detail=str(refused.message), code=refused.code)
    what = "internal note by staff" if is_note else "public reply by staff"
    raise _Outcome(InboundStatus.REPLY_ADDED, "; ".join([what, *notes]), ticket=ticket)


STAFF_REFUSALS = {
    "not_a_ticket": "sent from a staff address to no ticket: staff open tickets in the console",
    "not_personal": "staff must answer to the reply address of a mail the desk sent them",
    "not_yours": "the reply address belongs to another member of staff",
    "not_visible": "this member of staff may not see the ticket",
    "refused": "the ticket refused the reply",
}


def _refuse_staff(
    mail: InboundMail,
    person: User,
    ticket: Ticket | None,
    parsed: mailparse.ParsedMail,
    why: str,
    *,
    now: datetime,
    detail: str = "",
    code: str = "",
) -> NoReturn:
    """Quarantine a staff member's message and tell them (at their own address) why."""
    reason = f"{STAFF_REFUSALS[why]} ({code}): {detail}" if code else STAFF_REFUSALS[why]
    notify(
        event=Event.REPLY_REFUSED,
        recipients=[person],
        context={
            "why": why,
            "detail": detail,
            "number": ticket.number if ticket else None,
            "subject": parsed.subject[:200],
            "can_see": ticket is not None and ticket_queries.visible_tickets(person).filter(pk=ticket.pk).exists(),
        },
        now=now,
        auto_submitted="auto-replied",
        in_reply_to=f"<{parsed.message_id}>" if parsed.message_id else "",
        key=f"reply-refused:{mail.pk}",
    )
    raise _Outcome(InboundStatus.QUARANTINED, f"{reason}; the sender was told", ticket=ticket)


def _level_for(recipients: list[str]) -> SupportLevel | None:
    levels = {level.email_address.lower(): level for level in SupportLevel.objects.exclude(email_address="")}
    for address in recipients:
        if address in levels:
            return levels[address]
    if addressing.inbound_address() in recipients:
        return SupportLevel.objects.filter(code=settings.INBOUND_DEFAULT_LEVEL).first()
    return None


def _open_ticket(contact: User, level: SupportLevel, parsed: mailparse.ParsedMail, *, now: datetime) -> None:
    code = settings.INBOUND_CATEGORIES.get(level.code, "technical_other")
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise _Outcome(InboundStatus.QUARANTINED, f"the category {code} for mail to {level.code} is missing")
    files, notes = _files(parsed)
    subject = parsed.subject.strip() or gettext("(no subject)")
    try:
        with transaction.atomic():
            ticket = ticket_actions.open_ticket(
                organisation=contact.organisation,  # type: ignore[arg-type]
                requester=contact,
                service=None,
                category=category,
                subject=subject[: ticket_actions.SUBJECT_MAX],
                body=_body(parsed, files),
                channel=Channel.EMAIL,
                actor=contact,
                now=now,
                attachments=files,
            )
    except ActionRefused as refused:
        raise _Outcome(
            InboundStatus.QUARANTINED, f"the ticket was refused ({refused.code}): {refused.message}"
        ) from None
    raise _Outcome(InboundStatus.TICKET_OPENED, "; ".join(notes), ticket=ticket)


def _answer_unknown_sender(mail: InboundMail, sender: str, parsed: mailparse.ParsedMail, *, now: datetime) -> None:
    if sender.split("@", 1)[0] in NO_REPLY_LOCAL_PARTS:
        raise _Outcome(InboundStatus.UNKNOWN_SENDER, "unknown sender with a no-reply address: not answered")
    try:
        with transaction.atomic():
            AutoAnswer.objects.create(address=sender, day=now.date(), kind=Event.UNKNOWN_SENDER, created_at=now)
    except IntegrityError:
        raise _Outcome(InboundStatus.UNKNOWN_SENDER, "unknown sender, already answered today: not answered") from None
    notify(
        event=Event.UNKNOWN_SENDER,
        recipients=[sender],
        context={"subject": parsed.subject[:200]},
        now=now,
        auto_submitted="auto-replied",
        in_reply_to=f"<{parsed.message_id}>" if parsed.message_id else "",
    )
    raise _Outcome(InboundStatus.UNKNOWN_SENDER, "unknown sender: answered once")


def retry_unprocessed(*, now: datetime, limit: int = SWEEP_LIMIT) -> int:
    """Enqueue again the processing of messages left "received" (their task was lost, or the
    worker died in it); quarantine those that were started ``PROCESS_MAX_STARTS`` times without
    finishing. Returns how many were enqueued. A repeated task is harmless: processing only
    takes a message still "received"."""
    from notifications.tasks import process_inbound_mail  # notifications.tasks imports this module

    left = InboundMail.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=now - UNPROCESSED_AFTER)
    InboundMail.objects.filter(pk__in=left.filter(attempts__gte=PROCESS_MAX_STARTS).values("pk")).update(
        status=InboundStatus.QUARANTINED,
        reason=f"processing stopped {PROCESS_MAX_STARTS} times without finishing (the worker died)",
        processed_at=now,
    )
    ids = list(left.order_by("received_at").values_list("pk", flat=True)[:limit])
    for mail_id in ids:
        try:
            process_inbound_mail.enqueue(mail_id)
        except Exception:  # the broker is down: the next sweep tries again
            logger.warning("could not enqueue the processing of inbound mail %s", mail_id, exc_info=True)
            return ids.index(mail_id)
    return len(ids)
