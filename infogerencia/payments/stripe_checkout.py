"""Card payments through Stripe Checkout, with the official ``stripe`` library.

* :meth:`StripeProvider.start` creates a Checkout Session for the quote (its number in
  ``metadata`` and ``client_reference_id``) with an idempotency key per quote and attempt: a
  double click, or a retry after a lost answer, gets the same session, never a second charge.
* :meth:`StripeProvider.handle` verifies the ``Stripe-Signature`` header with
  ``stripe.Webhook.construct_event`` against each configured secret in turn (two while one is
  rotated), within the tolerance, then applies ``checkout.session.completed`` (and
  ``checkout.session.async_payment_succeeded``) once per session, records
  ``checkout.session.expired`` and ``checkout.session.async_payment_failed``, and applies
  ``charge.refunded`` (a full refund) once.
* :meth:`StripeProvider.refund` asks Stripe for the refund (idempotency key per quote); the refund
  is recorded at once and the ``charge.refunded`` event that follows finds it already applied.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from infogerencia import actions
from infogerencia.models import AttemptState, DeliveryOutcome, Payment, PaymentAttempt, Quote
from infogerencia.payments import (
    Checkout,
    Offer,
    PaymentProvider,
    WebhookAnswer,
    log_delivery,
    read_body,
    refusal,
    refused_by_action,
    return_url,
    too_large,
)
from tickets.errors import ActionRefused

SIGNATURE_HEADER = "Stripe-Signature"
#: Currencies whose Stripe amounts are in cents (all the desk's quote currencies).
CENTS = Decimal("0.01")


class ProviderUnavailable(ActionRefused):
    status = 503


def _cents(amount: Decimal) -> int:
    return int((amount / CENTS).to_integral_value())


class StripeProvider(PaymentProvider):
    code = "stripe"
    label = _("Card (Stripe)")
    receives_webhooks = True
    refunds_through_provider = True

    def configured(self) -> bool:
        return bool(settings.TIERDESK_STRIPE_SECRET_KEY)

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            settings.TIERDESK_STRIPE_SECRET_KEY,
            base_addresses={"api": settings.TIERDESK_STRIPE_API_BASE},
            http_client=stripe.RequestsClient(timeout=settings.TIERDESK_STRIPE_TIMEOUT),
            max_network_retries=1,
        )

    def offer(self, quote: Quote) -> Offer | None:
        return Offer(
            provider=self.code,
            kind="button",
            title=_("Card, Apple Pay or Google Pay"),
            action=_("Pay with Stripe"),
            help=_("On Stripe's secure payment page; you come back here when it is done."),
        )

    def start(self, quote: Quote, *, actor: Any, now: datetime) -> Checkout:
        actions.check_payable(quote, actor=actor, now=now)
        open_attempt = (
            PaymentAttempt.objects.filter(quote=quote, provider=self.code, state=AttemptState.STARTED)
            .exclude(checkout_url="")
            .order_by("-created_at", "-id")
            .first()
        )
        if open_attempt is not None and (now - open_attempt.created_at).total_seconds() < 23 * 3600:
            return Checkout(kind="redirect", url=open_attempt.checkout_url)
        number = PaymentAttempt.objects.filter(quote=quote, provider=self.code).count() + 1
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": quote.number,
            "metadata": {"quote": quote.number},
            "payment_intent_data": {"metadata": {"quote": quote.number}, "description": quote.number},
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": quote.currency.lower(),
                        "unit_amount": _cents(quote.gross),
                        "product_data": {"name": str(_("Quote %(number)s") % {"number": quote.number})},
                    },
                }
            ],
            "success_url": return_url(quote, "ok"),
            "cancel_url": return_url(quote, "ko"),
            "locale": quote.language if quote.language in {"es", "en", "fr"} else "auto",
        }
        if getattr(actor, "email", ""):
            params["customer_email"] = actor.email
        try:
            session = self.client().v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"tierdesk-checkout-{quote.number}-{number}"},
            )
        except stripe.StripeError as error:
            raise ProviderUnavailable(
                "provider_unavailable",
                _("The card payment service could not be reached. Try again in a moment or choose another way to pay."),
            ) from error
        actions.open_attempt(
            quote, provider=self.code, actor=actor, now=now, reference=session.id, checkout_url=session.url or ""
        )
        return Checkout(kind="redirect", url=session.url or "")

    def refund(self, payment: Payment, *, actor: Any, reference: str, reason: str, now: datetime) -> Any:
        actions.check_can_refund(payment, actor=actor, reason=reason)
        try:
            refund = self.client().v1.refunds.create(
                params={"payment_intent": payment.transaction_id, "metadata": {"quote": payment.quote.number}},
                options={"idempotency_key": f"tierdesk-refund-{payment.quote.number}"},
            )
        except stripe.StripeError as error:
            raise ProviderUnavailable(
                "provider_unavailable",
                _("Stripe did not take the refund: %(error)s") % {"error": error.user_message or error},
            ) from error
        return actions.apply_refund(payment, actor=actor, reference=refund.id, reason=reason, now=now)

    # --- the webhook -----------------------------------------------------------------------------

    def handle(self, request: HttpRequest, *, now: datetime) -> WebhookAnswer:
        header = request.headers.get(SIGNATURE_HEADER)
        body = read_body(request)
        answer = too_large() if body is None else self._handle(body, header, now=now)
        log_delivery(self.code, request, body or b"", header, answer, now=now)
        return answer

    def _verify(self, body: bytes, header: str | None) -> dict[str, Any] | WebhookAnswer:
        secrets = settings.TIERDESK_STRIPE_WEBHOOK_SECRETS
        if not secrets:
            return refusal(
                503, "not_configured", "no Stripe webhook secret is configured", DeliveryOutcome.NOT_CONFIGURED
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return refusal(400, "invalid_body", "the body is not UTF-8", DeliveryOutcome.INVALID)
        problem = "no secret matched"
        for secret in secrets:
            try:
                event = stripe.Webhook.construct_event(
                    text, header, secret, tolerance=settings.TIERDESK_STRIPE_WEBHOOK_TOLERANCE
                )
            except stripe.SignatureVerificationError as error:
                problem = str(error).split(".")[0][:200]
                continue
            except ValueError:
                return refusal(400, "invalid_body", "the body is not a Stripe event", DeliveryOutcome.INVALID)
            result: dict[str, Any] = event.to_dict()
            return result
        return refusal(400, "bad_signature", problem, DeliveryOutcome.REFUSED_SIGNATURE)

    def _handle(self, body: bytes, header: str | None, *, now: datetime) -> WebhookAnswer:
        verified = self._verify(body, header)
        if isinstance(verified, WebhookAnswer):
            return verified
        event_type = str(verified.get("type") or "")
        event_id = str(verified.get("id") or "")
        data = verified.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(obj, dict):
            return refusal(
                400, "invalid_event", "the event has no data.object", DeliveryOutcome.INVALID, event_id=event_id
            )
        if event_type in {"checkout.session.completed", "checkout.session.async_payment_succeeded"}:
            return self._session_paid(obj, event_id, now=now)
        if event_type in {"checkout.session.expired", "checkout.session.async_payment_failed"}:
            return self._session_failed(obj, event_type, event_id, now=now)
        if event_type == "charge.refunded":
            return self._refunded(obj, event_id, now=now)
        return WebhookAnswer(200, {"status": "ignored"}, DeliveryOutcome.IGNORED, event_id, reason=event_type[:100])

    def _session_paid(self, session: dict[str, Any], event_id: str, *, now: datetime) -> WebhookAnswer:
        session_id = str(session.get("id") or "")
        metadata = session.get("metadata") if isinstance(session.get("metadata"), dict) else {}
        quote_number = str((metadata or {}).get("quote") or "")
        if session.get("payment_status") != "paid":
            return WebhookAnswer(
                200, {"status": "ignored"}, DeliveryOutcome.IGNORED, session_id, quote_number, reason="not paid yet"
            )
        attempt = (
            PaymentAttempt.objects.select_related("quote").filter(provider=self.code, reference=session_id).first()
        )
        if attempt is None or attempt.quote.number != quote_number:
            return refusal(
                404,
                "unknown_session",
                f"no payment attempt for session {session_id!r}",
                DeliveryOutcome.REFUSED,
                event_id=session_id,
                quote_number=quote_number,
            )
        amount = session.get("amount_total")
        if isinstance(amount, bool) or not isinstance(amount, int):
            return refusal(
                400, "invalid_event", "amount_total is not an integer", DeliveryOutcome.INVALID, event_id=session_id
            )
        try:
            result = actions.apply_payment(
                quote_number=quote_number,
                provider=self.code,
                event_id=session_id,
                amount=Decimal(amount) * CENTS,
                currency=str(session.get("currency") or "").upper(),
                actor=None,
                now=now,
                transaction_id=str(session.get("payment_intent") or session_id),
                attempt=attempt,
            )
        except ActionRefused as error:
            actions.fail_attempt(attempt, code=error.code, now=now)
            return refused_by_action(error, event_id=session_id, quote_number=quote_number)
        status = "applied" if result.applied else "already_applied"
        outcome = DeliveryOutcome.APPLIED if result.applied else DeliveryOutcome.ALREADY_APPLIED
        # Stripe delivers at least once: a repeat is acknowledged (2xx), so it stops retrying.
        return WebhookAnswer(200, {"status": status, "quote": quote_number}, outcome, session_id, quote_number)

    def _session_failed(
        self, session: dict[str, Any], event_type: str, event_id: str, *, now: datetime
    ) -> WebhookAnswer:
        session_id = str(session.get("id") or "")
        attempt = (
            PaymentAttempt.objects.select_related("quote").filter(provider=self.code, reference=session_id).first()
        )
        if attempt is None:
            return refusal(
                404,
                "unknown_session",
                f"no payment attempt for session {session_id!r}",
                DeliveryOutcome.REFUSED,
                event_id=session_id,
            )
        expired = event_type == "checkout.session.expired"
        actions.fail_attempt(
            attempt,
            code="expired" if expired else "async_payment_failed",
            state=AttemptState.EXPIRED if expired else AttemptState.FAILED,
            now=now,
        )
        return WebhookAnswer(200, {"status": "recorded"}, DeliveryOutcome.DECLINED, session_id, attempt.quote.number)

    def _refunded(self, charge: dict[str, Any], event_id: str, *, now: datetime) -> WebhookAnswer:
        intent = str(charge.get("payment_intent") or "")
        payment = (
            Payment.objects.select_related("quote").filter(provider=self.code, transaction_id=intent).first()
            if intent
            else None
        )
        if payment is None:
            return refusal(
                404, "unknown_payment", f"no payment for {intent!r}", DeliveryOutcome.REFUSED, event_id=event_id
            )
        quote_number = payment.quote.number
        if not charge.get("refunded"):
            # A partial refund: the desk does not split a quote; billing staff decide.
            return WebhookAnswer(
                200, {"status": "ignored"}, DeliveryOutcome.IGNORED, event_id, quote_number, reason="partial refund"
            )
        refunds = charge.get("refunds")
        refund_data = refunds.get("data") if isinstance(refunds, dict) else None
        reference = (
            str(refund_data[0].get("id"))
            if isinstance(refund_data, list) and refund_data and isinstance(refund_data[0], dict)
            else event_id
        )
        result = actions.apply_refund(
            payment, actor=None, reference=reference, reason=str(_("Card payment refunded")), now=now
        )
        status = "refunded" if result.applied else "already_applied"
        outcome = DeliveryOutcome.REFUNDED if result.applied else DeliveryOutcome.ALREADY_APPLIED
        return WebhookAnswer(200, {"status": status, "quote": quote_number}, outcome, event_id, quote_number)
