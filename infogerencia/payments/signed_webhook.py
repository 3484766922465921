"""The desk's own signed JSON payment event (``docs/operators/payment-webhook.md``).

Kept for a processor integrated through it before the desk spoke Redsys and Stripe; none of the
shipped providers needs it, and it offers nothing to the customer. The signature is checked over
the raw body (``core.signing.verify``), a replayed delivery is refused by a unique replay key,
and every delivery, accepted or refused, is logged as a ``WebhookDelivery``.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import replay, signing
from infogerencia import actions
from infogerencia.models import DeliveryOutcome
from infogerencia.payments import MAX_BODY, PaymentProvider, WebhookAnswer, log_delivery, read_body, too_large
from tickets.errors import ActionRefused

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Tierdesk-Signature"


class SignedWebhookProvider(PaymentProvider):
    code = "webhook"
    label = _("Card payment (payment processor)")
    receives_webhooks = True

    def configured(self) -> bool:
        return bool(settings.TIERDESK_PAYMENT_WEBHOOK_SECRET)

    def handle(self, request: HttpRequest, *, now: datetime) -> WebhookAnswer:
        """Verify, parse and apply one delivery, then log it (whatever the outcome)."""
        header = request.headers.get(SIGNATURE_HEADER)
        body = read_body(request)
        answer = too_large() if body is None else self._handle(body, header, now=now)
        log_delivery(self.code, request, body or b"", header, answer, now=now)
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
        reason=message,
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
        value = Decimal(str(amount))
        if not value.is_finite() or value < 0:
            return "amount must be a positive decimal"
    except InvalidOperation:
        return 'amount must be a decimal string such as "121.00"'
    return ""
