"""Payments: applying a payment once, whichever provider reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.counters import next_value
from infogerencia.actions._base import (
    _decimal,
    _lock_quote,
    _now,
    _require_billing,
    _require_customer_of,
    _step,
    _text,
)
from infogerencia.actions.invoicing import credit_invoice
from infogerencia.actions.quotes import _refuse_if_expired
from infogerencia.actions.scheduling import _schedule
from infogerencia.models import (
    AttemptState,
    Intervention,
    InterventionState,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentAttempt,
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
    transaction_id: str = "",
    attempt: PaymentAttempt | None = None,
) -> PaymentResult:
    """Record a payment of an accepted quote and schedule its intervention at once.

    ``attempt`` is the customer's attempt the provider reports on (marked succeeded with the
    payment); ``transaction_id`` the provider's id of the money movement, which a refund names.

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
                transaction_id=(transaction_id or "")[:200],
                attempt=attempt,
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
    transaction_id: str,
    attempt: PaymentAttempt | None,
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
        transaction_id=transaction_id,
    )
    if attempt is not None:
        PaymentAttempt.objects.filter(pk=attempt.pk).update(state=AttemptState.SUCCEEDED, finished_at=now)
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


# --- the customer's attempts ---------------------------------------------------------------


def check_payable(quote: Quote, *, actor: User, now: datetime | None = None) -> None:
    """Refuse unless ``actor`` is the quote's customer and the quote awaits payment."""
    now = _now(now)
    _require_customer_of(actor, quote)
    if quote.state == QuoteState.PAID:
        raise ActionRefused("already_paid", _("This quote has already been paid."))
    _refuse_if_expired(quote, now)
    if quote.state != QuoteState.ACCEPTED:
        raise ActionRefused("quote_not_accepted", _("The quote must be accepted before it is paid."))


@transaction.atomic
def open_attempt(
    quote: Quote,
    *,
    provider: str,
    actor: User,
    now: datetime | None = None,
    reference: str | None = None,
    reference_for: Any = None,
    checkout_url: str = "",
) -> PaymentAttempt:
    """The customer sets out to pay ``quote`` through ``provider``.

    Give the provider's own ``reference`` (a Checkout Session id: opening the same one twice
    returns the first attempt) or ``reference_for(n)``, which builds it from ``n``, this quote's
    attempt number with the provider (gapless, so a Redsys order number is never reused).
    """
    now = _now(now)
    quote = _lock_quote(quote)
    check_payable(quote, actor=actor, now=now)
    if reference is None:
        reference = str(reference_for(next_value(f"payment-attempt:{provider}:{quote.number}")))
    existing = PaymentAttempt.objects.filter(provider=provider, reference=reference).first()
    if existing is not None:
        if existing.quote_id != quote.pk:
            raise InvalidInput("reference_reused", _("This payment reference belongs to another quote."))
        return existing
    attempt = PaymentAttempt.objects.create(
        quote=quote,
        provider=provider,
        reference=reference,
        amount=quote.gross,
        currency=quote.currency,
        checkout_url=checkout_url,
        started_by=actor,
        created_at=now,
    )
    _step(
        quote.ticket,
        "payment_started",
        actor=actor,
        now=now,
        quote=quote.number,
        provider=provider,
        reference=reference,
    )
    return attempt


@transaction.atomic
def fail_attempt(
    attempt: PaymentAttempt, *, code: str, state: str = AttemptState.FAILED, now: datetime | None = None
) -> bool:
    """The provider reports that an attempt did not pay (declined, cancelled, abandoned).

    Conditional UPDATE: only a started attempt changes, so a replayed failure (or a failure
    after the success) changes nothing and returns False."""
    now = _now(now)
    if state not in {AttemptState.FAILED, AttemptState.EXPIRED}:
        raise ValueError(f"an attempt fails as failed or expired, not {state!r}")
    if not PaymentAttempt.objects.filter(pk=attempt.pk, state=AttemptState.STARTED).update(
        state=state, code=code[:60], finished_at=now
    ):
        return False
    quote = Quote.objects.select_related("ticket").get(pk=attempt.quote_id)
    _step(
        quote.ticket,
        "payment_failed",
        actor=None,
        now=now,
        quote=quote.number,
        provider=attempt.provider,
        reference=attempt.reference,
        code=code[:60],
    )
    return True


# --- refunds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundResult:
    payment: Payment
    applied: bool  # False when the refund had already been recorded
    credit_note: Invoice | None


def apply_refund(
    payment: Payment, *, actor: User | None, reference: str, reason: str, now: datetime | None = None
) -> RefundResult:
    """The money of ``payment`` went back to the customer (the provider says so, or billing staff
    record a refund made at the bank): the payment is marked refunded once, a scheduled
    intervention is cancelled, and an issued invoice gets its credit note."""
    now = _now(now)
    reference = (reference or "").strip()[:200]
    if not reference:
        raise InvalidInput("reference_required", _("Give the refund's reference."), field="reference")
    with transaction.atomic():
        quote = _lock_quote(payment.quote)
        # The race: the provider's event and billing's button (or two deliveries) at once. The
        # quote's row lock serialises them; the conditional UPDATE lets exactly one through.
        if not Payment.objects.filter(pk=payment.pk, refunded_at__isnull=True).update(
            refunded_at=now, refund_reference=reference
        ):
            payment.refresh_from_db()
            return RefundResult(payment, applied=False, credit_note=None)
        payment.refresh_from_db()
        Intervention.objects.filter(quote=quote, state=InterventionState.SCHEDULED).update(
            state=InterventionState.CANCELLED
        )
        _step(
            quote.ticket,
            "payment_refunded",
            actor=actor,
            now=now,
            quote=quote.number,
            provider=payment.provider,
            reference=reference,
            amount=str(payment.amount),
            currency=payment.currency,
        )
        credit_note = None
        invoice = Invoice.objects.filter(quote=quote, kind=InvoiceKind.INVOICE, credit_notes__isnull=True).first()
        if invoice is not None:
            credit_note = credit_invoice(
                invoice,
                actor=actor,
                reason=_text(reason, field="reason", required=False) or str(_("Payment refunded")),
                now=now,
            )
        return RefundResult(payment, applied=True, credit_note=credit_note)


def check_can_refund(payment: Payment | None, *, actor: User, reason: str) -> None:
    """Refuse unless billing staff ask, with a reason, for a payment not refunded yet."""
    _require_billing(actor)
    if payment is None:
        raise ActionRefused("not_paid", _("This quote has no payment to refund."))
    if payment.refunded_at is not None:
        raise ActionRefused("already_refunded", _("This payment has already been refunded."))
    _text(reason, field="reason", required=True, message=_("Give the reason for the refund."))


def record_refund(
    quote: Quote, *, actor: User, reference: str, reason: str, now: datetime | None = None
) -> RefundResult:
    """Billing staff record a refund made outside the desk (a transfer back, the bank's TPV)."""
    payment = Payment.objects.filter(quote=quote).first()
    check_can_refund(payment, actor=actor, reason=reason)
    assert payment is not None  # noqa: S101 - check_can_refund refused otherwise
    return apply_refund(payment, actor=actor, reference=reference, reason=reason, now=now)
