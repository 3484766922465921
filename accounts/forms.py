from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Customer identifier or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "placeholder": "ab12345-ovh"}),
    )
    error_messages = {
        "invalid_login": _("The customer identifier (or e-mail) and password do not match. Check both and try again."),
        "inactive": _("This account is disabled."),
    }


class CodeForm(forms.Form):
    """A 6-digit code from an authenticator app."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "autofocus": True}
        ),
    )


class LocalisedPasswordResetForm(PasswordResetForm):
    """Sends the reset e-mail in the language on the person's profile, not the visitor's browser."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = getattr(context.get("user"), "language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name
            )
