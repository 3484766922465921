"""Reads of quotes and invoices, always through one visibility rule.

A customer sees their organisation's quotes once sent (never drafts) and their invoices; staff
see everything. Anything else is "not found", exactly as for a number that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from infogerencia.models import (
    BankStatement,
    CreditOutcome,
    Intervention,
    InterventionState,
    Invoice,
    Quote,
    QuoteState,
    StatementCredit,
)

PAGE_SIZE = 50


def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_agent", False) or getattr(user, "is_superuser", False))


def visible_quotes(user: Any) -> QuerySet[Quote]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Quote.objects.none()
    if getattr(user, "is_customer", False):
        if not user.sees_billing:  # the owner decides who sees quotes and invoices
            return Quote.objects.none()
        return Quote.objects.filter(organisation_id=user.organisation_id).exclude(state=QuoteState.DRAFT)
    if _is_staff(user):
        return Quote.objects.all()
    return Quote.objects.none()


def visible_invoices(user: Any) -> QuerySet[Invoice]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Invoice.objects.none()
    if getattr(user, "is_customer", False):
        if not user.sees_billing:
            return Invoice.objects.none()
        return Invoice.objects.filter(organisation_id=user.organisation_id)
    if _is_staff(user):
        return Invoice.objects.all()
    return Invoice.objects.none()


def get_quote_for(user: Any, number: str) -> Quote:
    """The quote if this person may see it, with what its pages show; otherwise 404."""
    try:
        return (
            visible_quotes(user)
            .select_related(
                "ticket",
                "ticket__requester",
                "ticket__service",
                "organisation",
                "created_by",
                "payment",
                "intervention",
                "intervention__administrator",
                "intervention__report",
            )
            .get(number=number)
        )
    except Quote.DoesNotExist:
        raise Http404("No such quote") from None


def get_invoice_for(user: Any, number: str) -> Invoice:
    try:
        return visible_invoices(user).select_related("quote", "organisation", "rectifies").get(number=number)
    except Invoice.DoesNotExist:
        raise Http404("No such invoice") from None


def quote_list(user: Any, *, state: str = "", limit: int = PAGE_SIZE) -> list[Quote]:
    """The newest quotes this person may see, bounded, with what the list shows."""
    quotes = visible_quotes(user).select_related("ticket", "organisation")
    if state in QuoteState.values:
        quotes = quotes.filter(state=state)
    return list(quotes.order_by("-created_at", "-id")[:limit])


def invoice_list(user: Any, *, limit: int = PAGE_SIZE) -> list[Invoice]:
    return list(visible_invoices(user).select_related("organisation").order_by("-issued_at", "-id")[:limit])


def upcoming_interventions(user: Any, *, limit: int = PAGE_SIZE) -> list[Intervention]:
    """Scheduled interventions: an administrator sees their own, other staff see all."""
    if not _is_staff(user):
        return []
    items = Intervention.objects.filter(state=InterventionState.SCHEDULED).select_related(
        "quote", "ticket", "administrator", "ticket__organisation"
    )
    if getattr(user, "role", "") == "l3_administrator":
        items = items.filter(administrator=user)
    return list(items.order_by("starts_at", "id")[:limit])


def credits_to_decide(*, limit: int = PAGE_SIZE) -> list[StatementCredit]:
    """Imported credits the desk could not apply, newest first (billing staff only)."""
    return list(
        StatementCredit.objects.filter(
            outcome__in=[o for o in CreditOutcome.values if o not in {CreditOutcome.APPLIED, CreditOutcome.RESOLVED}]
        )
        .select_related("quote", "statement")
        .order_by("-id")[:limit]
    )


def recent_statements(*, limit: int = 20) -> list[BankStatement]:
    return list(BankStatement.objects.select_related("imported_by").order_by("-imported_at", "-id")[:limit])
