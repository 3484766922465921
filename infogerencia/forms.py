"""Forms of the level 3 pages. They only shape input; the rules live in ``actions.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput, DateTimeLocalInput, NumberInput
from infogerencia.models import InterventionType, ReportOutcome


class QuoteLineForm(forms.Form):
    intervention_type = forms.ModelChoiceField(
        label=_("From the catalogue"),
        queryset=InterventionType.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label=_("— free line —"),
    )
    description = forms.CharField(
        label=_("Description"), max_length=300, required=False, help_text=_("Empty: the catalogue's name.")
    )
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=10, decimal_places=3, initial=1, widget=NumberInput())
    unit_price = forms.DecimalField(
        label=_("Unit price (EUR, without VAT)"),
        max_digits=11,
        decimal_places=2,
        required=False,
        widget=NumberInput(),
        help_text=_("Empty: the catalogue's base price."),
    )
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"), max_digits=5, decimal_places=2, required=False, initial=0, widget=NumberInput()
    )


class QuoteTermsForm(forms.Form):
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())
    terms = forms.CharField(label=_("Terms"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AcceptForm(forms.Form):
    requested_start = forms.DateTimeField(
        label=_("Preferred start (optional)"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("Leave empty to take the first free slot after payment."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why do you reject the quote?"), widget=forms.Textarea(attrs={"rows": 3}))


class ManualPaymentForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=200)
    amount = forms.DecimalField(label=_("Amount received (EUR)"), max_digits=12, decimal_places=2, widget=NumberInput())


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("New start"), widget=DateTimeLocalInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReportForm(forms.Form):
    steps = forms.CharField(label=_("Steps"), widget=forms.Textarea(attrs={"rows": 5}))
    commands = forms.CharField(label=_("Commands or changes"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReportOutcome.choices)
    outcome_notes = forms.CharField(
        label=_("Notes on the outcome"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    minutes_spent = forms.IntegerField(
        label=_("Time spent (minutes)"), min_value=1, max_value=100_000, widget=NumberInput()
    )

    def __init__(self, *args: Any, required_fields: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.required_keys = []
        for key, label in required_fields:
            self.fields[f"field_{key}"] = forms.CharField(label=label, max_length=20_000)
            self.required_keys.append(key)

    def extra_fields(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"field_{key}", "") for key in self.required_keys}


class CreditNoteForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the credit note"), widget=forms.Textarea(attrs={"rows": 2}))


class RefundForm(forms.Form):
    reference = forms.CharField(
        label=_("Refund reference"),
        max_length=200,
        required=False,
        help_text=_("The bank's reference of the refund you made. Not needed when the desk asks the card provider."),
    )
    reason = forms.CharField(label=_("Reason for the refund"), widget=forms.Textarea(attrs={"rows": 2}))


class StatementForm(forms.Form):
    statement = forms.FileField(
        label=_("Bank statement (CAMT.053 XML)"),
        help_text=_("The ISO 20022 statement your bank's online banking exports, at most 10 MB."),
    )


class ResolveCreditForm(forms.Form):
    decision = forms.CharField(label=_("What you decided"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
