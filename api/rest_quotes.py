"""REST API v1: level 3 quotes and invoices, and the guides' search.

The same visibility as the pages (``infogerencia.queries``): a customer's token sees its own
organisation's quotes once sent and its invoices; staff see all of them. Anything else answers
``404``, exactly like a number that does not exist. Accepting and rejecting go through
``infogerencia.actions``; the PDFs are the ones the pages serve (``infogerencia.documents``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router
from pydantic import Field

from accounts.models import User
from api.errors import ApiError
from api.rest import ERRORS, MAX_PAGE, WRITE, as_utc, keyset_page
from api.schemas import (
    AcceptIn,
    GuidePage,
    InvoiceOut,
    InvoicePage,
    QuoteOut,
    QuotePage,
    QuoteStateName,
    RejectIn,
)
from guides import queries as guide_queries
from infogerencia import actions, documents, pricing
from infogerencia import queries as l3_queries
from infogerencia.models import Invoice, Quote, QuoteLine, QuoteState

DocumentNumber = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9-]+$")]
Language = Annotated[str, Field(pattern=r"^(es|en|fr)$")]

PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The document as a PDF, in the customer's language.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _number(value: Decimal) -> str:
    return format(value, "f")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- quotes --------------------------------------------------------------------------------

quotes = Router(tags=["quotes"])


def quote_out(quote: Quote) -> dict[str, Any]:
    lines = list(quote.lines.all())
    if quote.state == QuoteState.DRAFT:  # totals are fixed when the quote is sent
        totals = pricing.totals([line.as_pricing(quote.vat_rate) for line in lines], quote.currency)
        net, vat_total, gross = totals.net, totals.vat_total, totals.gross
    else:
        net, vat_total, gross = quote.net, quote.vat_total, quote.gross
    return {
        "number": quote.number,
        "state": quote.state,
        "ticket": quote.ticket.number,
        "currency": quote.currency,
        "language": quote.language,
        "vat_rate": _number(quote.vat_rate),
        "net": _amount(net),
        "vat_total": _amount(vat_total),
        "gross": _amount(gross),
        "valid_until": quote.valid_until,
        "terms": quote.terms,
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "quantity": _number(line.quantity),
                "unit_price": _amount(line.unit_price),
                "discount_percent": _number(line.discount_percent),
                "net": _amount(pricing.line_net(line.as_pricing(quote.vat_rate))),
            }
            for line in lines
        ],
        "created_at": quote.created_at,
        "sent_at": quote.sent_at,
        "decided_at": quote.decided_at,
        "requested_start": quote.requested_start,
        "rejection_reason": quote.rejection_reason,
        "expired_at": quote.expired_at,
        "paid_at": quote.paid_at,
        "invoices": [invoice.number for invoice in quote.invoices.all()],
        "pdf_url": reverse("api:v1:quote_pdf", kwargs={"number": quote.number}),
    }


def _quotes_for(user: User) -> Any:
    return (
        l3_queries.visible_quotes(user)
        .select_related("ticket")
        .prefetch_related(
            Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "id")),
            Prefetch("invoices", queryset=Invoice.objects.order_by("issued_at", "id").only("pk", "number", "quote")),
        )
    )


def _quote(request: HttpRequest, number: str) -> Quote:
    """The quote if the token's owner may see it, otherwise 404 (``infogerencia.queries``)."""
    return l3_queries.get_quote_for(request.auth, number)  # type: ignore[attr-defined]


def _quote_out(request: HttpRequest, number: str) -> dict[str, Any]:
    quote = _quotes_for(request.auth).filter(number=number).first()  # type: ignore[attr-defined]
    if quote is None:
        raise Http404
    return QuoteOut.model_validate(quote_out(quote)).model_dump(mode="json")


@quotes.get("/quotes", response={200: QuotePage, **ERRORS}, summary="List quotes")
def list_quotes(
    request: HttpRequest,
    state: QuoteStateName | None = None,
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(25, ge=1, le=MAX_PAGE),
) -> Any:
    """The quotes the caller may see, newest first: a customer's sent quotes, or all of them for
    staff. Keyset pagination over (created_at, id)."""
    items = _quotes_for(request.auth)  # type: ignore[attr-defined]
    if state:
        items = items.filter(state=state)
    return keyset_page(items, "created_at", cursor, limit, quote_out)


@quotes.get("/quotes/{number}", response={200: QuoteOut, **ERRORS}, summary="Read a quote")
def read_quote(request: HttpRequest, number: DocumentNumber) -> Any:
    return _quote_out(request, number)


@quotes.get(
    "/quotes/{number}/pdf",
    response=ERRORS,
    url_name="quote_pdf",
    summary="Download a quote as PDF",
    openapi_extra=PDF_RESPONSE,
)
def quote_pdf(request: HttpRequest, number: DocumentNumber) -> Any:
    quote = _quote(request, number)
    return _pdf(documents.quote_pdf(quote), f"{quote.number}.pdf")


@quotes.post(
    "/quotes/{number}/accept", response={200: QuoteOut, **ERRORS}, auth=WRITE, summary="Accept a quote (customer)"
)
def accept_quote(request: HttpRequest, payload: AcceptIn, number: DocumentNumber) -> Any:
    """sent → accepted. Optionally ask for a start time; the intervention is scheduled once paid.
    An expired quote answers ``409 quote_expired``."""
    quote = _quote(request, number)
    requested_start = None
    if payload.requested_start is not None:
        requested_start = as_utc(payload.requested_start, field="requested_start")
    try:
        actions.accept_quote(
            quote,
            actor=request.auth,  # type: ignore[attr-defined]
            requested_start=requested_start,
            now=timezone.now(),
        )
    except OverflowError:
        raise ApiError(
            400, "invalid_datetime", _("This date and time is out of range."), field="requested_start"
        ) from None
    return _quote_out(request, number)


@quotes.post(
    "/quotes/{number}/reject", response={200: QuoteOut, **ERRORS}, auth=WRITE, summary="Reject a quote (customer)"
)
def reject_quote(request: HttpRequest, payload: RejectIn, number: DocumentNumber) -> Any:
    """sent → rejected, with the reason."""
    quote = _quote(request, number)
    actions.reject_quote(quote, actor=request.auth, reason=payload.reason, now=timezone.now())  # type: ignore[attr-defined]
    return _quote_out(request, number)


# --- invoices ------------------------------------------------------------------------------

invoices = Router(tags=["invoices"])


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
        "net": _amount(invoice.net),
        "vat_total": _amount(invoice.vat_total),
        "gross": _amount(invoice.gross),
        "issued_at": invoice.issued_at,
        "pdf_url": reverse("api:v1:invoice_pdf", kwargs={"number": invoice.number}),
    }


def _invoices_for(user: User) -> Any:
    return l3_queries.visible_invoices(user).select_related("quote", "quote__ticket", "organisation", "rectifies")


@invoices.get("/invoices", response={200: InvoicePage, **ERRORS}, summary="List invoices")
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


@invoices.get("/invoices/{number}", response={200: InvoiceOut, **ERRORS}, summary="Read an invoice")
def read_invoice(request: HttpRequest, number: DocumentNumber) -> Any:
    return invoice_out(_invoice(request, number))


@invoices.get(
    "/invoices/{number}/pdf",
    response=ERRORS,
    url_name="invoice_pdf",
    summary="Download an invoice or credit note as PDF",
    openapi_extra=PDF_RESPONSE,
)
def invoice_pdf(request: HttpRequest, number: DocumentNumber) -> Any:
    invoice = _invoice(request, number)
    return _pdf(documents.invoice_pdf(invoice), f"{invoice.number}.pdf")


# --- guides --------------------------------------------------------------------------------

guides = Router(tags=["guides"])


@guides.get("/guides", response={200: GuidePage, **ERRORS}, summary="Search the guides")
def search_guides(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=200, pattern=r"^[^\x00]+$", description="Words to look for."),
    language: Language | None = Query(None, description="es, en or fr; by default the token owner's language."),  # noqa: B008
    limit: int = Query(10, ge=1, le=50),
) -> Any:
    """Published guides matching any word of ``q`` (three letters or more), best first."""
    user: User = request.auth  # type: ignore[attr-defined]
    code = language or (user.language if user.language in {"es", "en", "fr"} else "es")
    found = guide_queries.search(q, language=code, limit=limit)
    return {
        "items": [
            {
                "slug": article.slug,
                "title": article.title_in(code),
                "category": article.category.name_in(code),
                "language": code if getattr(article, f"title_{code}", "") else "es",
                "url": article.get_absolute_url(),
            }
            for article in found
        ]
    }
