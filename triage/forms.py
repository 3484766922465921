"""Forms of the triage pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from triage.models import Decision


class OverrideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CloseOutageForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the customers (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=_("Added under the standard message, which each customer receives in their own language."),
    )
