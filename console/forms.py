"""Forms of the console that need field-by-field errors: the phone intake."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import NumberInput
from levels.models import Category, PhoneLine


class PhoneIntakeForm(forms.Form):
    customer_identifier = forms.CharField(
        label=_("Customer identifier"), max_length=150, help_text=_("As the caller spells it, e.g. ab12345-ovh.")
    )
    service_reference = forms.CharField(
        label=_("Service reference"), max_length=255, help_text=_("e.g. ns123456.ip-51-75-1.eu or example.com")
    )
    caller_number = forms.CharField(label=_("Caller's number"), max_length=32, required=False)
    category = forms.ModelChoiceField(label=_("Type of request"), queryset=Category.objects.none())
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(label=_("What the caller reports"), widget=forms.Textarea, required=False)
    duration = forms.IntegerField(
        label=_("Call duration (seconds)"), min_value=0, max_value=24 * 3600, required=False, widget=NumberInput()
    )
    notes = forms.CharField(label=_("Call notes (internal)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    call = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, line: PhoneLine, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(level_id=line.level_id, active=True)  # type: ignore[attr-defined]

    def require_ticket_fields(self) -> bool:
        """Subject and description are needed to open the ticket, not to check the caller."""
        ok = True
        for name, message in (
            ("subject", _("Write a subject.")),
            ("body", _("Write what the caller reports.")),
        ):
            if not (self.cleaned_data.get(name) or "").strip():
                self.add_error(name, message)
                ok = False
        return ok
