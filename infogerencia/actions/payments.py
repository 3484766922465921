"""Payments: applying a payment once, whichever provider reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from infogerencia.actions._base import (
    _decimal,
    _now,
    _require_billing,
    _step,
)
from infogerencia.actions.quotes import _refuse_if_expired
from infogerencia.actions.scheduling import _schedule
from infogerencia.models import (
    Payment,
    Quote,
    QuoteState,
)
from tickets.errors import ActionRefused, InvalidInput, NotFound

# --- payment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    applied: bool  # False when this event had already been applied (a redelivery)


def apply_payment(
    *,
    quote_number: str,
    provider: str,
    event_id: str,
    amount: Any,
    currency: str,
    actor: User | None,
    now: datetime | None = None,
) -> PaymentResult:
    """Record a payment of an accepted quote and schedule its intervention at once.

    The same provider event applied twice returns the first payment (``applied=False``). An
    expired, rejected, unaccepted or already paid quote is refused; so is a wrong amount or
    currency.
    """
    now = _now(now)
    event_id = (event_id or "").strip()
    if not event_id or len(event_id) > 200:
        raise InvalidInput(
            "event_id_invalid", _("A payment needs a reference of at most 200 characters."), field="event_id"
        )
    amount = _decimal(amount, field="amount")
    try:
        with transaction.atomic():
            return _apply_payment(
                quote_number=quote_number,
                provider=provider,
                event_id=event_id,
                amount=amount,
                currency=(currency or "").strip().upper(),
                actor=actor,
                now=now,
            )
    except IntegrityError:
        # Lost the race on the unique (provider, event id) or one-payment-per-quote index to a
        # concurrent delivery of the same payment that committed first: report the winner.
        existing = Payment.objects.filter(provider=provider, provider_event_id=event_id).first()
        if existing is not None:
            return PaymentResult(existing, applied=False)
        raise ActionRefused("already_paid", _("This quote has already been paid.")) from None


def _apply_payment(
    *,
    quote_number: str,
    provider: str,
    event_id: str,
    amount: Decimal,
    currency: str,
    actor: User | None,
    now: datetime,
) -> PaymentResult:
    try:
        quote = Quote.objects.select_for_update(of=("self",)).select_related("ticket").get(number=quote_number)
    except Quote.DoesNotExist:
        raise NotFound("quote_not_found", _("This quote does not exist.")) from None
    # Read after taking the lock: a delivery of the same event that held it has committed by now.
    existing = Payment.objects.filter(provider=provider, provider_event_id=event_id).select_related("quote").first()
    if existing is not None:
        if existing.quote_id != quote.pk:
            raise InvalidInput(
                "event_id_reused", _("This payment reference belongs to another quote."), field="event_id"
            )
        return PaymentResult(existing, applied=False)
    if quote.state == QuoteState.PAID:
        raise ActionRefused("already_paid", _("This quote has already been paid."))
    if quote.state in {QuoteState.REJECTED, QuoteState.EXPIRED}:
        raise ActionRefused("quote_not_payable", _("A rejected or expired quote cannot be paid."))
    _refuse_if_expired(quote, now)
    if quote.state != QuoteState.ACCEPTED:
        raise ActionRefused("quote_not_accepted", _("The quote must be accepted before it is paid."))
    if currency != quote.currency:
        raise InvalidInput("currency_mismatch", _("The payment is not in the quote's currency."), field="currency")
    if amount != quote.gross:
        raise InvalidInput(
            "amount_mismatch",
            _("The amount paid (%(paid)s) is not the quote's total (%(total)s).")
            % {"paid": amount, "total": quote.gross},
            field="amount",
        )
    # The race: two deliveries of one payment (or two providers) arrive at once. On PostgreSQL
    # the row lock above makes the second wait until the first commits; on SQLite writers are
    # serialised by BEGIN IMMEDIATE. Either way the conditional UPDATE below succeeds for exactly
    # one of them, and the unique indexes on Payment (provider + event id, one per quote) stop
    # any path that slips past it; the loser rolls back and reports the winner's payment.
    if not Quote.objects.filter(pk=quote.pk, state=QuoteState.ACCEPTED).update(state=QuoteState.PAID, paid_at=now):
        raise ActionRefused("already_paid", _("This quote has already been paid."))
    payment = Payment.objects.create(
        quote=quote,
        provider=provider,
        provider_event_id=event_id,
        amount=amount,
        currency=currency,
        recorded_by=actor,
        received_at=now,
    )
    quote.refresh_from_db()
    _step(
        quote.ticket,
        "payment_received",
        actor=actor,
        now=now,
        quote=quote.number,
        provider=provider,
        event_id=event_id,
        amount=str(amount),
        currency=currency,
    )
    try:
        with transaction.atomic():
            _schedule(quote, actor=actor, now=now, requested_start=quote.requested_start)
    except ActionRefused as refusal:
        # The payment stands; staff schedule by hand from the quote's page.
        _step(quote.ticket, "intervention_not_scheduled", actor=actor, now=now, quote=quote.number, code=refusal.code)
    return PaymentResult(payment, applied=True)


def confirm_manual_payment(
    quote: Quote, *, actor: User, reference: str, amount: Any, now: datetime | None = None
) -> PaymentResult:
    """Billing staff confirm a payment received outside the desk (bank transfer, card terminal)."""
    _require_billing(actor)
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput("reference_required", _("Give the payment's reference."), field="reference")
    return apply_payment(
        quote_number=quote.number,
        provider="manual",
        event_id=reference,
        amount=amount,
        currency=quote.currency,
        actor=actor,
        now=now,
    )
