"""Every date, date-and-time and number input of the desk's forms round-trips in every language:
the browser gets the value its input type needs (ISO dates, unlocalised numbers), and the form
reads that value back. A date written in the reader's format ("01/04/2027") is shown empty by an
``<input type="date">`` and lost when the form is saved."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import timezone, translation

from core import widgets


def _project_forms() -> list[tuple[str, str, forms.Field]]:
    found = []
    for config in apps.get_app_configs():
        if not (Path(settings.BASE_DIR) / config.name.split(".")[0]).is_dir():
            continue  # Django's and the libraries' apps
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, forms.Form) and value.__module__ == module.__name__:
                for field_name, field in value.base_fields.items():
                    if isinstance(field.widget, forms.DateInput | forms.DateTimeInput | forms.NumberInput):
                        found.append((f"{module.__name__}.{name}", field_name, field))
    return found


FIELDS = _project_forms()


def _sample(field: forms.Field) -> Any:
    if isinstance(field, forms.DateTimeField):
        return timezone.localtime(datetime(2027, 4, 1, 7, 30, tzinfo=UTC))
    if isinstance(field, forms.DateField):
        return date(2027, 4, 1)
    if isinstance(field, forms.DecimalField):
        return Decimal("1234.5") if (field.max_digits or 9) >= 6 else Decimal("12.5")
    maximum = getattr(field, "max_value", None)
    return 1234 if maximum is None or maximum >= 1234 else 12


def test_the_forms_have_date_and_number_inputs_to_check() -> None:
    names = {(form, name) for form, name, _field in FIELDS}
    assert ("infogerencia.forms.QuoteTermsForm", "valid_until") in names
    assert ("infogerencia.forms.MoveForm", "starts_at") in names
    assert ("infogerencia.forms.QuoteLineForm", "unit_price") in names


@pytest.mark.parametrize("language", ["es", "en", "fr"])
@pytest.mark.parametrize(("form", "name", "field"), FIELDS, ids=[f"{f}.{n}" for f, n, _x in FIELDS])
def test_each_input_round_trips_in_every_language(
    form: str, name: str, field: forms.Field, language: str, settings: Any
) -> None:
    settings.USE_THOUSAND_SEPARATOR = True  # the harder case: "1.234,5" must never be written
    value = _sample(field)
    with translation.override(language):
        html = field.widget.render(name, field.prepare_value(value))
        written = re.search(r'value="([^"]*)"', html)
        assert written is not None, html
        text = written.group(1)
        if isinstance(field.widget, forms.DateTimeInput):
            assert 'type="datetime-local"' in html and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text), html
        elif isinstance(field.widget, forms.DateInput):
            assert 'type="date"' in html and text == "2027-04-01", html
        else:
            assert 'type="number"' in html and re.fullmatch(r"-?\d+(\.\d+)?", text), html
        assert field.clean(text) == value
        assert isinstance(field.widget, widgets.DateInput | widgets.DateTimeLocalInput | widgets.NumberInput)
