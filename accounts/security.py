"""Login protection: lockout after repeated failures, and time-based one-time codes (TOTP).

Failures are rows in the database (``LoginAttempt``), so every web process sees the same count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from django.conf import settings
from django.http import HttpRequest

from accounts.models import LoginAttempt, TOTPDevice, User
from core.netaddr import client_address

TOTP_PERIOD = 30


def normalise_identifier(value: str) -> str:
    return (value or "").strip().lower()[:254]


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from; behind the proxies ``TIERDESK_TRUSTED_PROXIES`` names,
    the client's address they forwarded (``core.netaddr``), so that one customer's failures are
    not counted against everyone behind the same proxy."""
    return client_address(request)


@dataclass(frozen=True)
class Lockout:
    until: datetime
    by: str  # "identifier" or "address"


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def _locked_until(filters: dict[str, Any], limit: int, now: datetime) -> datetime | None:
    # Bounded: at most ``limit`` rows are read, through the (field, created_at) index.
    recent = list(
        LoginAttempt.objects.filter(created_at__gt=now - _window(), **filters)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + _window()


def lockout_for(*, identifier: str, ip: str | None, now: datetime) -> Lockout | None:
    """Whether logins for this identifier or from this address are locked, and until when."""
    identifier = normalise_identifier(identifier)
    if identifier:
        until = _locked_until({"identifier": identifier}, settings.LOGIN_FAILURE_LIMIT, now)
        if until is not None:
            return Lockout(until=until, by="identifier")
    if ip:
        until = _locked_until({"ip_address": ip}, settings.LOGIN_FAILURE_LIMIT_PER_IP, now)
        if until is not None:
            return Lockout(until=until, by="address")
    return None


def record_failure(*, identifier: str, ip: str | None, now: datetime) -> None:
    identifier = normalise_identifier(identifier)
    # Rows older than the window count for nothing: trim them as we go, through the same indexes.
    stale = now - _window()
    LoginAttempt.objects.filter(identifier=identifier, created_at__lt=stale).delete()
    if ip:
        LoginAttempt.objects.filter(ip_address=ip, created_at__lt=stale).delete()
    LoginAttempt.objects.create(identifier=identifier, ip_address=ip, created_at=now)


def clear_failures(*, identifier: str) -> None:
    """A successful login wipes that identifier's failures (the address keeps its count)."""
    LoginAttempt.objects.filter(identifier=normalise_identifier(identifier)).delete()


# --- TOTP ----------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(device: TOTPDevice, user: User) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=user.username, issuer_name=settings.TOTP_ISSUER)


def matching_step(secret: str, code: str, *, now: datetime) -> int | None:
    """The 30-second step the code belongs to (now, or one step either side for clock drift), or None."""
    code = "".join(c for c in (code or "") if c.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // TOTP_PERIOD
    for step in (current, current - 1, current + 1):
        if pyotp.utils.strings_equal(totp.at(step * TOTP_PERIOD), code):
            return step
    return None


def enabled_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
