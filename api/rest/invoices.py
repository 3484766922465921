"""``/invoices``: invoices and credit notes, with the pages' visibility (``infogerencia.queries``);
the PDF is the pages' own."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router

from accounts.models import User
from api.rest.base import ERRORS, MAX_PAGE, PDF_RESPONSE, DocumentNumber, amount_text, keyset_page, pdf_response
from api.schemas import InvoiceOut, InvoicePage
from infogerencia import documents
from infogerencia import queries as l3_queries
from infogerencia.models import Invoice

router = Router(tags=["invoices"])


def invoice_out(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "kind": invoice.kind,
        "quote": invoice.quote.number,
        "ticket": invoice.quote.ticket.number,
        "rectifies": invoice.rectifies.number if invoice.rectifies else None,
        "reason": invoice.reason,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "language": invoice.language,
        "currency": invoice.currency,
        "lines": [
            {
                key: str(item[key])
                for key in ("description", "quantity", "unit_price", "discount_percent", "vat_rate", "net")
            }
            for item in invoice.lines
        ],
        "vat_breakdown": [{key: str(item[key]) for key in ("rate", "base", "vat")} for item in invoice.vat_breakdown],
        "net": amount_text(invoice.net),
        "vat_total": amount_text(invoice.vat_total),
        "gross": amount_text(invoice.gross),
        "issued_at": invoice.issued_at,
        "pdf_url": reverse("api:v1:invoice_pdf", kwargs={"number": invoice.number}),
    }


def _invoices_for(user: User) -> Any:
    return l3_queries.visible_invoices(user).select_related("quote", "quote__ticket", "organisation", "rectifies")


@router.get("/invoices", response={200: InvoicePage, **ERRORS}, summary="List invoices")
def list_invoices(
    request: HttpRequest,
    kind: str | None = Query(None, pattern=r"^(invoice|credit_note)$"),
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(25, ge=1, le=MAX_PAGE),
) -> Any:
    """Invoices and credit notes the caller may see, newest first; keyset pagination over
    (issued_at, id)."""
    items = _invoices_for(request.auth)  # type: ignore[attr-defined]
    if kind:
        items = items.filter(kind=kind)
    return keyset_page(items, "issued_at", cursor, limit, invoice_out)


def _invoice(request: HttpRequest, number: str) -> Invoice:
    """The invoice if the token's owner may see it (``infogerencia.queries``), otherwise 404."""
    invoice: Invoice | None = _invoices_for(request.auth).filter(number=number).first()  # type: ignore[attr-defined]
    if invoice is None:
        raise Http404
    return invoice


@router.get("/invoices/{number}", response={200: InvoiceOut, **ERRORS}, summary="Read an invoice")
def read_invoice(request: HttpRequest, number: DocumentNumber) -> Any:
    return invoice_out(_invoice(request, number))


@router.get(
    "/invoices/{number}/pdf",
    response=ERRORS,
    url_name="invoice_pdf",
    summary="Download an invoice or credit note as PDF",
    openapi_extra=PDF_RESPONSE,
)
def invoice_pdf(request: HttpRequest, number: DocumentNumber) -> Any:
    invoice = _invoice(request, number)
    return pdf_response(documents.invoice_pdf(invoice), f"{invoice.number}.pdf")
