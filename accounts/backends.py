"""Log in with a customer identifier (any case) or an e-mail address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User


class IdentifierBackend(ModelBackend):
    """Accepts ``ab12345-ovh``, ``AB12345-OVH`` or the contact's e-mail address."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or not password:
            return None
        login = username.strip()
        candidates = User.objects.filter(username__iexact=login)
        if "@" in login and not candidates.exists():
            candidates = User.objects.filter(email__iexact=login)
        users = list(candidates[:2])
        if len(users) != 1:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
