"""The operation report, invoices and credit notes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.counters import next_value
from infogerencia import pricing
from infogerencia.actions._base import (
    TEXT_MAX,
    _now,
    _require_administrator,
    _require_billing,
    _step,
    _text,
    local_today,
)
from infogerencia.models import (
    Intervention,
    InterventionState,
    Invoice,
    InvoiceKind,
    OperationReport,
    Quote,
    ReportOutcome,
)
from tickets.errors import ActionRefused, InvalidInput

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
    vat_rule: str,
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
        vat_rule=vat_rule,
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
        vat_rule=quote.vat_rule,
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
    from infogerencia import notify  # infogerencia.notify imports this package

    notify.invoice_issued(invoice, now=now)
    return invoice


@transaction.atomic
def issue_credit_note(invoice: Invoice, *, actor: User, reason: str, now: datetime | None = None) -> Invoice:
    """A credit note (factura rectificativa) cancelling an invoice in full, in its own series,
    for a cancelled or refunded intervention."""
    now = _now(now)
    _require_billing(actor)
    return credit_invoice(invoice, actor=actor, reason=reason, now=now)


def credit_invoice(invoice: Invoice, *, actor: User | None, reason: str, now: datetime) -> Invoice:
    """The credit note itself, inside the caller's transaction: billing staff's request above, or
    a refund the payment provider reported (``actor=None``)."""
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
                vat_rule=invoice.vat_rule,
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
    from infogerencia import notify  # infogerencia.notify imports this package

    notify.invoice_issued(credit_note, now=now)
    return credit_note
