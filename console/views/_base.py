"""What the console's views share."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - staff_required guarantees a logged-in user
    return user
