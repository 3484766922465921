"""Small template helpers for the Manager."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def filesize(value: int | None) -> str:
    size = float(value or 0)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"


@register.filter
def localized(obj: Any, field: str) -> str:
    """A level's text field in the active language (``level|localized:"hours"``)."""
    method = getattr(obj, "localized", None)
    return method(field, get_language() or "es") if method else ""
