"""The password-reset e-mail's link, made at send time with Django's token generator."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import Delivery, Notification


def reset_context(notification: Notification, delivery: Delivery) -> dict[str, Any]:
    user = delivery.recipient
    if user is None:
        raise ValueError("A password reset needs its recipient.")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    protocol = notification.context.get("protocol") or "https"
    domain = notification.context.get("domain") or ""
    return {"user": user, "reset_url": f"{protocol}://{domain}{path}"}
