"""E-mail's writes: notifying people, receiving raw mail, processing it again.

``notify`` is the one way any part of the desk tells someone something by e-mail. It records a
``Notification`` and one ``Delivery`` per recipient inside the caller's transaction and enqueues
the sending after commit, so nothing is sent for a change that was rolled back, and nothing is
sent inside a request.

``receive_raw_mail`` is the one way mail comes in (the SMTP listener, IMAP polling): it stores the
raw bytes first and enqueues the processing after commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from accounts.models import User
from core.outbox import enqueue_on_commit
from notifications import addressing
from notifications.models import (
    AGENT_EVENTS,
    AutoAnswer,
    Delivery,
    DeliveryStatus,
    InboundMail,
    InboundSource,
    InboundStatus,
    Notification,
    NotificationAttachment,
    NotificationPreference,
)
from notifications.registry import AttachmentRef, has_attachment_kind

__all__ = [
    "AttachmentInput",
    "AttachmentRef",
    "notify",
    "purge_inbound_mail",
    "receive_raw_mail",
    "reprocess_inbound_mail",
    "send_again",
    "set_preference",
]

# (filename, content, content type), a Django File, or a file made at send time.
AttachmentInput = tuple[str, bytes, str] | File | AttachmentRef

AUTO_SUBMITTED_VALUES = frozenset({"auto-generated", "auto-replied"})


def _check_event(event: str) -> None:
    try:
        get_template(f"notifications/{event}/subject.txt")
        get_template(f"notifications/{event}/body.txt")
    except TemplateDoesNotExist:
        raise ValueError(f"No e-mail templates for the event {event!r} (notifications/{event}/).") from None


def _json_context(context: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    except TypeError as error:
        raise ValueError(f"The notification context must be JSON values: {error}") from None
    return loaded


def _attachment_rows(notification: Notification, attachments: Iterable[AttachmentInput]) -> None:
    for item in attachments:
        if isinstance(item, AttachmentRef):
            if not has_attachment_kind(item.kind):
                raise ValueError(f"No attachment renderer registered for {item.kind!r}.")
            NotificationAttachment.objects.create(
                notification=notification,
                filename=(item.filename or item.reference)[:200],
                content_type="",
                kind=item.kind,
                reference=item.reference[:100],
            )
            continue
        if isinstance(item, File):
            item.open("rb")
            content = item.read()
            filename = (item.name or "file").replace("\\", "/").rsplit("/", 1)[-1]
            content_type = getattr(item, "content_type", None) or "application/octet-stream"
        else:
            filename, content, content_type = item
        NotificationAttachment.objects.create(
            notification=notification, filename=filename[:200], content_type=content_type, content=bytes(content)
        )


def _muted(users: list[User], event: str) -> set[int]:
    agents = [user.pk for user in users if user.is_agent]
    if not agents or event not in AGENT_EVENTS:  # only the agents' events can be switched off
        return set()
    return set(
        NotificationPreference.objects.filter(user_id__in=agents, event=event, email=False).values_list(
            "user_id", flat=True
        )
    )


@transaction.atomic
def notify(
    *,
    event: str,
    recipients: Sequence[User | str],
    context: dict[str, Any],
    ticket: Any = None,
    attachments: Iterable[AttachmentInput] = (),
    now: datetime,
    auto_submitted: str = "auto-generated",
    in_reply_to: str = "",
    key: str | None = None,
) -> Notification | None:
    """Tell these people (users, or bare addresses) about ``event``; sending happens after commit.

    Agents who switched the event off, inactive users and users without an address are left
    out; customers always get the mails about their tickets. Returns None when nobody is left.
    Bare addresses get the desk's default language and time zone. With a ``key`` (what caused
    the notification), a second call with the same key does nothing: a retried task or a
    repeated event never mails people twice.
    """
    from notifications.tasks import send_delivery  # notifications.tasks imports this module

    _check_event(event)
    if auto_submitted not in AUTO_SUBMITTED_VALUES:
        raise ValueError(f"auto_submitted must be one of {sorted(AUTO_SUBMITTED_VALUES)}")
    users = [r for r in recipients if isinstance(r, User)]
    muted = _muted(users, event)
    targets: list[tuple[User | None, str, str, str]] = []
    seen: set[str] = set()
    for recipient in recipients:
        target: tuple[User | None, str, str, str]
        if isinstance(recipient, User):
            if not recipient.is_active or not recipient.email or recipient.pk in muted:
                continue
            target = (recipient, recipient.email.strip(), recipient.language, recipient.time_zone)
        else:
            address = str(recipient).strip()
            if "@" not in address:
                raise ValueError(f"Not an e-mail address: {address!r}")
            target = (None, address, settings.LANGUAGE_CODE, settings.TIME_ZONE)
        if target[1].lower() in seen:
            continue
        seen.add(target[1].lower())
        targets.append(target)
    if not targets:
        return None
    if key is not None and Notification.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                event=event,
                ticket=ticket,
                context=_json_context(context),
                auto_submitted=auto_submitted,
                in_reply_to=in_reply_to[:300],
                key=key,
                created_at=now,
            )
    except IntegrityError:
        return None  # The same cause, notified at the same moment by another worker.
    _attachment_rows(notification, attachments)
    for user, address, language, time_zone in targets:
        delivery = Delivery.objects.create(
            notification=notification,
            recipient=user,
            address=address,
            language=language,
            time_zone=time_zone,
            created_at=now,
            updated_at=now,
        )
        delivery.message_id = addressing.delivery_message_id(ticket.number if ticket else None, delivery.pk)
        delivery.save(update_fields=["message_id"])
        enqueue_on_commit(send_delivery, delivery.pk)
    return notification


@transaction.atomic
def send_again(delivery: Delivery, *, now: datetime) -> bool:
    """Give a failed delivery a fresh round of attempts (after fixing the address or the relay)."""
    from notifications.tasks import send_delivery  # notifications.tasks imports this module

    updated = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.RETRYING, attempts=0, next_attempt_at=now, updated_at=now
    )
    if updated:
        enqueue_on_commit(send_delivery, delivery.pk)
    return bool(updated)


@transaction.atomic
def set_preference(*, user: User, event: str, email: bool) -> NotificationPreference:
    """An agent's choice for one event (customers cannot switch their ticket mails off)."""
    if not user.is_agent:
        raise ValueError("Only staff have notification preferences.")
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, event=event, defaults={"email": email}
    )
    return preference


# --- inbound -------------------------------------------------------------------------------


def receive_raw_mail(
    raw: bytes,
    *,
    envelope_from: str,
    envelope_to: list[str],
    now: datetime,
    source: str = InboundSource.SMTP,
) -> InboundMail:
    """Keep one message exactly as it arrived, then have it processed in the background.

    The row is committed before this returns (the SMTP listener answers 250 only after that),
    so a message the desk accepted is never lost, whatever happens to its processing.
    """
    from notifications.tasks import process_inbound_mail  # notifications.tasks imports this module

    with transaction.atomic():
        mail = InboundMail.objects.create(
            raw=bytes(raw),
            size=len(raw),
            source=source,
            envelope_from=(envelope_from or "")[:320],
            envelope_to=[str(address)[:320] for address in envelope_to][:100],
            received_at=now,
        )
        enqueue_on_commit(process_inbound_mail, mail.pk)
    return mail


def reprocess_inbound_mail(mail: InboundMail, *, now: datetime) -> InboundMail:
    """Process a quarantined message again (after staff fixed what stopped it)."""
    from notifications import inbound  # inbound imports this module (notify)

    with transaction.atomic():
        reset = InboundMail.objects.filter(pk=mail.pk, status=InboundStatus.QUARANTINED).update(
            status=InboundStatus.RECEIVED
        )
    if not reset:
        raise ValueError("Only quarantined mail can be processed again.")
    inbound.process(mail.pk, now=now)
    mail.refresh_from_db()
    return mail


def claim_message_id(mail: InboundMail, message_id: str) -> bool:
    """Whether this row is the first to act on ``message_id``; the unique constraint decides races."""
    try:
        with transaction.atomic():
            InboundMail.objects.filter(pk=mail.pk).update(processed_message_id=message_id)
    except IntegrityError:
        return False
    mail.processed_message_id = message_id
    return True


PURGE_BATCH = 500


def purge_inbound_mail(*, now: datetime, days: int | None = None, batch: int = PURGE_BATCH) -> int:
    """Delete inbound mail processed more than ``days`` (``INBOUND_RETENTION_DAYS``) ago.

    Mail still waiting to be processed is kept whatever its age. Quarantined mail nobody handled
    is deleted ``QUARANTINE_RETENTION_DAYS`` after it arrived (spam to the desk's addresses would
    otherwise pile up); handled (processed again), it counts from then like the rest. Deletes in
    short batches so a large purge never holds long locks; returns how many messages were deleted.
    The per-day rows of the automatic answers are trimmed on the same horizon.
    """
    keep = timedelta(days=settings.INBOUND_RETENTION_DAYS if days is None else days)
    if keep < timedelta(days=1):
        raise ValueError("The retention period is at least one day.")
    cutoff = now - keep
    expired = InboundMail.objects.exclude(status__in=[InboundStatus.RECEIVED, InboundStatus.QUARANTINED]).filter(
        models.Q(processed_at__lt=cutoff) | models.Q(processed_at__isnull=True, received_at__lt=cutoff)
    )
    quarantined = InboundMail.objects.filter(
        status=InboundStatus.QUARANTINED,
        received_at__lt=now - timedelta(days=settings.INBOUND_QUARANTINE_RETENTION_DAYS),
    )
    deleted = 0
    for query in (expired, quarantined):
        while True:
            ids = list(query.order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            with transaction.atomic():
                deleted += InboundMail.objects.filter(pk__in=ids).delete()[0]
    AutoAnswer.objects.filter(day__lt=cutoff.date()).delete()
    return deleted
