"""Template filters every part uses."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.formats import number_format

from core.stored_text import render

register = template.Library()


@register.filter
def hours(value: timedelta | float | None) -> str:
    """A duration (or a number of seconds) as people say SLA targets: "6 h", "24 h", "1.5 h"
    (decimals in the reader's language)."""
    if value is None or value == "":
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    amount = seconds / 3600
    if amount == int(amount):
        return f"{int(amount)} h"
    return f"{number_format(round(amount, 1), decimal_pos=1)} h"


@register.filter
def rendered(value: object) -> str:
    """Text the desk stored as a code with parameters (``core.stored_text``), in the reader's
    language; text stored before codes, as it was written."""
    return render(value)
