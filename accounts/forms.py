from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import timezone
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
    """Sends the reset e-mail through the desk's notifications, in the language on the person's
    profile (not the visitor's browser).

    Django finds the people and checks the link; the link itself (its uid and token, from
    Django's token generator) is made when the e-mail is rendered for sending, so no usable
    token is ever stored with the notification (``accounts.mail.reset_context``).
    """

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from notifications.actions import notify
        from notifications.models import Event

        notify(
            event=Event.PASSWORD_RESET,
            recipients=[context["user"]],
            context={"protocol": context.get("protocol", "https"), "domain": context.get("domain", "")},
            now=timezone.now(),
        )
