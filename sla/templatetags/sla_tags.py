"""``{% load sla_tags %}``: a support plan's name in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from sla.models import SupportPlan

register = template.Library()


@register.simple_tag
def plan_name(code: str) -> str:
    """The name of the plan with this code ("" for none), in the active language."""
    if not code:
        return ""
    plan = SupportPlan.objects.filter(code=code).first()
    return plan.name_in(get_language() or "es") if plan is not None else code
