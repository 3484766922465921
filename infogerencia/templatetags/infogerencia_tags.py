"""Amounts and VAT rules on the level 3 pages, in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy

from infogerencia import pricing
from infogerencia.actions import required_fields
from infogerencia.models import OperationReport

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """``145.20|money:"EUR"`` -> ``145,20 €`` (es), ``€145.20`` (en), ``145,20 €`` (fr)."""
    if amount is None:
        return ""
    language = (get_language() or "es")[:2]
    return pricing.format_money(amount, currency, language if language in pricing.LANGUAGES else "es")


#: The steps of a quote's life recorded on its ticket (``infogerencia.actions._step``), by name.
STEP_LABELS: dict[str, Promise] = {
    "quote_drafted": gettext_lazy("Quote drafted"),
    "quote_line_added": gettext_lazy("Line added to the quote"),
    "quote_line_removed": gettext_lazy("Line removed from the quote"),
    "quote_updated": gettext_lazy("Quote terms changed"),
    "quote_sent": gettext_lazy("Quote sent to the customer"),
    "quote_accepted": gettext_lazy("Quote accepted"),
    "quote_rejected": gettext_lazy("Quote rejected"),
    "quote_expired": gettext_lazy("Quote expired"),
    "payment_started": gettext_lazy("Payment started"),
    "payment_received": gettext_lazy("Payment received"),
    "payment_failed": gettext_lazy("Payment failed"),
    "payment_refunded": gettext_lazy("Payment refunded"),
    "transfer_needs_review": gettext_lazy("Bank transfer to review"),
    "transfer_resolved": gettext_lazy("Bank transfer matched"),
    "intervention_scheduled": gettext_lazy("Intervention scheduled"),
    "intervention_moved": gettext_lazy("Intervention moved"),
    "intervention_not_scheduled": gettext_lazy("Intervention not scheduled"),
    "intervention_done": gettext_lazy("Intervention done"),
    "report_recorded": gettext_lazy("Operation report recorded"),
    "report_corrected": gettext_lazy("Operation report corrected"),
    "invoice_issued": gettext_lazy("Invoice issued"),
    "credit_note_issued": gettext_lazy("Credit note issued"),
}


@register.filter
def step_label(step: str) -> str:
    """A step of the quote's life by its name in the reader's language."""
    return str(STEP_LABELS.get(step, step))


@register.filter
def report_fields(report: OperationReport) -> list[tuple[str, str]]:
    """``[(label, value)]`` of what the administrator recorded, each by the catalogue's label in
    the reader's language (a field the catalogue no longer asks for keeps its key)."""
    labels = dict(required_fields(report.intervention))
    return [(labels.get(key, key), value) for key, value in (report.fields or {}).items()]
