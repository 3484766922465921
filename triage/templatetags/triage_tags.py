"""``{% triage_evidence ticket user as evidence %}`` for the evidence snippet."""

from __future__ import annotations

from typing import Any

from django import template

from triage import queries, texts

register = template.Library()


@register.simple_tag
def triage_evidence(ticket: Any, user: Any) -> queries.Evidence:
    return queries.evidence_for(ticket, user)


@register.filter
def probe_detail(result: Any) -> str:
    """What a probe saw, in the reader's language (not the checker's own English detail)."""
    return texts.detail_text(texts.result_params(result))
