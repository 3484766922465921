"""Every change in the level 3 pipeline: quote → acceptance → payment → scheduled intervention →
operation report → invoice (and credit note).

One function per step, one transaction each, keyword-only arguments with an explicit ``actor``
(``None`` for the desk itself, e.g. a payment webhook or the expiry job) and ``now``. Each writes
an audit event on the originating ticket (``EventKind.UPDATED`` with ``data["step"]``) and
enqueues its e-mail after commit. A refused step raises ``ActionRefused`` (or a subclass, with a
stable ``code`` and an HTTP ``status``) and writes nothing.
"""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import holidays as holidays_lib
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from infogerencia import pricing, slots
from infogerencia.models import (
    Intervention,
    InterventionState,
    InterventionType,
    Invoice,
    InvoiceKind,
    OperationReport,
    Payment,
    Quote,
    QuoteLine,
    QuoteState,
    ReportOutcome,
)
from levels.models import LevelCode, SupportLevel
from sla.models import BusinessCalendar
from tickets import actions as ticket_actions
from tickets.errors import ActionRefused, Forbidden, InvalidInput, NotFound
from tickets.models import EventKind, Status, Ticket
from tierdesk.models import next_value

__all__ = [
    "PaymentResult",
    "accept_quote",
    "add_quote_line",
    "apply_payment",
    "complete_intervention",
    "draft_quote",
    "expire_quotes",
    "issue_credit_note",
    "move_intervention",
    "record_report",
    "reject_quote",
    "remove_quote_line",
    "schedule_intervention",
    "send_quote",
    "update_quote",
]

ADMIN_TEAM = "l3-managed"
TEXT_MAX = 20_000
DEFAULT_DURATION = timedelta(hours=1)
SLOT_STEP = timedelta(minutes=15)


# --- helpers -------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("now must be timezone-aware")
    return value


def local_today(now: datetime) -> date:
    """The desk's date at ``now`` (quotes' validity and invoices' dates are in the desk's zone)."""
    return now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def _step(ticket: Ticket, step: str, *, actor: User | None, now: datetime, **data: Any) -> None:
    ticket_actions.record_event(ticket, EventKind.UPDATED, actor=actor, now=now, step=step, **data)


def _has_role(user: User | None, *roles: str) -> bool:
    return user is not None and user.is_active and (user.is_superuser or user.role in {*roles, Role.SUPERVISOR})


def _require_commercial(actor: User) -> None:
    if not _has_role(actor, Role.L2_COMMERCIAL):
        raise Forbidden("commercial_only", _("Only the commercial team can prepare and send quotes."))


def _require_billing(actor: User) -> None:
    if not _has_role(actor, Role.BILLING):
        raise Forbidden("billing_only", _("Only billing staff can do this."))


def _require_administrator(actor: User, intervention: Intervention) -> None:
    if actor.is_superuser or actor.role == Role.SUPERVISOR:
        return
    if actor.role != Role.L3_ADMINISTRATOR or intervention.administrator_id != actor.pk:
        raise Forbidden("administrator_only", _("Only the administrator in charge can do this."))


def _require_customer_of(actor: User, quote: Quote) -> None:
    if not (actor.is_customer and actor.is_active and actor.organisation_id == quote.organisation_id):
        if actor.is_customer:
            raise NotFound("not_found", _("This quote does not exist."))
        raise Forbidden("customer_only", _("Only the customer can accept or reject a quote."))
    if quote.state == QuoteState.DRAFT:
        raise NotFound("not_found", _("This quote does not exist."))


def _text(value: str, *, field: str, required: bool, message: Any = None) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"{field}_required", message or _("This field is required."), field=field)
    if len(cleaned) > TEXT_MAX:
        raise InvalidInput(
            f"{field}_too_long",
            _("This text is too long (at most %(max)s characters).") % {"max": TEXT_MAX},
            field=field,
        )
    return cleaned


def _decimal(value: Any, *, field: str) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            raise InvalidInput(f"{field}_invalid", _("Enter a number."), field=field) from None
    if not result.is_finite():
        raise InvalidInput(f"{field}_invalid", _("Enter a number."), field=field)
    return result


def _lock_quote(quote: Quote) -> Quote:
    return Quote.objects.select_for_update(of=("self",)).select_related("ticket", "organisation").get(pk=quote.pk)


def _require_state(quote: Quote, *states: str, code: str, message: Any) -> None:
    if quote.state not in states:
        raise ActionRefused(code, message)


def _customer_contact(ticket: Ticket) -> User | None:
    if ticket.requester_id is not None:
        return ticket.requester
    return ticket.organisation.contacts.filter(is_active=True).order_by("id").first()


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
    try:
        vat_rate = pricing.vat_rate_for(
            organisation.country,
            b2b_vat_id=organisation.vat_id or None,
            seller_country=settings.TIERDESK_SELLER_COUNTRY,
        )
    except ValueError:
        raise InvalidInput(
            "no_vat_rate",
            _("No VAT rate is known for the customer's country (%(country)s); check the organisation's details.")
            % {"country": organisation.country},
        ) from None
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
        language=contact.language if contact else settings.LANGUAGE_CODE,
        valid_until=valid_until,
        terms=_text(terms, field="terms", required=False),
        created_by=actor,
        created_at=now,
    )
    _step(ticket, "quote_drafted", actor=actor, now=now, quote=quote.number, vat_rate=str(vat_rate))
    return quote


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
    from infogerencia import tasks

    transaction.on_commit(partial(tasks.send_quote_mail.enqueue, quote.pk))
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


# --- scheduling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    windows: dict[int, list[tuple[time, time]]]
    zone: zoneinfo.ZoneInfo
    closed: frozenset[str]
    country: str
    subdivision: str
    always_open: bool

    def is_closed(self, day: date) -> bool:
        if self.always_open:
            return False
        if day.isoformat() in self.closed:
            return True
        if not self.country:
            return False
        return day in _holidays(self.country, self.subdivision, day.year)


_HOLIDAY_CACHE: dict[tuple[str, str, int], Any] = {}


def _holidays(country: str, subdivision: str, year: int) -> Any:
    key = (country, subdivision, year)
    if key not in _HOLIDAY_CACHE:
        _HOLIDAY_CACHE[key] = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year)
    return _HOLIDAY_CACHE[key]


def administrators_calendar() -> _Calendar:
    """The L3 level's working calendar (Monday–Friday 09:00–18:00 Madrid by default)."""
    level = SupportLevel.objects.select_related("calendar").filter(code=LevelCode.L3).first()
    calendar: BusinessCalendar | None = level.calendar if level else None
    if calendar is None:
        raise ActionRefused("no_calendar", _("Level 3 has no working calendar; set one in the administration."))
    all_day = [(time(0), time(0))]
    windows = {d: all_day for d in range(7)} if calendar.always_open else slots.parse_windows(calendar.windows or {})
    return _Calendar(
        windows=windows,
        zone=zoneinfo.ZoneInfo(calendar.time_zone),
        closed=frozenset(calendar.closures or []),
        country=calendar.country,
        subdivision=calendar.subdivision,
        always_open=calendar.always_open,
    )


def intervention_duration(quote: Quote) -> timedelta:
    """The catalogue's estimated duration times the quantity, summed over the quote's lines,
    rounded up to a quarter hour; one hour when no line comes from the catalogue."""
    total = timedelta(0)
    for line in quote.lines.select_related("intervention_type"):
        if line.intervention_type is not None:
            seconds = line.intervention_type.estimated_duration.total_seconds() * float(line.quantity)
            total += timedelta(seconds=seconds)
    if total <= timedelta(0):
        return DEFAULT_DURATION
    step = SLOT_STEP.total_seconds()
    return timedelta(seconds=math.ceil(total.total_seconds() / step) * step)


def _administrators(*, lock: bool) -> list[User]:
    people = User.objects.filter(role=Role.L3_ADMINISTRATOR, is_active=True, teams__code=ADMIN_TEAM).order_by("pk")
    if lock:
        # Every scheduler locks the administrators in the same order, so two payments at once
        # queue here instead of both picking the same free slot (and never deadlock).
        people = people.select_for_update(of=("self",))
    return list(people)


def _busy(administrator: User, *, exclude: int | None = None) -> list[slots.Interval]:
    items = Intervention.objects.filter(administrator=administrator, state=InterventionState.SCHEDULED)
    if exclude is not None:
        items = items.exclude(pk=exclude)
    return list(items.values_list("starts_at", "ends_at"))


def earliest_start(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.TIERDESK_INTERVENTION_LEAD_MINUTES)


def _check_requested_start(quote: Quote, start: datetime, now: datetime) -> None:
    if timezone.is_naive(start):
        raise ValueError("requested_start must be timezone-aware")
    if start < earliest_start(now):
        raise InvalidInput(
            "requested_start_too_soon",
            _("Choose a start at least %(minutes)s minutes from now.")
            % {"minutes": settings.TIERDESK_INTERVENTION_LEAD_MINUTES},
            field="requested_start",
        )
    calendar = administrators_calendar()
    duration = intervention_duration(quote)
    free = any(
        slots.fits(
            start,
            duration=duration,
            windows=calendar.windows,
            zone=calendar.zone,
            is_closed=calendar.is_closed,
            busy=_busy(admin),
        )
        for admin in _administrators(lock=False)
    )
    if not free:
        raise InvalidInput(
            "requested_start_unavailable",
            _("No administrator is free then for the %(minutes)s minutes the work takes; choose another time.")
            % {"minutes": int(duration.total_seconds() // 60)},
            field="requested_start",
        )


def _schedule(quote: Quote, *, actor: User | None, now: datetime, requested_start: datetime | None) -> Intervention:
    if Intervention.objects.filter(quote=quote).exists():
        raise ActionRefused("already_scheduled", _("This intervention is already scheduled."))
    calendar = administrators_calendar()
    duration = intervention_duration(quote)
    administrators = _administrators(lock=True)
    if not administrators:
        raise ActionRefused("no_administrator", _("No level 3 administrator is available."))
    choice: tuple[datetime, User] | None = None
    asked = False
    if requested_start is not None and requested_start >= earliest_start(now):
        for admin in administrators:
            if slots.fits(
                requested_start,
                duration=duration,
                windows=calendar.windows,
                zone=calendar.zone,
                is_closed=calendar.is_closed,
                busy=_busy(admin),
            ):
                choice, asked = (requested_start, admin), True
                break
    if choice is None:
        for admin in administrators:
            start = slots.earliest_free_start(
                after=earliest_start(now),
                duration=duration,
                windows=calendar.windows,
                zone=calendar.zone,
                is_closed=calendar.is_closed,
                busy=_busy(admin),
                step=SLOT_STEP,
            )
            if start is not None and (choice is None or start < choice[0]):
                choice = (start, admin)
    if choice is None:
        raise ActionRefused("no_slot", _("No free slot was found in the administrators' calendar."))
    start, admin = choice
    intervention = Intervention.objects.create(
        quote=quote,
        ticket=quote.ticket,
        administrator=admin,
        starts_at=start,
        ends_at=start + duration,
        asked_by_customer=asked,
        created_at=now,
    )
    ticket_actions.pass_to_managed_services(
        quote.ticket, assignee=admin, actor=actor, now=now, reason=f"{quote.number}: {start.isoformat()}"
    )
    _step(
        quote.ticket,
        "intervention_scheduled",
        actor=actor,
        now=now,
        quote=quote.number,
        administrator=admin.username,
        starts_at=start.isoformat(),
        ends_at=(start + duration).isoformat(),
        asked_by_customer=asked,
    )
    from infogerencia import tasks

    transaction.on_commit(partial(tasks.send_schedule_mail.enqueue, intervention.pk, "scheduled"))
    return intervention


@transaction.atomic
def schedule_intervention(quote: Quote, *, actor: User, now: datetime | None = None) -> Intervention:
    """Schedule a paid quote's intervention by hand (when no slot could be found at payment)."""
    now = _now(now)
    if not _has_role(actor, Role.L3_ADMINISTRATOR, Role.BILLING, Role.L2_COMMERCIAL):
        raise Forbidden("staff_only", _("Only support staff can do this."))
    quote = _lock_quote(quote)
    _require_state(quote, QuoteState.PAID, code="quote_not_paid", message=_("Only a paid quote is scheduled."))
    return _schedule(quote, actor=actor, now=now, requested_start=None)


@transaction.atomic
def move_intervention(
    intervention: Intervention, *, actor: User, starts_at: datetime, reason: str, now: datetime | None = None
) -> Intervention:
    """The administrator moves the intervention to another free slot, saying why; both sides are told."""
    now = _now(now)
    if timezone.is_naive(starts_at):
        raise InvalidInput("starts_at_invalid", _("Enter a date and time."), field="starts_at")
    intervention = Intervention.objects.select_related("quote", "ticket").get(pk=intervention.pk)
    _require_administrator(actor, intervention)
    reason = _text(reason, field="reason", required=True, message=_("Give a reason."))
    # Lock the administrator's row: a payment scheduling into the same diary waits for us.
    User.objects.select_for_update().filter(pk=intervention.administrator_id).exists()
    intervention = Intervention.objects.select_for_update().select_related("quote", "ticket").get(pk=intervention.pk)
    if intervention.state != InterventionState.SCHEDULED:
        raise ActionRefused("not_scheduled", _("Only a scheduled intervention can be moved."))
    if starts_at < now:
        raise InvalidInput("starts_at_past", _("Choose a time in the future."), field="starts_at")
    calendar = administrators_calendar()
    duration = intervention.ends_at - intervention.starts_at
    if not slots.fits(
        starts_at,
        duration=duration,
        windows=calendar.windows,
        zone=calendar.zone,
        is_closed=calendar.is_closed,
        busy=_busy(intervention.administrator, exclude=intervention.pk),
    ):
        raise InvalidInput(
            "slot_unavailable",
            _("That time is outside working hours or overlaps another intervention."),
            field="starts_at",
        )
    before = intervention.starts_at
    intervention.starts_at, intervention.ends_at = starts_at, starts_at + duration
    intervention.save(update_fields=["starts_at", "ends_at"])
    _step(
        intervention.ticket,
        "intervention_moved",
        actor=actor,
        now=now,
        quote=intervention.quote.number,
        before=before.isoformat(),
        after=starts_at.isoformat(),
        reason=reason,
    )
    from infogerencia import tasks

    transaction.on_commit(partial(tasks.send_schedule_mail.enqueue, intervention.pk, "moved"))
    return intervention


# --- report and invoice --------------------------------------------------------------------


def required_fields(intervention: Intervention) -> list[tuple[str, str]]:
    """``[(key, label)]`` the catalogue asks the administrator to record for this intervention."""
    seen: dict[str, str] = {}
    for line in intervention.quote.lines.select_related("intervention_type"):
        if line.intervention_type is not None:
            for key, label in line.intervention_type.required_field_labels():
                seen.setdefault(key, label)
    return list(seen.items())


@transaction.atomic
def record_report(
    intervention: Intervention,
    *,
    actor: User,
    steps: str,
    outcome: str,
    minutes_spent: Any,
    commands: str = "",
    outcome_notes: str = "",
    fields: dict[str, str] | None = None,
    now: datetime | None = None,
) -> OperationReport:
    """The operation report: what was done, the commands or changes, the outcome, the time spent
    and the details the catalogue asks for. It can be corrected until the intervention is done."""
    now = _now(now)
    intervention = Intervention.objects.select_for_update().select_related("quote", "ticket").get(pk=intervention.pk)
    _require_administrator(actor, intervention)
    if intervention.state != InterventionState.SCHEDULED:
        raise ActionRefused("not_scheduled", _("The report of a finished intervention cannot be changed."))
    steps = _text(steps, field="steps", required=True, message=_("Describe the steps you took."))
    commands = _text(commands, field="commands", required=False)
    outcome_notes = _text(outcome_notes, field="outcome_notes", required=False)
    if outcome not in ReportOutcome.values:
        raise InvalidInput("outcome_invalid", _("Choose an outcome."), field="outcome")
    try:
        minutes = int(str(minutes_spent).strip())
    except ValueError:
        raise InvalidInput("minutes_spent_invalid", _("Enter the minutes spent."), field="minutes_spent") from None
    if not 1 <= minutes <= 100_000:
        raise InvalidInput("minutes_spent_invalid", _("Enter the minutes spent."), field="minutes_spent")
    given = fields or {}
    recorded: dict[str, str] = {}
    for key, label in required_fields(intervention):
        value = (given.get(key) or "").strip()
        if not value:
            raise InvalidInput(
                f"field_{key}_required", _("Record: %(label)s.") % {"label": label}, field=f"field_{key}"
            )
        recorded[key] = value[:TEXT_MAX]
    report, created = OperationReport.objects.update_or_create(
        intervention=intervention,
        defaults={
            "steps": steps,
            "commands": commands,
            "outcome": outcome,
            "outcome_notes": outcome_notes,
            "minutes_spent": minutes,
            "fields": recorded,
            "recorded_by": actor,
            "recorded_at": now,
        },
    )
    _step(
        intervention.ticket,
        "report_recorded" if created else "report_corrected",
        actor=actor,
        now=now,
        quote=intervention.quote.number,
        outcome=outcome,
        minutes_spent=minutes,
    )
    return report


def seller_lines() -> list[str]:
    lines = [settings.TIERDESK_SELLER_NAME]
    if settings.TIERDESK_SELLER_VAT_ID:
        lines.append(settings.TIERDESK_SELLER_VAT_ID)
    lines += [part.strip() for part in settings.TIERDESK_SELLER_ADDRESS.split("|") if part.strip()]
    return lines


def buyer_lines(quote: Quote) -> list[str]:
    organisation = quote.organisation
    lines = [organisation.name]
    if organisation.vat_id:
        lines.append(organisation.vat_id)
    lines += [part.strip() for part in organisation.address.splitlines() if part.strip()]
    lines.append(organisation.country)
    return lines


def _line_json(line: pricing.Line) -> dict[str, str]:
    return {
        "description": line.description,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "discount_percent": str(line.discount_percent),
        "vat_rate": str(line.vat_rate),
        "net": str(pricing.line_net(line)),
    }


def _totals_json(totals: pricing.Totals) -> list[dict[str, str]]:
    return [{"rate": str(r.rate), "base": str(r.base), "vat": str(r.vat)} for r in totals.vat_breakdown]


def _issue(
    *,
    kind: str,
    series: str,
    quote: Quote,
    intervention: Intervention,
    lines: tuple[pricing.Line, ...],
    actor: User | None,
    now: datetime,
    due_days: int | None,
    rectifies: Invoice | None = None,
    reason: str = "",
    language: str,
    buyer: list[str],
) -> Invoice:
    today = local_today(now)
    totals = pricing.totals(lines, quote.currency)
    # Gapless per series and year: the counter row stays locked until this transaction commits.
    sequence = next_value(f"invoice:{series}:{today.year}")
    return Invoice.objects.create(
        kind=kind,
        series=series,
        year=today.year,
        sequence=sequence,
        number=f"{series}-{today.year}-{sequence:06d}",
        quote=quote,
        intervention=intervention,
        organisation=quote.organisation,
        rectifies=rectifies,
        reason=reason,
        issue_date=today,
        due_date=today + timedelta(days=due_days) if due_days is not None else None,
        language=language,
        currency=quote.currency,
        seller=seller_lines(),
        buyer=buyer,
        lines=[_line_json(line) for line in lines],
        vat_breakdown=_totals_json(totals),
        net=totals.net,
        vat_total=totals.vat_total,
        gross=totals.gross,
        issued_by=actor,
        issued_at=now,
    )


@transaction.atomic
def complete_intervention(intervention: Intervention, *, actor: User, now: datetime | None = None) -> Invoice:
    """The work is done: the invoice is issued and sent to the customer with the operation report."""
    now = _now(now)
    intervention = Intervention.objects.select_related("quote", "ticket", "quote__organisation").get(pk=intervention.pk)
    _require_administrator(actor, intervention)
    if not OperationReport.objects.filter(intervention=intervention).exists():
        raise ActionRefused("report_missing", _("Record the operation report before marking the work done."))
    # Conditional UPDATE: marking done twice (double click, two tabs) issues one invoice.
    if not Intervention.objects.filter(pk=intervention.pk, state=InterventionState.SCHEDULED).update(
        state=InterventionState.DONE, done_at=now
    ):
        raise ActionRefused("not_scheduled", _("This intervention is already done or cancelled."))
    quote = intervention.quote
    invoice = _issue(
        kind=InvoiceKind.INVOICE,
        series=settings.TIERDESK_INVOICE_SERIES,
        quote=quote,
        intervention=intervention,
        lines=tuple(quote.pricing_lines()),
        actor=actor,
        now=now,
        due_days=settings.TIERDESK_INVOICE_DUE_DAYS,
        language=quote.language,
        buyer=buyer_lines(quote),
    )
    _step(intervention.ticket, "intervention_done", actor=actor, now=now, quote=quote.number)
    _step(
        intervention.ticket,
        "invoice_issued",
        actor=actor,
        now=now,
        quote=quote.number,
        invoice=invoice.number,
        total=str(invoice.gross),
        currency=invoice.currency,
    )
    from infogerencia import tasks

    transaction.on_commit(partial(tasks.send_invoice_mail.enqueue, invoice.pk))
    return invoice


@transaction.atomic
def issue_credit_note(invoice: Invoice, *, actor: User, reason: str, now: datetime | None = None) -> Invoice:
    """A credit note (factura rectificativa) cancelling an invoice in full, in its own series,
    for a cancelled or refunded intervention."""
    now = _now(now)
    _require_billing(actor)
    reason = _text(reason, field="reason", required=True, message=_("Give the reason for the credit note."))
    invoice = Invoice.objects.select_related("quote", "quote__organisation", "intervention", "quote__ticket").get(
        pk=invoice.pk
    )
    if invoice.kind != InvoiceKind.INVOICE:
        raise ActionRefused("not_an_invoice", _("A credit note cannot itself be rectified."))
    if Invoice.objects.filter(rectifies=invoice).exists():
        raise ActionRefused("already_rectified", _("This invoice already has a credit note."))
    original = tuple(
        pricing.Line(
            description=item["description"],
            quantity=Decimal(item["quantity"]),
            unit_price=Decimal(item["unit_price"]),
            vat_rate=Decimal(item["vat_rate"]),
            discount_percent=Decimal(item["discount_percent"]),
        )
        for item in invoice.lines
    )
    try:
        with transaction.atomic():
            credit_note = _issue(
                kind=InvoiceKind.CREDIT_NOTE,
                series=settings.TIERDESK_CREDIT_NOTE_SERIES,
                quote=invoice.quote,
                intervention=invoice.intervention,
                lines=pricing.credit_note_lines(original),
                actor=actor,
                now=now,
                due_days=None,
                rectifies=invoice,
                reason=reason,
                language=invoice.language,
                buyer=list(invoice.buyer),
            )
    except IntegrityError:
        # A concurrent credit note for the same invoice committed first (unique index).
        raise ActionRefused("already_rectified", _("This invoice already has a credit note.")) from None
    _step(
        invoice.quote.ticket,
        "credit_note_issued",
        actor=actor,
        now=now,
        invoice=invoice.number,
        credit_note=credit_note.number,
        reason=reason,
    )
    from infogerencia import tasks

    transaction.on_commit(partial(tasks.send_invoice_mail.enqueue, credit_note.pk))
    return credit_note


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
