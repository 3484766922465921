"""Amounts and VAT rules on the level 3 pages, in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from infogerencia import pricing

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """``145.20|money:"EUR"`` -> ``145,20 €`` (es), ``€145.20`` (en), ``145,20 €`` (fr)."""
    if amount is None:
        return ""
    language = (get_language() or "es")[:2]
    return pricing.format_money(amount, currency, language if language in pricing.LANGUAGES else "es")
