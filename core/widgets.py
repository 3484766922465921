"""Form inputs that read the same in every language.

A browser's ``<input type="date">`` takes ``2027-04-01`` and nothing else, ``datetime-local``
takes ``2027-04-01T09:30``, and ``type="number"`` takes ``1234.5``: the reader's format
(``01/04/2027``, ``1.234,5``) is shown empty and lost when the form is saved. These widgets write
the value the browser needs whatever the active language; the browser shows it in the reader's
format. Django's date and time fields read the ISO forms back in every language.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """``<input type="date">`` with an ISO value."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class DateTimeLocalInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` with an ISO value to the minute, in the active time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATETIME_LOCAL)


class NumberInput(forms.NumberInput):
    """``<input type="number">`` whose value is never localised (``1234.5``, not ``1.234,5``)."""

    def format_value(self, value: Any) -> str | None:
        if value == "" or value is None:
            return None
        return str(value)
