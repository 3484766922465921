"""Quote, invoice and credit-note PDFs built from the rows, in the customer's language."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from infogerencia import pricing
from infogerencia.actions import buyer_lines, local_today, seller_lines
from infogerencia.models import Invoice, Quote, VatRule
from infogerencia.pdf import DocumentData, DocumentLine, render_pdf


def _notes(
    vat_breakdown: list[tuple[Decimal, Decimal]], has_vat_id: bool, language: str, *, rule: str = "", country: str = ""
) -> str:
    """The VAT rule applied, as the legal mention the document prints (documents issued before
    rules were stored fall back to the reverse-charge mention alone)."""
    with translation.override(language):
        if rule == VatRule.ES_STANDARD:
            return _("VAT: Spanish VAT at the standard rate, customer in Spain.")
        if rule == VatRule.ES_OUTSIDE_TERRITORY:
            return _(
                "Not subject to Spanish VAT: customer in the Canary Islands, Ceuta or Melilla, outside the "
                "Spanish VAT territory (Articles 3 and 69, Law 37/1992)."
            )
        if rule == VatRule.EU_CONSUMER:
            return _("VAT of the customer's country (%(country)s), declared through the one-stop shop (OSS).") % {
                "country": country
            }
        if rule == VatRule.OUTSIDE_EU:
            return _("Not subject to Spanish VAT: customer outside the European Union (Article 69, Law 37/1992).")
        if rule == VatRule.EU_REVERSE_CHARGE or (has_vat_id and all(rate == 0 for rate, _base in vat_breakdown)):
            return _("Reverse charge: VAT is due by the customer (Article 196, Directive 2006/112/EC).")
    return ""


def quote_document(quote: Quote) -> DocumentData:
    lines = tuple(quote.pricing_lines())
    totals = pricing.totals(lines, quote.currency)
    with translation.override(quote.language):
        default_terms = _(
            "Payment in advance. The intervention is scheduled as soon as the payment is received, "
            "in the level 3 administrators' working hours."
        )
    return DocumentData(
        kind="quote",
        number=quote.number,
        issue_date=local_today(quote.sent_at or quote.created_at),
        language=quote.language,
        currency=quote.currency,
        seller_lines=tuple(seller_lines()),
        buyer_lines=tuple(buyer_lines(quote)),
        lines=tuple(DocumentLine.from_pricing(line) for line in lines),
        totals=totals,
        valid_until=quote.valid_until,
        ticket_reference=f"#{quote.ticket.number}",
        terms=quote.terms or default_terms,
        notes=_notes(
            [(r.rate, r.base) for r in totals.vat_breakdown],
            bool(quote.organisation.vat_id),
            quote.language,
            rule=quote.vat_rule,
            country=quote.organisation.country,
        ),
    )


def quote_pdf(quote: Quote) -> bytes:
    return render_pdf(quote_document(quote))


def invoice_document(invoice: Invoice) -> DocumentData:
    lines = tuple(
        DocumentLine(
            description=item["description"],
            quantity=Decimal(item["quantity"]),
            unit_price=Decimal(item["unit_price"]),
            discount_percent=Decimal(item["discount_percent"]),
            vat_rate=Decimal(item["vat_rate"]),
            net=Decimal(item["net"]),
        )
        for item in invoice.lines
    )
    breakdown = tuple(
        pricing.VatAmount(Decimal(r["rate"]), Decimal(r["base"]), Decimal(r["vat"])) for r in invoice.vat_breakdown
    )
    totals = pricing.Totals(
        net=invoice.net,
        vat_breakdown=breakdown,
        vat_total=invoice.vat_total,
        gross=invoice.gross,
        currency=invoice.currency,
    )
    return DocumentData(
        kind="credit_note" if invoice.is_credit_note else "invoice",
        number=invoice.number,
        issue_date=invoice.issue_date,
        language=invoice.language,
        currency=invoice.currency,
        seller_lines=tuple(invoice.seller),
        buyer_lines=tuple(invoice.buyer),
        lines=lines,
        totals=totals,
        due_date=invoice.due_date if not invoice.is_credit_note else None,
        ticket_reference=f"#{invoice.quote.ticket.number}",
        rectified_invoice_number=invoice.rectifies.number if invoice.rectifies else None,
        rectification_reason=invoice.reason if invoice.is_credit_note else "",
        notes=_notes(
            [(r.rate, r.base) for r in breakdown],
            bool(invoice.organisation.vat_id),
            invoice.language,
            rule=invoice.vat_rule,
            country=invoice.organisation.country,
        ),
        title=f"{invoice.number} · {settings.TIERDESK_SELLER_NAME}",
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    return render_pdf(invoice_document(invoice))
