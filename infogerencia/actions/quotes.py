"""Quotes: draft, lines, send, accept or reject, expire."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from core.counters import next_value
from infogerencia import pricing, vat
from infogerencia.actions._base import (
    _customer_contact,
    _decimal,
    _lock_quote,
    _now,
    _require_commercial,
    _require_customer_of,
    _require_state,
    _step,
    _text,
    local_today,
)
from infogerencia.actions.scheduling import _check_requested_start
from infogerencia.models import (
    InterventionType,
    Quote,
    QuoteLine,
    QuoteState,
)
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import Status, Ticket

# --- quotes --------------------------------------------------------------------------------


@transaction.atomic
def draft_quote(
    ticket: Ticket, *, actor: User, now: datetime | None = None, valid_until: date | None = None, terms: str = ""
) -> Quote:
    """A new draft quote for the ticket's customer, priced in EUR with the VAT of their country."""
    now = _now(now)
    _require_commercial(actor)
    ticket = Ticket.objects.select_related("organisation", "requester").get(pk=ticket.pk)
    if ticket.status == Status.CLOSED:
        raise ActionRefused("ticket_closed", _("This ticket is closed. Reopen it to prepare a quote."))
    organisation = ticket.organisation
    decision = _vat_decision(organisation)
    vat_rate = decision.rate
    today = local_today(now)
    valid_until = valid_until or today + timedelta(days=settings.TIERDESK_QUOTE_VALIDITY_DAYS)
    if valid_until < today:
        raise InvalidInput("valid_until_past", _("The validity date cannot be in the past."), field="valid_until")
    contact = _customer_contact(ticket)
    year = today.year
    quote = Quote.objects.create(
        number=f"P-{year}-{next_value(f'quote:{year}'):05d}",
        ticket=ticket,
        organisation=organisation,
        currency="EUR",
        vat_rate=vat_rate,
        vat_rule=decision.rule.value,
        language=contact.language if contact else settings.LANGUAGE_CODE,
        valid_until=valid_until,
        terms=_text(terms, field="terms", required=False),
        created_by=actor,
        created_at=now,
    )
    _step(
        ticket,
        "quote_drafted",
        actor=actor,
        now=now,
        quote=quote.number,
        vat_rate=str(vat_rate),
        vat_rule=decision.rule.value,
    )
    return quote


def _vat_decision(organisation: Organisation) -> vat.VatDecision:
    """The VAT rule for the customer, or a refusal that tells the agent what to correct."""
    try:
        return vat.decide(
            organisation.country,
            vat_number=organisation.vat_id,
            postal_code=vat.postal_code_in(organisation.address),
            seller_country=settings.TIERDESK_SELLER_COUNTRY,
        )
    except vat.UnknownCountry:
        raise InvalidInput(
            "no_vat_rule",
            _(
                "The customer's country (%(country)s) is not a country code the desk knows. Correct it in "
                "the customer's details (Administration, Organisations, %(name)s) with a two-letter ISO code "
                "such as ES, FR or GB, then draft the quote again."
            )
            % {"country": organisation.country or "-", "name": organisation.name},
        ) from None
    except vat.InvalidVatNumber:
        raise InvalidInput(
            "vat_number_invalid",
            _(
                "The customer's VAT number (%(number)s) is not a VAT number of %(country)s. Correct it, or clear "
                "it if the customer is not a business, in the customer's details (Administration, Organisations, "
                "%(name)s), then draft the quote again."
            )
            % {"number": organisation.vat_id, "country": organisation.country, "name": organisation.name},
        ) from None
    except ValueError as error:  # The seller's own country is not one the rules cover.
        raise InvalidInput(
            "no_vat_rule", _("The desk's VAT rules do not apply: %(error)s") % {"error": error}
        ) from None


@transaction.atomic
def update_quote(quote: Quote, *, actor: User, valid_until: date, terms: str, now: datetime | None = None) -> Quote:
    """Change a draft's validity date and terms."""
    now = _now(now)
    _require_commercial(actor)
    quote = _lock_quote(quote)
    _require_state(quote, QuoteState.DRAFT, code="quote_not_draft", message=_("Only a draft quote can be changed."))
    if valid_until < local_today(now):
        raise InvalidInput("valid_until_past", _("The validity date cannot be in the past."), field="valid_until")
    quote.valid_until = valid_until
    quote.terms = _text(terms, field="terms", required=False)
    quote.save(update_fields=["valid_until", "terms"])
    _step(quote.ticket, "quote_updated", actor=actor, now=now, quote=quote.number, valid_until=valid_until.isoformat())
    return quote


@transaction.atomic
def add_quote_line(
    quote: Quote,
    *,
    actor: User,
    quantity: Any,
    intervention_type: InterventionType | None = None,
    description: str = "",
    unit_price: Any = None,
    discount_percent: Any = Decimal("0"),
    now: datetime | None = None,
) -> QuoteLine:
    """A line from the catalogue (description and price default to the catalogue's) or a free line."""
    now = _now(now)
    _require_commercial(actor)
    quote = _lock_quote(quote)
    _require_state(quote, QuoteState.DRAFT, code="quote_not_draft", message=_("Only a draft quote can be changed."))
    if intervention_type is not None:
        if not intervention_type.active:
            raise InvalidInput(
                "intervention_not_offered", _("This intervention is no longer offered."), field="intervention_type"
            )
        service = quote.ticket.service
        if not intervention_type.applies_to(service.product if service else None):
            raise InvalidInput(
                "intervention_not_for_product",
                _("This intervention does not apply to the ticket's service."),
                field="intervention_type",
            )
        description = description.strip() or intervention_type.name_in(quote.language)
        if unit_price in (None, ""):
            unit_price = intervention_type.base_price
    description = _text(description, field="description", required=True, message=_("Describe the line."))[:300]
    if unit_price in (None, ""):
        raise InvalidInput("unit_price_required", _("Give a unit price."), field="unit_price")
    values: dict[str, Any] = {
        "quantity": _decimal(quantity, field="quantity"),
        "unit_price": _decimal(unit_price, field="unit_price"),
        "discount_percent": _decimal(discount_percent or "0", field="discount_percent"),
    }
    try:
        pricing.Line(description=description, vat_rate=quote.vat_rate, **values)
    except ValueError as error:
        field = next((name for name in values if name.split("_")[0] in str(error)), "quantity")
        raise InvalidInput(
            f"{field}_invalid", _("Check this value: %(error)s") % {"error": error}, field=field
        ) from None
    position = (quote.lines.aggregate(top=Max("position"))["top"] or 0) + 1
    line = QuoteLine.objects.create(
        quote=quote, position=position, intervention_type=intervention_type, description=description, **values
    )
    _step(
        quote.ticket,
        "quote_line_added",
        actor=actor,
        now=now,
        quote=quote.number,
        description=description,
        quantity=str(values["quantity"]),
        unit_price=str(values["unit_price"]),
        discount_percent=str(values["discount_percent"]),
    )
    return line


@transaction.atomic
def remove_quote_line(line: QuoteLine, *, actor: User, now: datetime | None = None) -> None:
    now = _now(now)
    _require_commercial(actor)
    quote = _lock_quote(line.quote)
    _require_state(quote, QuoteState.DRAFT, code="quote_not_draft", message=_("Only a draft quote can be changed."))
    QuoteLine.objects.filter(pk=line.pk, quote=quote).delete()
    _step(quote.ticket, "quote_line_removed", actor=actor, now=now, quote=quote.number, description=line.description)


@transaction.atomic
def send_quote(quote: Quote, *, actor: User, now: datetime | None = None) -> Quote:
    """draft → sent: the totals are fixed and the customer gets an e-mail with the PDF."""
    now = _now(now)
    _require_commercial(actor)
    quote = _lock_quote(quote)
    _require_state(quote, QuoteState.DRAFT, code="quote_not_draft", message=_("This quote has already been sent."))
    lines = quote.pricing_lines()
    if not lines:
        raise ActionRefused("quote_empty", _("Add at least one line before sending the quote."))
    if quote.valid_until < local_today(now):
        raise InvalidInput("valid_until_past", _("The validity date cannot be in the past."), field="valid_until")
    totals = pricing.totals(lines, quote.currency)
    quote.net, quote.vat_total, quote.gross = totals.net, totals.vat_total, totals.gross
    quote.state = QuoteState.SENT
    quote.sent_at = now
    quote.save(update_fields=["net", "vat_total", "gross", "state", "sent_at"])
    _step(
        quote.ticket,
        "quote_sent",
        actor=actor,
        now=now,
        quote=quote.number,
        total=str(totals.gross),
        currency=quote.currency,
        valid_until=quote.valid_until.isoformat(),
    )
    from infogerencia import notify  # infogerencia.notify imports this package

    notify.quote_sent(quote, now=now)
    return quote


def _refuse_if_expired(quote: Quote, now: datetime) -> None:
    if quote.state == QuoteState.EXPIRED or (
        quote.state in {QuoteState.SENT, QuoteState.ACCEPTED} and quote.valid_until < local_today(now)
    ):
        raise ActionRefused("quote_expired", _("This quote has expired. Ask for a new one."))


@transaction.atomic
def accept_quote(
    quote: Quote, *, actor: User, now: datetime | None = None, requested_start: datetime | None = None
) -> Quote:
    """sent → accepted, by the customer, optionally asking for a start time for the intervention."""
    now = _now(now)
    _require_customer_of(actor, quote)
    quote = _lock_quote(quote)
    _refuse_if_expired(quote, now)
    _require_state(
        quote, QuoteState.SENT, code="quote_not_open", message=_("This quote can no longer be accepted or rejected.")
    )
    if requested_start is not None:
        _check_requested_start(quote, requested_start, now)
    # Conditional UPDATE: a double click (or two contacts at once) accepts once.
    if not Quote.objects.filter(pk=quote.pk, state=QuoteState.SENT).update(
        state=QuoteState.ACCEPTED, decided_at=now, decided_by=actor, requested_start=requested_start
    ):
        raise ActionRefused("quote_not_open", _("This quote can no longer be accepted or rejected."))
    quote.refresh_from_db()
    _step(
        quote.ticket,
        "quote_accepted",
        actor=actor,
        now=now,
        quote=quote.number,
        requested_start=requested_start.isoformat() if requested_start else None,
    )
    return quote


@transaction.atomic
def reject_quote(quote: Quote, *, actor: User, reason: str, now: datetime | None = None) -> Quote:
    """sent → rejected, by the customer, with a reason."""
    now = _now(now)
    _require_customer_of(actor, quote)
    quote = _lock_quote(quote)
    _require_state(
        quote, QuoteState.SENT, code="quote_not_open", message=_("This quote can no longer be accepted or rejected.")
    )
    reason = _text(reason, field="reason", required=True, message=_("Tell us why you reject the quote."))
    if not Quote.objects.filter(pk=quote.pk, state=QuoteState.SENT).update(
        state=QuoteState.REJECTED, decided_at=now, decided_by=actor, rejection_reason=reason
    ):
        raise ActionRefused("quote_not_open", _("This quote can no longer be accepted or rejected."))
    quote.refresh_from_db()
    _step(quote.ticket, "quote_rejected", actor=actor, now=now, quote=quote.number, reason=reason)
    return quote


def expire_quotes(*, now: datetime | None = None, batch: int = 500) -> int:
    """Sent or accepted (unpaid) quotes past their validity date become expired. Each in its own
    transaction; two schedulers running this at once expire each quote once (conditional UPDATE)."""
    now = _now(now)
    today = local_today(now)
    due = list(
        Quote.objects.filter(state__in=[QuoteState.SENT, QuoteState.ACCEPTED], valid_until__lt=today)
        .order_by("valid_until", "id")
        .values_list("pk", "state")[:batch]
    )
    expired = 0
    for pk, state in due:
        with transaction.atomic():
            if not Quote.objects.filter(pk=pk, state=state).update(state=QuoteState.EXPIRED, expired_at=now):
                continue  # Paid, accepted or rejected in the meantime.
            quote = Quote.objects.select_related("ticket").get(pk=pk)
            _step(quote.ticket, "quote_expired", actor=None, now=now, quote=quote.number, before=state)
            expired += 1
    return expired
