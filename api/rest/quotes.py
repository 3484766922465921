"""``/quotes``: level 3 quotes, with the pages' visibility (``infogerencia.queries``: a customer's
token sees its organisation's quotes once sent, staff see all; anything else is ``404``).
Accepting and rejecting go through ``infogerencia.actions``; the PDF is the pages' own."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from accounts.models import User
from api.errors import ApiError
from api.rest.base import (
    ERRORS,
    MAX_PAGE,
    PDF_RESPONSE,
    WRITE,
    DocumentNumber,
    amount_text,
    as_utc,
    keyset_page,
    number_text,
    pdf_response,
)
from api.schemas import AcceptIn, QuoteOut, QuotePage, QuoteStateName, RejectIn
from infogerencia import actions as l3_actions
from infogerencia import documents, pricing
from infogerencia import queries as l3_queries
from infogerencia.models import Invoice, Quote, QuoteLine, QuoteState

router = Router(tags=["quotes"])


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
        "vat_rate": number_text(quote.vat_rate),
        "net": amount_text(net),
        "vat_total": amount_text(vat_total),
        "gross": amount_text(gross),
        "valid_until": quote.valid_until,
        "terms": quote.terms,
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "quantity": number_text(line.quantity),
                "unit_price": amount_text(line.unit_price),
                "discount_percent": number_text(line.discount_percent),
                "net": amount_text(pricing.line_net(line.as_pricing(quote.vat_rate))),
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


@router.get("/quotes", response={200: QuotePage, **ERRORS}, summary="List quotes")
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


@router.get("/quotes/{number}", response={200: QuoteOut, **ERRORS}, summary="Read a quote")
def read_quote(request: HttpRequest, number: DocumentNumber) -> Any:
    return _quote_out(request, number)


@router.get(
    "/quotes/{number}/pdf",
    response=ERRORS,
    url_name="quote_pdf",
    summary="Download a quote as PDF",
    openapi_extra=PDF_RESPONSE,
)
def quote_pdf(request: HttpRequest, number: DocumentNumber) -> Any:
    quote = _quote(request, number)
    return pdf_response(documents.quote_pdf(quote), f"{quote.number}.pdf")


@router.post(
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
        l3_actions.accept_quote(
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


@router.post(
    "/quotes/{number}/reject", response={200: QuoteOut, **ERRORS}, auth=WRITE, summary="Reject a quote (customer)"
)
def reject_quote(request: HttpRequest, payload: RejectIn, number: DocumentNumber) -> Any:
    """sent → rejected, with the reason."""
    quote = _quote(request, number)
    l3_actions.reject_quote(quote, actor=request.auth, reason=payload.reason, now=timezone.now())  # type: ignore[attr-defined]
    return _quote_out(request, number)
