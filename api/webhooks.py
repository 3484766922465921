"""Outbound webhooks: which events go where, and one signed HTTP attempt at a time.

Events reach here from ``tickets.dispatch`` (after commit, in a worker) or from other apps
through :func:`emit`. Each (webhook, event, source) pair becomes one ``WebhookDelivery`` row
under a unique constraint, so a duplicated event is delivered once; the ``webhooks`` queue sends
it and retries with exponential backoff.

The body is JSON ``{"id", "event", "created_at", "data"}``; the ``Tierdesk-Signature`` header is
``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`` (``core.signing.build_header``).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import socket
import ssl
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.models import DeliveryState, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent
from core.outbox import enqueue_on_commit
from core.signing import build_header
from tickets.models import Message, TicketEvent
from triage.probes import DEVELOPMENT_DENYLIST, PRODUCTION_DENYLIST, check_target

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Tierdesk-Signature"
RESPONSE_KEEP = 2000

# TicketEvent kinds → webhook events.
# The audit events that become webhook events: by their kind, and for the managed
# interventions' steps (recorded as "updated" events) by their step.
TICKET_EVENTS = {
    "created": WebhookEvent.TICKET_CREATED,
    "status": WebhookEvent.TICKET_STATUS_CHANGED,
    "reopened": WebhookEvent.TICKET_STATUS_CHANGED,
    "message": WebhookEvent.TICKET_MESSAGE_ADDED,
    "sla_warning": WebhookEvent.SLA_WARNING,
    "sla_breach": WebhookEvent.SLA_BREACH,
}
STEP_EVENTS = {
    "quote_accepted": WebhookEvent.QUOTE_ACCEPTED,
    "invoice_issued": WebhookEvent.INVOICE_ISSUED,
    "credit_note_issued": WebhookEvent.INVOICE_ISSUED,
}
# What of an event's data a receiver gets (the rest is the desk's own bookkeeping).
SHARED_DATA = {
    "before", "after", "cause", "sender", "channel",  # ticket changes
    "level", "clock", "due_at",  # SLA warnings and breaches
    "step", "quote", "requested_start", "invoice", "credit_note", "total", "currency",  # interventions
}  # fmt: skip


def webhook_event_for(kind: str, data: dict[str, Any]) -> str | None:
    """The webhook event an audit event of ``kind`` with ``data`` becomes, if any."""
    if kind == "updated":
        return STEP_EVENTS.get(str(data.get("step")))
    return TICKET_EVENTS.get(kind)


def emit(event: str, *, key: str, data: dict[str, Any], now: datetime | None = None) -> list[int]:
    """Create one delivery per active webhook subscribed to ``event`` and queue them.

    ``key`` identifies the source (``ticket-event:42``, ``quote:7``): emitting the same event
    twice delivers it once. Returns the ids of the new deliveries.
    """
    from api.tasks import deliver_webhook  # api.tasks imports this module (attempt)

    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    now = now or timezone.now()
    created = []
    for webhook in Webhook.objects.filter(active=True).order_by("id"):
        if event not in (webhook.events or []):
            continue
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    webhook=webhook,
                    event=event,
                    event_key=key[:100],
                    payload={"event": event, "created_at": now.isoformat(), "data": data},
                    next_attempt_at=timezone.now(),  # due at once, whatever time the event carries
                    created_at=now,
                )
        except IntegrityError:
            continue  # Already delivered (or being delivered) for this source.
        created.append(delivery.pk)
        enqueue_on_commit(deliver_webhook, delivery.pk)
    return created


def on_ticket_event(event_id: int) -> None:
    """The ``tickets.dispatch`` handler: map a TicketEvent to a webhook event."""
    event = (
        TicketEvent.objects.select_related("ticket", "ticket__level", "ticket__organisation")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return
    name = webhook_event_for(event.kind, event.data or {})
    if name is None:
        return
    if not Webhook.objects.filter(active=True).exists():
        return
    ticket = event.ticket
    data: dict[str, Any] = {
        "ticket": {
            "id": ticket.pk,
            "number": ticket.number,
            "subject": ticket.subject,
            "status": ticket.status,
            "level": ticket.level.code,
            "customer": ticket.organisation.name,
        },
        "change": {k: v for k, v in (event.data or {}).items() if k in SHARED_DATA},
    }
    if event.kind == "message":
        message = Message.objects.filter(pk=event.data.get("message_id"), internal=False).first()
        if message is None:
            return  # internal notes never leave the desk
        data["message"] = {"id": message.pk, "sender": message.sender, "body": message.body}
    emit(name, key=f"ticket-event:{event.pk}", data=data, now=event.created_at)


# --- sending ---------------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked against the deny-list, not to a second DNS answer."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def check_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, address, port, host)`` for an http(s) URL whose every address may be reached."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("only http and https URLs can receive webhooks")
    denylist = DEVELOPMENT_DENYLIST if settings.WEBHOOK_ALLOW_PRIVATE else PRODUCTION_DENYLIST
    verdict = asyncio.run(check_target(parts.hostname, denylist))
    if not verdict.allowed:
        raise ValueError(verdict.message)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, verdict.addresses[0], port, parts.hostname


def send(delivery: WebhookDelivery, *, now: datetime) -> WebhookAttempt:
    """One signed POST; the attempt is recorded whatever happens."""
    webhook = delivery.webhook
    body = json.dumps({"id": delivery.pk, **delivery.payload}, separators=(",", ":")).encode()
    started = time.monotonic()
    status_code: int | None = None
    response_body = ""
    error = ""
    try:
        scheme, address, port, host = check_url(webhook.url)
        parts = urlsplit(webhook.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(host, address, port, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
        try:
            connection.request(
                "POST",
                target,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "tierdesk-webhooks/1",
                    SIGNATURE_HEADER: build_header(webhook.secret.encode(), int(now.timestamp()), body),
                    "Tierdesk-Event": delivery.event,
                    "Tierdesk-Delivery": str(delivery.pk),
                },
            )
            response = connection.getresponse()
            status_code = response.status
            response_body = response.read(RESPONSE_KEEP + 1).decode("utf-8", "replace")[:RESPONSE_KEEP]
        finally:
            connection.close()
    except (OSError, ValueError, RuntimeError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    return WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts + 1,
        status_code=status_code,
        response_body=response_body,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
        created_at=now,
    )


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … after the 1st, 2nd, 3rd … failed attempt (capped at 6 h)."""
    return timedelta(seconds=min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1), 6 * 3600))


def attempt(delivery_id: int, *, now: datetime | None = None) -> datetime | None:
    """Try one delivery that is due; returns when to try again, or None when it is finished."""
    now = now or timezone.now()
    # Conditional UPDATE claims the attempt: two workers holding the same task do not both send.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3))
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    if not delivery.webhook.active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED, next_attempt_at=None)
        return None
    record = send(delivery, now=now)
    attempts = delivery.attempts + 1
    if record.status_code is not None and 200 <= record.status_code < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.SUCCEEDED, attempts=attempts, delivered_at=now, next_attempt_at=None
        )
        return None
    if attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, attempts=attempts, next_attempt_at=None
        )
        logger.warning("webhook delivery %s failed after %s attempts", delivery.pk, attempts)
        return None
    retry_at = now + backoff(attempts)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=attempts, next_attempt_at=retry_at)
    return retry_at
