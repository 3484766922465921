"""Creating customers, contacts and staff."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Role, TOTPDevice, User, generate_customer_identifier
from accounts.security import matching_step, new_secret


@transaction.atomic
def create_customer(
    *,
    name: str,
    email: str,
    password: str,
    organisation: Organisation | None = None,
    organisation_name: str = "",
    language: str = "es",
    time_zone: str = "Europe/Madrid",
    country: str = "ES",
    identifier: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """A customer contact with a new identifier (``ab12345-ovh``); a new organisation unless one is given."""
    if organisation is None:
        organisation = Organisation.objects.create(name=organisation_name or name, country=country)
    for _attempt in range(20):
        candidate = (identifier or generate_customer_identifier(name)).lower()
        if User.objects.filter(username__iexact=candidate).exists():
            if identifier:
                raise IntegrityError(f"The customer identifier {candidate} is taken.")
            continue
        user = User(
            username=candidate,
            email=email,
            first_name=first_name or name.split(" ")[0],
            last_name=last_name or " ".join(name.split(" ")[1:]),
            role=Role.CUSTOMER,
            organisation=organisation,
            language=language,
            time_zone=time_zone,
            country=country,
        )
        user.set_password(password)
        user.full_clean(exclude=["password", "username"])
        user.save()
        return user
    raise IntegrityError("Could not find a free customer identifier.")


@transaction.atomic
def create_staff(
    *,
    username: str,
    role: Role,
    password: str,
    first_name: str,
    last_name: str = "",
    email: str = "",
    language: str = "es",
    time_zone: str = "Europe/Madrid",
    superuser: bool = False,
) -> User:
    if role == Role.CUSTOMER:
        raise ValueError("Staff cannot have the customer role.")
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        language=language,
        time_zone=time_zone,
        is_staff=superuser or role in {Role.SUPERVISOR},
        is_superuser=superuser,
    )
    user.set_password(password)
    user.save()
    return user


# --- two-factor authentication ---------------------------------------------------------------


class TwoFactorRefused(Exception):
    """A two-factor step was refused; ``message`` is shown to the person."""

    def __init__(self, code: str, message: object) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


@transaction.atomic
def start_totp(*, user: User, now: datetime) -> TOTPDevice:
    """A new secret for the person's authenticator app; not in use until a code confirms it."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.enabled:
        raise TwoFactorRefused("already_enabled", _("Two-factor authentication is already on."))
    if device is None:
        return TOTPDevice.objects.create(user=user, secret=new_secret(), created_at=now)
    device.secret = new_secret()
    device.created_at = now
    device.last_used_step = None
    device.save(update_fields=["secret", "created_at", "last_used_step"])
    return device


def _consume(device: TOTPDevice, code: str, *, now: datetime) -> None:
    step = matching_step(device.secret, code, now=now)
    if step is None:
        raise TwoFactorRefused("wrong_code", _("This code is not valid. Enter the 6 digits your app shows now."))
    # Conditional UPDATE: the same code presented twice (a replay, or a double submit) passes once.
    used = (
        TOTPDevice.objects.filter(pk=device.pk)
        .filter(Q(last_used_step__isnull=True) | Q(last_used_step__lt=step))
        .update(last_used_step=step)
    )
    if not used:
        raise TwoFactorRefused("code_used", _("This code has already been used. Wait for the next one."))


@transaction.atomic
def confirm_totp(*, user: User, code: str, now: datetime) -> TOTPDevice:
    """Switch two-factor authentication on once the app shows a matching code."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise TwoFactorRefused("not_started", _("Start again: no authenticator app is being set up."))
    if device.enabled:
        raise TwoFactorRefused("already_enabled", _("Two-factor authentication is already on."))
    _consume(device, code, now=now)
    device.confirmed_at = now
    device.save(update_fields=["confirmed_at"])
    return device


@transaction.atomic
def disable_totp(*, user: User, code: str, now: datetime) -> None:
    """Switch two-factor authentication off; a current code proves the app is still in hand."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise TwoFactorRefused("not_enabled", _("Two-factor authentication is not on."))
    _consume(device, code, now=now)
    device.delete()


def verify_login_code(*, user: User, code: str, now: datetime) -> None:
    """The second login step: raises TwoFactorRefused unless the code is current and unused."""
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise TwoFactorRefused("not_enabled", _("Two-factor authentication is not on."))
    _consume(device, code, now=now)


def set_language(*, user: User, language: str) -> bool:
    """Speak ``language`` to ``user`` from now on (pages, e-mails, PDFs, stored text rendered for
    them); ``False``, and nothing written, for a language the desk does not speak."""
    if language not in dict(settings.LANGUAGES):
        return False
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return True
