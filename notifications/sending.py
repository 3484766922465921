"""Turning a delivery into an e-mail and handing it to the mail server, with retries.

A delivery is rendered in its recipient's language and time zone, at send time, from
``templates/notifications/<event>/{subject.txt,body.txt,body.html}``. Temporary failures (a
4xx answer, a refused or dropped connection) are retried with exponential backoff up to
``MAIL_MAX_ATTEMPTS``; permanent ones (5xx) fail at once. Every attempt is recorded.
"""

from __future__ import annotations

import smtplib
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.outbox import enqueue_on_commit
from notifications import addressing, registry
from notifications.models import Delivery, DeliveryAttempt, DeliveryStatus

MAX_BACKOFF = timedelta(hours=6)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def build_message(delivery: Delivery) -> EmailMultiAlternatives:
    """The e-mail for one delivery, with threading headers and attachments."""
    notification = delivery.notification
    ticket = notification.ticket
    recipient = delivery.recipient
    staff = bool(recipient is not None and recipient.is_agent) or bool(notification.context.get("for_staff"))
    context = {
        **notification.context,
        "event": notification.event,
        "ticket": ticket,
        "recipient": recipient,
        "recipient_is_staff": staff,
        "language": delivery.language,
        "public_url": settings.PUBLIC_URL,
    }
    if ticket is not None:
        view = "console:ticket" if staff else "portal:ticket"
        context["ticket_url"] = settings.PUBLIC_URL + reverse(view, args=[ticket.number])
    folder = f"notifications/{notification.event}"
    with translation.override(delivery.language), timezone.override(_zone(delivery.time_zone)):
        context.update(registry.load_context(notification, delivery))
        subject = " ".join(render_to_string(f"{folder}/subject.txt", context).split())
        text = render_to_string(f"{folder}/body.txt", context)
        try:
            html: str | None = render_to_string(f"{folder}/body.html", context)
        except TemplateDoesNotExist:
            html = None
    headers = {
        "Message-ID": delivery.message_id,
        "Auto-Submitted": notification.auto_submitted,
        # Ask Exchange and friends not to send out-of-office answers to the desk.
        "X-Auto-Response-Suppress": "All",
        "Content-Language": delivery.language,
    }
    reply_to: list[str] = []
    if ticket is not None:
        subject = f"[#{ticket.number}] {subject}"
        root = addressing.root_message_id(ticket.number)
        headers.update({"In-Reply-To": root, "References": root, "X-Tierdesk-Ticket": str(ticket.number)})
        # Staff get a reply address of their own: only they can answer into the ticket as staff.
        agent = recipient.pk if staff and recipient is not None else None
        reply_to = [addressing.reply_address(ticket.number, agent_id=agent)]
    elif notification.in_reply_to:
        headers.update({"In-Reply-To": notification.in_reply_to, "References": notification.in_reply_to})
    message = EmailMultiAlternatives(
        subject=subject[:250],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        headers=headers,
        reply_to=reply_to,
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    for attachment in notification.attachments.all():
        if attachment.kind:
            filename, content, content_type = registry.render_attachment(attachment.kind, attachment.reference)
            message.attach(filename, content, content_type)
        else:
            message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return message


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def backoff(attempt: int) -> timedelta:
    """Wait before attempt ``attempt + 1``: the base delay doubled each time, at most six hours."""
    return min(timedelta(seconds=settings.MAIL_RETRY_SECONDS * 2 ** max(attempt - 1, 0)), MAX_BACKOFF)


def deliver(delivery_id: int, *, now: datetime | None = None) -> str:
    """One attempt at sending; returns the delivery's status afterwards.

    The claim is a conditional UPDATE: of two workers holding the same delivery (a deferred
    retry and the periodic sweep), only one sends.
    """
    from notifications.tasks import send_delivery  # notifications.tasks imports this module (deliver)

    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return "not_claimed"
    delivery = Delivery.objects.select_related(
        "notification__ticket__level", "notification__ticket__requester", "recipient"
    ).get(pk=delivery_id)
    error: Exception | None = None
    try:
        message = build_message(delivery)
        message.send(using="default")
    except Exception as caught:  # any failure is recorded on the delivery; nothing escapes the task
        error = caught
    finished = timezone.now()
    with transaction.atomic():
        if error is None:
            status = DeliveryStatus.SENT
            delivery.sent_at = finished
            delivery.last_error = ""
            delivery.next_attempt_at = None
        else:
            text = f"{type(error).__name__}: {error}"[:2000]
            delivery.last_error = text
            temporary = isinstance(error, smtplib.SMTPException | OSError) and not _is_permanent(error)
            if temporary and delivery.attempts < settings.MAIL_MAX_ATTEMPTS:
                status = DeliveryStatus.RETRYING
                delivery.next_attempt_at = finished + backoff(delivery.attempts)
            else:
                status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
        delivery.status = status
        delivery.updated_at = finished
        delivery.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at", "updated_at"])
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            status=status,
            error=delivery.last_error if error else "",
            message_id=delivery.message_id,
            attempted_at=now,
            sent_at=delivery.sent_at if error is None else None,
        )
        if status == DeliveryStatus.RETRYING and send_delivery.get_backend().supports_defer:
            enqueue_on_commit(send_delivery.using(run_after=delivery.next_attempt_at), delivery.pk)
    return str(status)


STUCK_AFTER = timedelta(minutes=30)
# Within the health check's late limit: a delivery whose task was lost is sent before it counts as late.
LOST_AFTER = timedelta(minutes=3)


def retry_due(*, now: datetime, limit: int = 500) -> int:
    """Send what is due: retries whose time has come, deliveries whose task was lost, and
    deliveries left "sending" by a worker that died. Returns how many were attempted."""
    Delivery.objects.filter(status=DeliveryStatus.SENDING, updated_at__lt=now - STUCK_AFTER).update(
        status=DeliveryStatus.RETRYING, next_attempt_at=now, updated_at=now
    )
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    due += list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, created_at__lt=now - LOST_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[: max(limit - len(due), 0)]
    )
    for delivery_id in due:
        deliver(delivery_id, now=now)
    return len(due)
