"""Shared pieces of the ticket actions: time, who may act, input cleaning, messages and
attachments, the status change and the audit event every action records."""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from levels.models import Category, LevelCode, SupportLevel, Team
from sla import clock as sla_clock
from tickets import acting, dispatch
from tickets.errors import Forbidden, InvalidInput, NotFound
from tickets.markdown import render_markdown
from tickets.models import (
    ACTIVE_STATUSES,
    Attachment,
    EventKind,
    Message,
    Sender,
    SlaMeasurement,
    Status,
    Ticket,
    TicketEvent,
)

SUBJECT_MAX = 200
BODY_MAX = 50_000


def _now(now: datetime | None) -> datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("now must be timezone-aware")
    return value


def _record(ticket: Ticket, kind: EventKind, *, actor: User | None, now: datetime, **data: Any) -> TicketEvent:
    """Write an audit event, queued for dispatch (``tickets.dispatch``) once the transaction commits."""
    data = {**data, **acting.marker()}  # an automation's changes say so (``tickets.acting``)
    event = TicketEvent.objects.create(ticket=ticket, actor=actor, kind=kind, data=data, created_at=now)
    dispatch.pending(event.pk)
    return event


# --- the SLA clock ------------------------------------------------------------------------------


def _write_clock(
    ticket: Ticket, step: sla_clock.Step | None, *, actor: User | None, now: datetime, cause: str = ""
) -> None:
    """Write what a step of the SLA clock did to ``ticket`` (which the action holds locked): its
    columns, how a response clock that ended is measured, and for a move of level the due times
    before and after as an ``sla_clock`` audit event, dispatched like every other."""
    if step is None:
        return
    ticket.save(update_fields=sla_clock.CLOCK_FIELDS)
    if step.measured is not None:
        SlaMeasurement.objects.create(ticket=ticket, **asdict(step.measured))
    if step.before is not None:
        _record(ticket, EventKind.SLA_CLOCK, actor=actor, now=now, cause=cause, before=step.before, after=step.after)


def _clock_after_message(ticket: Ticket, *, sender: str, actor: User | None, now: datetime) -> None:
    """A public message moves the SLA clock: staff of the ticket's level answer the running
    promise; the customer's message, when no answer is owed, starts a next-response clock."""
    if sender == Sender.SUPPORT and actor is not None and works_on(actor, ticket.level.code):
        _write_clock(ticket, sla_clock.answered(ticket, now), actor=actor, now=now)
    elif sender == Sender.CUSTOMER and (ticket.status in ACTIVE_STATUSES or ticket.status == Status.RESOLVED):
        _write_clock(ticket, sla_clock.customer_wrote(ticket, now), actor=actor, now=now)


def _clock_after_move(ticket: Ticket, *, cause: EventKind, actor: User | None, now: datetime) -> None:
    """The ticket now stands on another level: the clock of the level it left is measured and a
    fresh one starts on the new level's policy (paused while the ticket waits for the
    customer); the due times before and after are recorded."""
    step = sla_clock.move(ticket, now, paused=ticket.status == Status.WAITING_CUSTOMER)
    _write_clock(ticket, step, actor=actor, now=now, cause=cause)


def _clock_after_status(ticket: Ticket, status: Status, *, actor: User | None, now: datetime) -> None:
    """A new status moves the SLA clock: waiting for the customer pauses it, resolved or closed
    stops it, new or open runs it again."""
    if status == Status.WAITING_CUSTOMER:
        step = sla_clock.pause(ticket, now)
    elif status in {Status.RESOLVED, Status.CLOSED}:
        step = sla_clock.stop(ticket, now)
    else:
        step = sla_clock.resume(ticket, now)
    _write_clock(ticket, step, actor=actor, now=now)


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
    _clock_after_status(ticket, new, actor=actor, now=now)


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("level").get(pk=ticket.pk)


def _level(code: str) -> SupportLevel:
    return SupportLevel.objects.get(code=code)


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
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        sender=sender,
        body=body,
        body_html=render_markdown(body) if body_html is None else body_html,
        internal=internal,
        channel=channel,
        created_at=now,
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
