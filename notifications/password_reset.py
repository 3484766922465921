"""The password-reset e-mail: the form that asks for it, and its link, made at send time.

The reset pages are ``accounts``' (``/accounts/password/reset/``); ``accounts`` sits below the
notifications service, so the settings name this form for its page (``PASSWORD_RESET_FORM``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.actions import notify
from notifications.models import Delivery, Event, Notification


class LocalisedPasswordResetForm(PasswordResetForm):
    """Sends the reset e-mail through the desk's notifications, in the language on the person's
    profile (not the visitor's browser).

    Django finds the people and checks the link; the link itself (its uid and token, from
    Django's token generator) is made when the e-mail is rendered for sending, so no usable
    token is ever stored with the notification (:func:`reset_context`).
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
        notify(
            event=Event.PASSWORD_RESET,
            recipients=[context["user"]],
            context={"protocol": context.get("protocol", "https"), "domain": context.get("domain", "")},
            now=timezone.now(),
        )


def reset_context(notification: Notification, delivery: Delivery) -> dict[str, Any]:
    """Send-time context of the reset e-mail: its link, with a fresh uid and token."""
    user = delivery.recipient
    if user is None:
        raise ValueError("A password reset needs its recipient.")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    protocol = notification.context.get("protocol") or "https"
    domain = notification.context.get("domain") or ""
    return {"user": user, "reset_url": f"{protocol}://{domain}{path}"}
