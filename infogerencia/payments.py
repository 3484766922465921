"""Payment providers: how the desk learns that a quote has been paid.

A provider is a class with a stable ``code`` listed (by dotted path) in
``settings.TIERDESK_PAYMENT_PROVIDERS``. Every provider ends in the same action,
``infogerencia.actions.apply_payment``, which applies a payment once whatever happens around it.

Shipped:

* ``ManualProvider`` (``manual``): billing staff confirm a payment they can see (bank transfer,
  card terminal) on the quote's page.
* ``SignedWebhookProvider`` (``webhook``): a payment processor POSTs a signed JSON event
  (``docs/operators/payment-webhook.md``). The signature is checked over the raw body
  (``core.signing.verify``), a replayed delivery is refused by a unique replay key, and every
  delivery, accepted or refused, is logged as a ``WebhookDelivery``.
"""

from __future__ import annotations

import json
import logging
from abc import ABC
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from core import replay, signing
from infogerencia import actions
from infogerencia.models import DeliveryOutcome, WebhookDelivery
from tickets.errors import ActionRefused

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Tierdesk-Signature"
MAX_BODY = 16 * 1024


class PaymentProvider(ABC):  # noqa: B024 - a marker base with defaults; subclasses add their entry points
    """A way a quote gets paid. ``code`` is stored on each payment; ``label`` is shown to people."""

    code: ClassVar[str]
    label: ClassVar[str | Promise]
    #: Whether this provider receives webhooks at ``/infogerencia/payments/<code>/webhook/``.
    receives_webhooks: ClassVar[bool] = False

    def instructions(self) -> str | Promise:
        """What the customer reads on an accepted quote about paying this way."""
        return ""


class ManualProvider(PaymentProvider):
    code = "manual"
    label = _("Confirmed by billing")

    def instructions(self) -> str | Promise:
        return _("You can pay by bank transfer quoting the quote number; billing confirms it here.")

    def confirm(self, quote: Any, *, actor: Any, reference: str, amount: Any, now: datetime) -> actions.PaymentResult:
        return actions.confirm_manual_payment(quote, actor=actor, reference=reference, amount=amount, now=now)


@dataclass
class WebhookAnswer:
    """What the endpoint answers: an HTTP status and a JSON body."""

    status: int
    body: dict[str, Any]
    outcome: str
    event_id: str = ""
    quote_number: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class SignedWebhookProvider(PaymentProvider):
    code = "webhook"
    label = _("Card payment (payment processor)")
    receives_webhooks = True

    def instructions(self) -> str | Promise:
        return _("Pay by card on the payment page; the payment is confirmed here within seconds.")

    def handle(self, request: HttpRequest, *, now: datetime) -> WebhookAnswer:
        """Verify, parse and apply one delivery, then log it (whatever the outcome)."""
        header = request.headers.get(SIGNATURE_HEADER)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_BODY:
            # Refused before reading, so an oversized body never reaches memory.
            body = b""
            answer = _refusal(
                413, "body_too_large", f"the body is larger than {MAX_BODY} bytes", DeliveryOutcome.INVALID
            )
        else:
            body = request.body
            answer = self._handle(body, header, now=now)
        try:
            WebhookDelivery.objects.create(
                provider=self.code,
                received_at=now,
                event_id=answer.event_id[:200],
                quote_number=answer.quote_number[:60],
                outcome=answer.outcome,
                code=str(answer.body.get("error") or answer.body.get("status") or "")[:60],
                http_status=answer.status,
                signature_header=(header or "")[:600],
                body=body[:4096].decode("utf-8", errors="replace"),
                remote_addr=(request.META.get("REMOTE_ADDR") or "")[:64],
            )
        except Exception:  # The answer matters more than the log line; say so loudly.
            logger.exception("could not log a payment webhook delivery")
        return answer

    def _handle(self, body: bytes, header: str | None, *, now: datetime) -> WebhookAnswer:
        secrets = [s.encode() for s in settings.TIERDESK_PAYMENT_WEBHOOK_SECRET]
        if not secrets:
            return _refusal(503, "not_configured", "no webhook secret is configured", DeliveryOutcome.NOT_CONFIGURED)
        if len(body) > MAX_BODY:
            return _refusal(413, "body_too_large", f"the body is larger than {MAX_BODY} bytes", DeliveryOutcome.INVALID)
        try:
            verified = signing.verify(
                secrets, header, body, now=int(now.timestamp()), tolerance=settings.TIERDESK_PAYMENT_WEBHOOK_TOLERANCE
            )
        except signing.SignatureError as error:
            logger.warning("payment webhook refused: %s", error.code)
            return _refusal(401, error.code, error.message, DeliveryOutcome.REFUSED_SIGNATURE)
        try:
            event = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            return _refusal(400, "invalid_json", "the body is not JSON", DeliveryOutcome.INVALID)
        problem = _check_event(event)
        if problem:
            return _refusal(400, "invalid_event", problem, DeliveryOutcome.INVALID, event=event)
        event_id, quote_number = event["event_id"], event["quote_number"]
        if event["status"] != "succeeded":
            return WebhookAnswer(200, {"status": "ignored"}, DeliveryOutcome.IGNORED, event_id, quote_number)
        try:
            with transaction.atomic():
                # Replay protection: the unique replay key is written in the same transaction
                # as the payment. Ten identical deliveries at once: one inserts it; the others
                # wait on the unique index (PostgreSQL) or the write lock (SQLite), then fail.
                if not replay.claim("payment", verified, now=now):
                    return _refusal(
                        409,
                        "replayed",
                        "this exact delivery was received before",
                        DeliveryOutcome.REPLAYED,
                        event=event,
                    )
                result = actions.apply_payment(
                    quote_number=quote_number,
                    provider=self.code,
                    event_id=event_id,
                    amount=event["amount"],
                    currency=event["currency"],
                    actor=None,
                    now=now,
                )
        except ActionRefused as refusal:
            return _refusal(refusal.status, refusal.code, str(refusal.message), DeliveryOutcome.REFUSED, event=event)
        if result.applied:
            return WebhookAnswer(
                200, {"status": "applied", "quote": quote_number}, DeliveryOutcome.APPLIED, event_id, quote_number
            )
        return WebhookAnswer(
            200,
            {"status": "already_applied", "quote": quote_number},
            DeliveryOutcome.ALREADY_APPLIED,
            event_id,
            quote_number,
        )


def _refusal(status: int, code: str, message: str, outcome: str, *, event: Any = None) -> WebhookAnswer:
    event = event if isinstance(event, dict) else {}
    return WebhookAnswer(
        status,
        {"error": code, "message": message},
        outcome,
        str(event.get("event_id") or "")[:200],
        str(event.get("quote_number") or "")[:60],
    )


def _check_event(event: Any) -> str:
    """What is wrong with the event's fields, or "" when nothing is."""
    if not isinstance(event, dict):
        return "the body must be a JSON object"
    for key in ("event_id", "quote_number", "currency", "status"):
        value = event.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            return f"{key} must be a non-empty string of at most 200 characters"
    amount = event.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (str, int)):
        return 'amount must be a decimal string such as "121.00" (or an integer)'
    try:
        from decimal import Decimal, InvalidOperation

        value = Decimal(str(amount))
        if not value.is_finite() or value < 0:
            return "amount must be a positive decimal"
    except InvalidOperation:
        return 'amount must be a decimal string such as "121.00"'
    return ""


def providers() -> dict[str, PaymentProvider]:
    """The configured providers by code, in the settings' order."""
    result: dict[str, PaymentProvider] = {}
    for path in settings.TIERDESK_PAYMENT_PROVIDERS:
        provider = import_string(path)()
        if not isinstance(provider, PaymentProvider):
            raise TypeError(f"{path} is not a PaymentProvider")
        result[provider.code] = provider
    return result


def get_provider(code: str) -> PaymentProvider | None:
    return providers().get(code)
